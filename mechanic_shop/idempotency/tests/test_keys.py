"""Idempotency-Key on the API's POSTs: first run, replay, 422, 400, per caller, 5xx, expiry, 409."""

import io
from datetime import timedelta

import pytest
import time_machine
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from customers.models import Customer
from inventory.models import Part, PurchaseOrder, Supplier
from inventory.views import SupplierViewSet
from mechanic_shop.idempotency.keys import BAD_KEY
from mechanic_shop.idempotency.models import IdempotencyKey

pytestmark = pytest.mark.django_db

SUPPLIERS = "/suppliers"
REGISTRATION = {"name": "Ann Lee", "email": "ann@example.com", "phone_number": "555-0100", "password": "Tr1cky-Gear-42"}


def post(client, path, body, key=None, **extra):
    if key is not None:
        extra["HTTP_IDEMPOTENCY_KEY"] = key
    return client.post(path, body, format="json", **extra)


def test_first_request_runs_and_a_repeat_replays_it(admin_client_api):
    first = post(admin_client_api, SUPPLIERS, {"name": "Acme"}, key="order-1")
    assert first.status_code == 201
    assert "Idempotent-Replayed" not in first
    again = post(admin_client_api, SUPPLIERS, {"name": "Acme"}, key="order-1")
    assert again.status_code == 201
    assert again["Idempotent-Replayed"] == "true"
    assert again.content == first.content
    assert again["Content-Type"] == first["Content-Type"]
    assert Supplier.objects.count() == 1
    stored = IdempotencyKey.objects.get()
    assert (stored.status, bytes(stored.body)) == (201, first.content)


def test_without_a_key_every_request_runs_and_costs_no_query(admin_client_api):
    assert post(admin_client_api, SUPPLIERS, {"name": "Acme"}).status_code == 201
    with CaptureQueriesContext(connection) as queries:
        assert post(admin_client_api, SUPPLIERS, {"name": "Acme"}).status_code == 201
    assert not any("idempotency" in query["sql"] for query in queries.captured_queries)
    assert Supplier.objects.count() == 2
    assert not IdempotencyKey.objects.exists()


def test_a_key_costs_a_constant_few_queries(admin_client_api):
    with CaptureQueriesContext(connection) as bare:
        post(admin_client_api, SUPPLIERS, {"name": "Acme"})
    with CaptureQueriesContext(connection) as keyed:
        post(admin_client_api, SUPPLIERS, {"name": "Acme"}, key="k-1")
    # The claim (INSERT in a savepoint), a savepoint around the work, the UPDATE storing the answer.
    assert len(keyed) - len(bare) <= 8
    with CaptureQueriesContext(connection) as replayed:
        post(admin_client_api, SUPPLIERS, {"name": "Acme"}, key="k-1")
    assert len(replayed) - len(bare) <= 3
    assert not any("supplier" in query["sql"] for query in replayed.captured_queries)


def test_a_4xx_is_stored_and_replayed(admin_client_api):
    first = post(admin_client_api, SUPPLIERS, {"name": ""}, key="bad-1")
    assert first.status_code == 400
    again = post(admin_client_api, SUPPLIERS, {"name": ""}, key="bad-1")
    assert (again.status_code, again.content, again["Idempotent-Replayed"]) == (400, first.content, "true")
    assert IdempotencyKey.objects.get().status == 400


def test_same_key_other_body_or_other_path_is_422(admin_client_api, make_customer):
    assert post(admin_client_api, SUPPLIERS, {"name": "Acme"}, key="k").status_code == 201
    other_body = post(admin_client_api, SUPPLIERS, {"name": "Acme Ltd"}, key="k")
    assert other_body.status_code == 422
    assert "another request" in other_body.json()["detail"]
    other_path = post(admin_client_api, "/mechanics", {"name": "Acme"}, key="k")
    assert other_path.status_code == 422
    assert Supplier.objects.count() == 1
    assert IdempotencyKey.objects.get().status == 201


@pytest.mark.parametrize("key", ["", "x" * 256, "clé", "two words", "tab\tkey"])
def test_a_malformed_key_is_400_and_runs_nothing(admin_client_api, key):
    response = post(admin_client_api, SUPPLIERS, {"name": "Acme"}, key=key)
    assert response.status_code == 400
    assert response.json() == {"Idempotency-Key": [BAD_KEY]}
    assert not Supplier.objects.exists()
    assert not IdempotencyKey.objects.exists()


