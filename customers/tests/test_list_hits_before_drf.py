"""A cached customer list page answered before DRF (mechanic_shop/api/caching.py, `answer_hits_before_drf`;
docs/decisions/0036-a-cached-page-answered-before-drf.md): the same answer DRF gives, and every other request —
a refusal above all — answered by DRF exactly as before, and counted once."""

import time

import pytest
from django.contrib.auth.models import Permission
from django.core.cache import caches
from django.urls import reverse

from mechanic_shop.accounts.authentication import ROLE_CUSTOMER, ROLE_STAFF
from mechanic_shop.api import caching
from mechanic_shop.api.throttling import THROTTLE_CACHE
from mechanic_shop.testing.clients import client_with_token

pytestmark = pytest.mark.django_db

LIST = reverse("customer-list")
PAGE = f"{LIST}?page=1&per_page=10"
# What differs between two answers made a moment apart.
PER_ANSWER = {"Expires", "Age", "Date", "RateLimit"}


def counter(scope: str, user, window: int) -> int | None:
    """The count in the user's current window of `scope` (the throttle cache's key, as the throttles name it)."""
    return caches[THROTTLE_CACHE].get(f"throttle:{scope}:user-{user.pk}:{int(time.time() // window)}")


def test_a_hit_is_answered_before_drf_with_the_answer_drf_gives(
    viewer, customer, throttle_rates, drf_runs, monkeypatch
):
    throttle_rates(user_short="1000/minute", user_long="100000/day")
    client = client_with_token(viewer, ROLE_STAFF)
    assert client.get(PAGE).status_code == 200  # DRF renders and stores the page
    with monkeypatch.context() as off:
        off.setattr(caching, "plain_json_accepted", lambda *args: False)  # the shortcut steps aside
        by_drf = client.get(PAGE)
    assert drf_runs == ["GET", "GET"]

    before_drf = client.get(PAGE)

    assert drf_runs == ["GET", "GET"]  # DRF did not run for the third
    assert before_drf.status_code == by_drf.status_code == 200
    assert before_drf.content == by_drf.content
    assert before_drf.json()["results"][0]["name"] == customer.name
    assert {k: v for k, v in before_drf.items() if k not in PER_ANSWER} == {
        k: v for k, v in by_drf.items() if k not in PER_ANSWER
    }
    assert by_drf["RateLimit"].startswith('"minute";r=998;')
    assert before_drf["RateLimit"].startswith('"minute";r=997;')
    assert counter("user_short", viewer, 60) == counter("user_long", viewer, 86400) == 3


def test_a_hit_still_answers_if_none_match_with_304(viewer, customer, drf_runs):
    client = client_with_token(viewer, ROLE_STAFF)
    etag = client.get(PAGE)["ETag"]

    response = client.get(PAGE, HTTP_IF_NONE_MATCH=etag)

    assert drf_runs == ["GET"]
    assert response.status_code == 304
    assert response.content == b""
    assert response["ETag"] == etag


def test_a_miss_is_looked_up_once_and_handed_to_drf(viewer, customer, drf_runs, monkeypatch):
    client = client_with_token(viewer, ROLE_STAFF)
    looked_up = []
    look_up = caching.generation_and_cached
    monkeypatch.setattr(caching, "generation_and_cached", lambda *args: looked_up.append(args) or look_up(*args))

    response = client.get(PAGE)

    assert response.status_code == 200
    assert drf_runs == ["GET"]
    assert len(looked_up) == 1


def test_a_refused_caller_gets_drfs_answer_and_is_not_counted(viewer, customer, customer_client, throttle_rates):
    throttle_rates(user_short="1000/minute", user_long="100000/day")
    assert client_with_token(viewer, ROLE_STAFF).get(PAGE).status_code == 200  # the page is stored

    refused = customer_client.get(PAGE)

    assert refused.status_code == 403
    assert "RateLimit" not in refused
    # No counter (local memory), or one given back to 0 (Redis counts in its trip ahead, then gives back).
    assert not counter("user_short", customer.user, 60)


