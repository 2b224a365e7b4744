"""A customer's record by its id, answered before DRF (mechanic_shop/api/before_drf.py, `answer_retrieve_before_drf`;
docs/decisions/0043-a-plain-detail-answered-before-drf.md): the same answer DRF gives, and every other request — a
refusal above all — answered by DRF exactly as before, and counted once."""

import time

import pytest
from django.contrib.auth.models import Permission
from django.core.cache import caches
from django.core.exceptions import ImproperlyConfigured
from django.urls import reverse
from rest_framework.permissions import BasePermission

from customers.views import CustomerViewSet
from mechanic_shop.accounts.authentication import ROLE_STAFF
from mechanic_shop.api import before_drf
from mechanic_shop.api.routers import OptionalSlashRouter
from mechanic_shop.api.throttling import THROTTLE_CACHE
from mechanic_shop.api.viewsets import ShopReadOnlyViewSet
from mechanic_shop.testing.clients import client_with_token

pytestmark = pytest.mark.django_db

# What differs between two answers made a moment apart.
PER_ANSWER = {"Date", "RateLimit"}


def detail(customer) -> str:
    return reverse("customer-detail", args=[customer.pk])


@pytest.fixture
def rates(throttle_rates):
    throttle_rates(user_short="1000/minute", user_long="100000/day")


def counter(scope: str, user, window: int) -> int | None:
    """The count in the user's current window of `scope` (the throttle cache's key, as the throttles name it)."""
    return caches[THROTTLE_CACHE].get(f"throttle:{scope}:user-{user.pk}:{int(time.time() // window)}")


def by_drf(client, path, monkeypatch, **headers):
    with monkeypatch.context() as off:
        off.setattr(before_drf, "plain_json_accepted", lambda *args: False)  # the shortcut steps aside
        return client.get(path, **headers)


def same_answer(before, drf) -> None:
    assert before.status_code == drf.status_code == 200
    assert before.content == drf.content
    assert {k: v for k, v in before.items() if k not in PER_ANSWER} == {
        k: v for k, v in drf.items() if k not in PER_ANSWER
    }


def test_staff_get_the_answer_drf_gives_before_drf(viewer, customer, rates, drf_runs, monkeypatch):
    client = client_with_token(viewer, ROLE_STAFF)
    drf = by_drf(client, detail(customer), monkeypatch)
    assert drf_runs == ["GET"]

    before = client.get(detail(customer))

    assert drf_runs == ["GET"]  # DRF did not run for the second
    same_answer(before, drf)
    assert before.json()["email"] == customer.email
    assert before["Allow"] == "GET, PUT, PATCH, DELETE, HEAD, OPTIONS"
    assert before["ETag"].startswith('"')
    assert drf["RateLimit"].startswith('"minute";r=999;')
    assert before["RateLimit"].startswith('"minute";r=998;')
    assert counter("user_short", viewer, 60) == counter("user_long", viewer, 86400) == 2


def test_a_customer_gets_its_own_record_before_drf(customer, customer_client, drf_runs, monkeypatch):
    drf = by_drf(customer_client, detail(customer), monkeypatch)

    before = customer_client.get(detail(customer))

    assert drf_runs == ["GET"]
    same_answer(before, drf)


def test_another_customers_record_is_drfs_404_counted_once(customer, other_customer, customer_client, rates, drf_runs):
    response = customer_client.get(detail(other_customer))

    assert response.status_code == 404
    assert drf_runs == ["GET"]  # handed on: DRF answered it
    assert response["RateLimit"].startswith('"minute";r=999;')
    assert counter("user_short", customer.user, 60) == 1


def test_a_missing_id_is_drfs_404_counted_once(viewer, rates, drf_runs):
    response = client_with_token(viewer, ROLE_STAFF).get("/customers/987654321")

    assert response.status_code == 404
    assert response.json() == {"detail": "Customer not found."}
    assert drf_runs == ["GET"]
    assert counter("user_short", viewer, 60) == counter("user_long", viewer, 86400) == 1


def test_an_object_permissions_refusal_is_drfs_403_counted_once(viewer, customer, rates, drf_runs, monkeypatch):
    class NotThisOne(BasePermission):
        def has_object_permission(self, request, view, obj):
            return False

    monkeypatch.setattr(CustomerViewSet, "get_permissions", lambda self: [NotThisOne()])

    response = client_with_token(viewer, ROLE_STAFF).get(detail(customer))

    assert response.status_code == 403
    assert drf_runs == ["GET"]
    assert counter("user_short", viewer, 60) == 1