def test_the_longest_and_odd_visible_keys_are_fine(admin_client_api):
    assert post(admin_client_api, SUPPLIERS, {"name": "Acme"}, key="~" * 255).status_code == 201
    assert post(admin_client_api, SUPPLIERS, {"name": "Acme"}, key="!").status_code == 201
    # Case matters (the key is stored as its hash, whatever the database's collation).
    assert post(admin_client_api, SUPPLIERS, {"name": "Acme"}, key="ABC").status_code == 201
    assert "Idempotent-Replayed" not in post(admin_client_api, SUPPLIERS, {"name": "Acme"}, key="abc")
    assert Supplier.objects.count() == 4


def test_other_methods_ignore_the_key(admin_client_api):
    supplier = Supplier.objects.create(name="Acme")
    path = f"{SUPPLIERS}/{supplier.pk}"
    for name in ("One", "Two"):
        response = admin_client_api.patch(path, {"name": name}, format="json", HTTP_IDEMPOTENCY_KEY="same")
        assert response.status_code == 200
        assert "Idempotent-Replayed" not in response
    assert Supplier.objects.get().name == "Two"
    assert admin_client_api.get(SUPPLIERS, HTTP_IDEMPOTENCY_KEY=" ").status_code == 200
    assert not IdempotencyKey.objects.exists()


def test_keys_are_per_caller(admin_client_api, staff_client, customer, make_staff):
    other = staff_client("inventory.add_supplier")
    assert post(admin_client_api, SUPPLIERS, {"name": "Acme"}, key="k").status_code == 201
    response = post(other, SUPPLIERS, {"name": "Acme"}, key="k")
    assert response.status_code == 201
    assert "Idempotent-Replayed" not in response
    assert Supplier.objects.count() == 2
    callers = set(IdempotencyKey.objects.values_list("caller", flat=True))
    assert callers == {f"staff:{admin_client_api.user.pk}", f"staff:{other.user.pk}"}


def test_a_customer_and_a_staff_token_of_one_account_do_not_share_keys(rf):
    from rest_framework.request import Request

    from mechanic_shop.idempotency.keys import caller_of

    request = Request(rf.post("/x"))
    request.user = type("U", (), {"is_authenticated": True, "pk": 7})()
    request.auth = {"role": "customer"}
    assert caller_of(request) == "customer:7"
    request.auth = {"role": "staff"}
    assert caller_of(request) == "staff:7"
    request.auth = None
    assert caller_of(request) == "session:7"


def test_anonymous_callers_by_ip(anon_client):
    first = post(anon_client, "/customers", REGISTRATION, key="signup", REMOTE_ADDR="10.0.0.1")
    assert first.status_code == 201
    again = post(anon_client, "/customers", REGISTRATION, key="signup", REMOTE_ADDR="10.0.0.1")
    assert (again.status_code, again.content, again["Idempotent-Replayed"]) == (201, first.content, "true")
    assert Customer.objects.count() == 1
    # Another IP with the same key is another caller: it runs (and finds the email taken).
    elsewhere = post(anon_client, "/customers", REGISTRATION, key="signup", REMOTE_ADDR="10.0.0.2")
    assert elsewhere.status_code == 400
    assert "Idempotent-Replayed" not in elsewhere
    assert set(IdempotencyKey.objects.values_list("caller", "status")) == {("ip:10.0.0.1", 201), ("ip:10.0.0.2", 400)}


def test_a_location_header_is_replayed(admin_client_api, monkeypatch):
    create = SupplierViewSet.create

    def create_with_location(self, request, *args, **kwargs):
        response = create(self, request, *args, **kwargs)
        response["Location"] = f"/suppliers/{response.data['id']}"
        return response

    monkeypatch.setattr(SupplierViewSet, "create", create_with_location)
    first = post(admin_client_api, SUPPLIERS, {"name": "Acme"}, key="loc")
    again = post(admin_client_api, SUPPLIERS, {"name": "Acme"}, key="loc")
    assert again["Location"] == first["Location"] == f"/suppliers/{Supplier.objects.get().pk}"


