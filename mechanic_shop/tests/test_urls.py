"""The URL conf tries the API's routes before the admin's, the tokens' and the docs' (decision 0035). That changes
nothing only while no API route can match a path one of those would: their first path segments stay apart."""

import re

from django.urls import resolve

from mechanic_shop import urls


def _first_segment(regex: str) -> str:
    return re.match(r"\^?([a-z0-9_-]*)", regex).group(1)


def test_no_api_route_shares_a_first_path_segment_with_a_pattern_tried_after_it():
    api_patterns = urls.api.urls
    api_segments = {prefix.split("/", 1)[0] for prefix, _, _ in urls.api.registry}
    position = urls.urlpatterns.index(api_patterns[-1])
    later = {_first_segment(str(pattern.pattern)) for pattern in urls.urlpatterns[position + 1 :]}
    assert {"admin", "auth", "api", "approve"} <= later
    assert api_segments.isdisjoint(later)
    # And the two tried before the API are the root and the health check.
    assert [str(pattern.pattern) for pattern in urls.urlpatterns[:2]] == ["^$", "^health/?$"]


def test_the_patterns_after_the_api_still_resolve_to_their_views():
    assert resolve("/admin/login/").url_name == "admin-login-throttled"
    assert resolve("/admin/").app_name == "admin"
    assert resolve("/auth/token").url_name == "token-obtain"
    assert resolve("/api/schema/").url_name == "schema"
    assert resolve("/customers/7").url_name == "customer-detail"
    assert resolve("/health").url_name == "health"
