"""The shared page cache's answers (mechanic_shop/api/caching.py); the customer list's use of it is tested in
customers/tests/test_list_cache.py."""

from django.utils.cache import patch_cache_control
from django.utils.http import parse_http_date


def test_client_cache_headers_are_what_never_cache_gives():
    from django.http import HttpResponse
    from django.utils.cache import add_never_cache_headers

    from mechanic_shop.api.caching import keep_out_of_client_caches

    ours, django_s = HttpResponse(), HttpResponse()
    for response in (ours, django_s):
        patch_cache_control(response, public=True, max_age=120)
    keep_out_of_client_caches(ours)
    add_never_cache_headers(django_s)
    assert ours["Cache-Control"] == django_s["Cache-Control"]
    assert abs(parse_http_date(ours["Expires"]) - parse_http_date(django_s["Expires"])) <= 1