def test_a_5xx_is_not_stored_and_the_key_may_be_sent_again(admin_client_api, monkeypatch):
    create = SupplierViewSet.create

    def broken(self, request, *args, **kwargs):
        create(self, request, *args, **kwargs)
        raise RuntimeError("boom")

    monkeypatch.setattr(SupplierViewSet, "create", broken)
    admin_client_api.raise_request_exception = False
    assert post(admin_client_api, SUPPLIERS, {"name": "Acme"}, key="k").status_code == 500
    assert not Supplier.objects.exists()  # the work rolled back with the failure
    assert not IdempotencyKey.objects.exists()
    monkeypatch.setattr(SupplierViewSet, "create", create)
    response = post(admin_client_api, SUPPLIERS, {"name": "Acme"}, key="k")
    assert response.status_code == 201
    assert "Idempotent-Replayed" not in response
    assert Supplier.objects.count() == 1


def test_a_returned_5xx_is_not_stored(admin_client_api, monkeypatch):
    from rest_framework.response import Response

    monkeypatch.setattr(SupplierViewSet, "create", lambda self, request, *a, **k: Response({"detail": "x"}, 503))
    assert post(admin_client_api, SUPPLIERS, {"name": "Acme"}, key="k").status_code == 503
    assert not IdempotencyKey.objects.exists()


def _age(key_rows, by: timedelta) -> None:
    for row in key_rows:
        IdempotencyKey.objects.filter(pk=row.pk).update(created_at=row.created_at - by)


def test_a_key_expires_after_24_hours(admin_client_api, settings):
    assert post(admin_client_api, SUPPLIERS, {"name": "Acme"}, key="k").status_code == 201
    _age(IdempotencyKey.objects.all(), timedelta(hours=23, minutes=59))
    assert post(admin_client_api, SUPPLIERS, {"name": "Acme"}, key="k")["Idempotent-Replayed"] == "true"
    _age(IdempotencyKey.objects.all(), timedelta(minutes=2))
    # Expired: runs again, even with another body, and the key's row is replaced.
    response = post(admin_client_api, SUPPLIERS, {"name": "Other"}, key="k")
    assert response.status_code == 201
    assert "Idempotent-Replayed" not in response
    assert Supplier.objects.count() == 2
    stored = IdempotencyKey.objects.get()
    assert stored.created_at > timezone.now() - timedelta(minutes=1)
    settings.IDEMPOTENCY_KEY_HOURS = 1
    _age(IdempotencyKey.objects.all(), timedelta(minutes=59))
    assert post(admin_client_api, SUPPLIERS, {"name": "Other"}, key="k")["Idempotent-Replayed"] == "true"
    with time_machine.travel(timezone.now() + timedelta(minutes=2)):
        assert "Idempotent-Replayed" not in post(admin_client_api, SUPPLIERS, {"name": "Other"}, key="k")
    assert Supplier.objects.count() == 3


def test_prune_deletes_only_expired_keys(admin_client_api):
    post(admin_client_api, SUPPLIERS, {"name": "Acme"}, key="old-1")
    post(admin_client_api, SUPPLIERS, {"name": "Acme"}, key="old-2")
    _age(IdempotencyKey.objects.all(), timedelta(hours=24, seconds=1))
    post(admin_client_api, SUPPLIERS, {"name": "Acme"}, key="new")
    out = io.StringIO()
    call_command("prune_idempotency_keys", stdout=out)
    assert "Deleted 2 " in out.getvalue()
    assert IdempotencyKey.objects.get().status == 201  # the new one, alone


def _running_row(client, key: str, body: bytes, age: timedelta = timedelta(0)) -> IdempotencyKey:
    """A row as a request still running holds it (or one whose worker died), found from a first real request."""
    post(client, SUPPLIERS, {"name": "Acme"}, key=key)
    row = IdempotencyKey.objects.get()
    IdempotencyKey.objects.filter(pk=row.pk).update(status=None, body=b"", created_at=timezone.now() - age)
    Supplier.objects.all().delete()
    return row