def test_a_caller_without_the_permission_gets_drfs_403_uncounted(make_staff, customer, rates):
    outsider = make_staff("customers.add_customer")

    response = client_with_token(outsider, ROLE_STAFF).get(detail(customer))

    assert response.status_code == 403
    assert "RateLimit" not in response
    assert not counter("user_short", outsider, 60)


def test_a_revoked_permission_acts_at_the_next_request(viewer, customer):
    client = client_with_token(viewer, ROLE_STAFF)
    assert client.get(detail(customer)).status_code == 200

    viewer.user_permissions.remove(Permission.objects.get(codename="view_customer"))

    assert client.get(detail(customer)).status_code == 403


def test_no_token_a_bad_token_and_a_deactivated_account_get_drfs_401(viewer, customer, anon_client):
    assert anon_client.get(detail(customer)).status_code == 401
    anon_client.credentials(HTTP_AUTHORIZATION="Bearer not-a-token")
    bad = anon_client.get(detail(customer))
    assert bad.status_code == 401
    assert bad["WWW-Authenticate"].startswith("Bearer")
    assert bad.json()["code"] == "token_not_valid"

    client = client_with_token(viewer, ROLE_STAFF)
    assert client.get(detail(customer)).status_code == 200
    type(viewer).objects.filter(pk=viewer.pk).update(is_active=False)  # a bulk update: no signal, no cache sees it
    refused = client.get(detail(customer))
    assert refused.status_code == 401
    assert refused.json()["code"] == "user_inactive"


def test_a_throttled_detail_gets_drfs_429_counted_once(viewer, customer, throttle_rates, drf_runs):
    throttle_rates(user_short="2/minute", user_long="100/day")
    client = client_with_token(viewer, ROLE_STAFF)
    assert [client.get(detail(customer)).status_code for _ in range(2)] == [200, 200]
    assert drf_runs == []  # both answered before DRF

    throttled = client.get(detail(customer))

    assert throttled.status_code == 429
    assert int(throttled["Retry-After"]) >= 1
    assert throttled["RateLimit"].startswith('"minute";r=0;')
    assert drf_runs == ["GET"]
    assert counter("user_short", viewer, 60) == counter("user_long", viewer, 86400) == 3


def test_if_none_match_is_still_answered_with_304(viewer, customer, drf_runs):
    client = client_with_token(viewer, ROLE_STAFF)
    etag = client.get(detail(customer))["ETag"]

    response = client.get(detail(customer), HTTP_IF_NONE_MATCH=etag)

    assert drf_runs == []
    assert response.status_code == 304
    assert response.content == b""
    assert response["ETag"] == etag


def test_anything_but_a_plain_get_with_a_token_goes_to_drf(viewer, customer, drf_runs):
    client = client_with_token(viewer, ROLE_STAFF)

    assert client.head(detail(customer)).status_code == 200
    assert client.get(detail(customer), HTTP_ACCEPT="text/html").status_code == 406
    assert client.get(detail(customer) + "?format=json").status_code == 200
    assert client.get(detail(customer) + "?anything=1").status_code == 200
    assert client.options(detail(customer)).status_code == 200
    assert client.patch(detail(customer), {"name": "Renamed"}, format="json").status_code == 403

    assert drf_runs == ["HEAD", "GET", "GET", "GET", "OPTIONS", "PATCH"]


def test_the_router_refuses_it_on_a_viewset_with_its_own_retrieve():
    class OwnRetrieve(ShopReadOnlyViewSet):
        queryset = CustomerViewSet.queryset
        serializer_class = CustomerViewSet.serializer_class
        retrieve_before_drf = True

        def retrieve(self, request, *args, **kwargs):
            return super().retrieve(request, *args, **kwargs)

    with pytest.raises(ImproperlyConfigured, match="overrides retrieve"):
        OptionalSlashRouter().register("own", OwnRetrieve, basename="own")


def test_the_schema_still_documents_the_detail(admin_client_api):
    schema = admin_client_api.get("/api/schema", HTTP_ACCEPT="application/json").json()
    assert set(schema["paths"]["/customers/{id}"]) >= {"get", "put", "patch", "delete"}