def test_no_token_and_a_bad_token_get_drfs_401(viewer, customer, anon_client):
    assert client_with_token(viewer, ROLE_STAFF).get(PAGE).status_code == 200

    assert anon_client.get(PAGE).status_code == 401
    anon_client.credentials(HTTP_AUTHORIZATION="Bearer not-a-token")
    bad = anon_client.get(PAGE)
    assert bad.status_code == 401
    assert bad["WWW-Authenticate"].startswith("Bearer")
    assert bad.json()["code"] == "token_not_valid"


def test_another_scheme_gets_drfs_401_saying_what_is_expected(viewer, customer, anon_client):
    assert client_with_token(viewer, ROLE_STAFF).get(PAGE).status_code == 200
    anon_client.credentials(HTTP_AUTHORIZATION="Basic ZGVtbzpkZW1v")

    response = anon_client.get(PAGE)

    assert response.status_code == 401
    assert "Bearer" in response.json()["detail"]


def test_a_deactivated_account_is_refused_on_a_hit(viewer, customer):
    client = client_with_token(viewer, ROLE_STAFF)
    assert [client.get(PAGE).status_code for _ in range(2)] == [200, 200]  # the second a hit

    viewer.is_active = False
    viewer.save(update_fields=["is_active"])

    response = client.get(PAGE)
    assert response.status_code == 401
    assert response.json()["code"] == "user_inactive"


def test_a_staff_account_with_a_customer_token_is_refused_on_a_hit(viewer, customer):
    assert client_with_token(viewer, ROLE_STAFF).get(PAGE).status_code == 200

    assert client_with_token(viewer, ROLE_CUSTOMER).get(PAGE).status_code == 403


def test_a_bad_query_is_never_a_hit(viewer, customer):
    client = client_with_token(viewer, ROLE_STAFF)
    for _ in range(2):
        assert client.get(f"{LIST}?page=99").status_code == 404
        assert client.get(f"{LIST}?page_size=many").status_code == 400
    assert client.get(f"{LIST}?page=1").status_code == 200


def test_a_revoked_permission_acts_at_the_next_request(viewer, customer):
    client = client_with_token(viewer, ROLE_STAFF)
    assert client.get(PAGE).status_code == 200
    assert client.get(PAGE).status_code == 200  # a hit

    viewer.user_permissions.remove(Permission.objects.get(codename="view_customer"))

    assert client.get(PAGE).status_code == 403


def test_a_throttled_hit_gets_drfs_429_and_is_counted_once(viewer, customer, throttle_rates, drf_runs):
    throttle_rates(user_short="2/minute", user_long="100/day")
    client = client_with_token(viewer, ROLE_STAFF)
    assert [client.get(PAGE).status_code for _ in range(2)] == [200, 200]
    assert drf_runs == ["GET"]  # the second was a hit

    throttled = client.get(PAGE)

    assert throttled.status_code == 429
    assert int(throttled["Retry-After"]) >= 1
    assert throttled["RateLimit"].startswith('"minute";r=0;')
    assert drf_runs == ["GET", "GET"]  # handed to DRF, which refused it
    # Counted once in each window, by DRF: what the shortcut counted was given back.
    assert counter("user_short", viewer, 60) == 3
    assert counter("user_long", viewer, 86400) == 3


def test_anything_but_a_plain_get_with_a_token_goes_to_drf(viewer, customer, drf_runs):
    client = client_with_token(viewer, ROLE_STAFF)
    assert client.get(PAGE).status_code == 200

    assert client.head(PAGE).status_code == 200
    assert client.get(PAGE, HTTP_ACCEPT="text/html").status_code == 406
    assert client.get(PAGE + "&format=json").status_code == 200
    assert client.options(LIST).status_code == 200

    assert drf_runs == ["GET", "HEAD", "GET", "GET", "OPTIONS"]


def test_the_schema_still_documents_the_list(admin_client_api):
    schema = admin_client_api.get("/api/schema", HTTP_ACCEPT="application/json").json()
    assert set(schema["paths"]["/customers"]) >= {"get", "post"}