def test_a_repeat_while_the_first_runs_is_409(admin_client_api):
    _running_row(admin_client_api, "k", b"")
    response = post(admin_client_api, SUPPLIERS, {"name": "Acme"}, key="k")
    assert response.status_code == 409
    assert "still running" in response.json()["detail"]
    assert not Supplier.objects.exists()
    # Another body under that key is refused as such, running or not.
    assert post(admin_client_api, SUPPLIERS, {"name": "Else"}, key="k").status_code == 422


def test_a_key_abandoned_by_a_dead_worker_is_taken_over(admin_client_api, settings):
    _running_row(admin_client_api, "k", b"", age=timedelta(seconds=settings.IDEMPOTENCY_ABANDONED_SECONDS + 1))
    response = post(admin_client_api, SUPPLIERS, {"name": "Acme"}, key="k")
    assert response.status_code == 201
    assert Supplier.objects.count() == 1
    assert IdempotencyKey.objects.get().status == 201


def test_customer_login_ignores_the_key(anon_client, customer):
    from mechanic_shop.testing.factories import CUSTOMER_PASSWORD

    body = {"email": customer.email, "password": CUSTOMER_PASSWORD}
    first = post(anon_client, reverse("customer-login"), body, key="login")
    again = post(anon_client, reverse("customer-login"), body, key="login")
    assert first.status_code == again.status_code == 200
    assert "Idempotent-Replayed" not in again
    assert not IdempotencyKey.objects.exists()


def test_a_request_whose_key_was_taken_over_undoes_its_work(admin_client_api, monkeypatch):
    create = SupplierViewSet.create

    def slow_create(self, request, *args, **kwargs):
        response = create(self, request, *args, **kwargs)
        # As if this ran past IDEMPOTENCY_ABANDONED_SECONDS and another request took the key over.
        IdempotencyKey.objects.all().delete()
        IdempotencyKey.objects.create(caller="staff:0", key_hash="x" * 64, fingerprint="f", created_at=timezone.now())
        return response

    monkeypatch.setattr(SupplierViewSet, "create", slow_create)
    response = post(admin_client_api, SUPPLIERS, {"name": "Acme"}, key="k")
    assert response.status_code == 409
    assert "still running" in response.json()["detail"]
    assert not Supplier.objects.exists()
    # Nothing of this request's transaction is left (here that brings back the claim the "taker" deleted in it).
    assert IdempotencyKey.objects.get().status is None


@pytest.fixture
def order(admin_client_api):
    """A draft purchase order: `POST /purchase-orders/{id}/order` answers it with 200 (an action on one object)."""
    acme = Supplier.objects.create(name="Acme")
    part = Part.objects.create(name="Filter", price="4.00")
    body = {"supplier_id": acme.pk, "lines": [{"part_id": part.pk, "quantity": 2}]}
    return admin_client_api.post("/purchase-orders", body, format="json").json()


def test_a_replayed_answer_on_one_object_keeps_its_etag_and_wins_over_a_stale_if_match(admin_client_api, order):
    url = f"/purchase-orders/{order['id']}/order"
    read = admin_client_api.get(f"/purchase-orders/{order['id']}")
    first = post(admin_client_api, url, None, key="send-it", HTTP_IF_MATCH=read["ETag"])
    assert first.status_code == 200
    assert first.json()["status"] == "ordered"
    # The retry of a request whose answer was lost: its If-Match is stale now (the order changed), but the key
    # says it already ran, so it gets that answer, with the ETag that answer had.
    again = post(admin_client_api, url, None, key="send-it", HTTP_IF_MATCH=read["ETag"])
    assert again.status_code == 200
    assert again["Idempotent-Replayed"] == "true"
    assert again.content == first.content
    assert again["ETag"] == first["ETag"]
    # Without the key the same stale If-Match is refused.
    assert admin_client_api.post(url, HTTP_IF_MATCH=read["ETag"]).status_code == 412


def test_a_key_and_a_stale_if_match_store_the_412(admin_client_api, order):
    url = f"/purchase-orders/{order['id']}/order"
    refused = post(admin_client_api, url, None, key="stale", HTTP_IF_MATCH='"not-the-current-one"')
    assert refused.status_code == 412
    assert PurchaseOrder.objects.get().status == "draft"
    again = post(admin_client_api, url, None, key="stale", HTTP_IF_MATCH='"not-the-current-one"')
    assert (again.status_code, again["Idempotent-Replayed"]) == (412, "true")
