"""ETag, If-None-Match and If-Match on every resource (docs/decisions/0026)."""

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from customers.models import Customer, Vehicle
from inventory.models import Part, PurchaseOrder, Supplier
from inventory.purchasing import purchase_order_create
from mechanic_shop.api.conditional import etag_for, parse_if_match
from mechanic_shop.events.models import Webhook
from mechanics.models import Mechanic
from tickets.models import Estimate, ServiceTicket

pytestmark = pytest.mark.django_db

STRONG_TAG = re.compile(r'^"[0-9a-f]{32}"$')


@dataclass
class Resource:
    """A detail URL, a PATCH that changes it, and how to read from the database what the PATCH changes."""

    url: str
    change: dict[str, Any]
    stored: Callable[[], Any]
    put: dict[str, Any] | None = None


@pytest.fixture
def resources(admin_client_api, make_customer, make_vehicle, make_mechanic, make_ticket, settings):
    settings.WEBHOOK_ALLOW_PRIVATE_URLS = True
    customer = make_customer(with_login=False)
    vehicle = make_vehicle(customer)
    mechanic = make_mechanic(phone_number="555-0100")
    supplier = Supplier.objects.create(name="Acme Parts")
    part = Part.objects.create(name="Brake pads", price="40.00", quantity_in_stock=5)
    order = purchase_order_create(supplier=supplier)
    hook = admin_client_api.post(
        reverse("webhook-list"), {"url": "http://127.0.0.1:9/hook", "events": ["*"]}, format="json"
    ).json()
    ticket = make_ticket(customer)
    other_supplier = Supplier.objects.create(name="Bolt & Co")
    return {
        "customer": Resource(
            reverse("customer-detail", args=[customer.pk]),
            {"name": "Renamed"},
            lambda: Customer.objects.get(pk=customer.pk).name,
            put={"name": "Put Name", "email": customer.email, "phone_number": "555-0101"},
        ),
        "vehicle": Resource(
            reverse("vehicle-detail", args=[vehicle.pk]),
            {"license_plate": "NEW-1"},
            lambda: Vehicle.objects.get(pk=vehicle.pk).license_plate,
        ),
        "mechanic": Resource(
            reverse("mechanic-detail", args=[mechanic.pk]),
            {"name": "Mo Renamed"},
            lambda: Mechanic.objects.get(pk=mechanic.pk).name,
        ),
        "part": Resource(
            reverse("part-detail", args=[part.pk]),
            {"name": "Brake pads, front"},
            lambda: Part.objects.get(pk=part.pk).name,
        ),
        "supplier": Resource(
            reverse("supplier-detail", args=[supplier.pk]),
            {"name": "Acme Parts Ltd"},
            lambda: Supplier.objects.get(pk=supplier.pk).name,
        ),
        "purchase order": Resource(
            reverse("purchaseorder-detail", args=[order.pk]),
            {"supplier_id": other_supplier.pk},
            lambda: PurchaseOrder.objects.get(pk=order.pk).supplier_id,
        ),
        "webhook": Resource(
            reverse("webhook-detail", args=[hook["id"]]),
            {"description": "Accounting"},
            lambda: Webhook.objects.get(pk=hook["id"]).description,
        ),
        "service ticket": Resource(
            reverse("serviceticket-detail", args=[ticket.pk]),
            {"description": "Brakes and rotors"},
            lambda: ServiceTicket.objects.get(pk=ticket.pk).description,
        ),
    }


RESOURCES = ["customer", "vehicle", "mechanic", "part", "supplier", "purchase order", "webhook", "service ticket"]


def etag_of(response) -> str:
    etag = response.headers["ETag"]
    assert STRONG_TAG.match(etag), etag
    return etag


@pytest.mark.parametrize("name", RESOURCES)
def test_get_answers_a_stable_strong_etag_of_its_body(admin_client_api, resources, name):
    first = admin_client_api.get(resources[name].url)
    second = admin_client_api.get(resources[name].url)
    assert first.status_code == second.status_code == 200
    assert etag_of(first) == etag_of(second) == etag_for(first.content)


@pytest.mark.parametrize("name", RESOURCES)
def test_if_none_match_is_304_without_body_and_200_when_it_does_not_match(admin_client_api, resources, name):
    url = resources[name].url
    etag = etag_of(admin_client_api.get(url))
    not_modified = admin_client_api.get(url, HTTP_IF_NONE_MATCH=etag)
    assert not_modified.status_code == 304
    assert not_modified.content == b""
    assert not_modified.headers["ETag"] == etag
    # Weak comparison, lists and "*" (RFC 9110 §13.1.2).
    assert admin_client_api.get(url, HTTP_IF_NONE_MATCH=f'"x", W/{etag}').status_code == 304
    assert admin_client_api.get(url, HTTP_IF_NONE_MATCH="*").status_code == 304
    other = admin_client_api.get(url, HTTP_IF_NONE_MATCH='"0123"')
    assert other.status_code == 200
    assert etag_of(other) == etag


@pytest.mark.parametrize("name", RESOURCES)
def test_patch_with_a_stale_if_match_is_412_and_changes_nothing(admin_client_api, resources, name):
    resource = resources[name]
    stale = etag_of(admin_client_api.get(resource.url))
    assert admin_client_api.patch(resource.url, resource.change, format="json", HTTP_IF_MATCH=stale).status_code == 200
    before = resource.stored()
    response = admin_client_api.patch(resource.url, resource.change, format="json", HTTP_IF_MATCH=stale)
    assert response.status_code == 412
    assert set(response.json()) == {"detail"}
    assert resource.stored() == before
    # A weak tag never matches for a write, even the current one.
    current = etag_of(admin_client_api.get(resource.url))
    weak = admin_client_api.patch(resource.url, resource.change, format="json", HTTP_IF_MATCH=f"W/{current}")
    assert weak.status_code == 412


@pytest.mark.parametrize("name", RESOURCES)
def test_the_etag_of_a_patch_answer_is_the_one_a_following_get_answers(admin_client_api, resources, name):
    resource = resources[name]
    etag = etag_of(admin_client_api.get(resource.url))
    changed = admin_client_api.patch(resource.url, resource.change, format="json", HTTP_IF_MATCH=f'"zz", {etag}')
    assert changed.status_code == 200
    assert resource.stored() == next(iter(resource.change.values()))
    assert etag_of(changed) != etag
    following = admin_client_api.get(resource.url)
    assert etag_of(following) == etag_of(changed)
    assert following.content == changed.content
    # Without If-Match a write goes through as before, and still answers its ETag.
    again = admin_client_api.patch(resource.url, resource.change, format="json")
    assert again.status_code == 200
    assert etag_of(again) == etag_of(admin_client_api.get(resource.url))


@pytest.mark.parametrize("name", RESOURCES)
def test_delete_with_a_stale_if_match_is_412_and_with_the_current_one_deletes(admin_client_api, resources, name):
    resource = resources[name]
    stale = etag_of(admin_client_api.get(resource.url))
    assert admin_client_api.patch(resource.url, resource.change, format="json").status_code == 200
    refused = admin_client_api.delete(resource.url, HTTP_IF_MATCH=stale)
    assert refused.status_code == 412
    assert admin_client_api.get(resource.url).status_code == 200
    current = etag_of(admin_client_api.get(resource.url))
    deleted = admin_client_api.delete(resource.url, HTTP_IF_MATCH=current)
    if name in ("supplier", "customer"):
        # Still named by an order or a ticket (PROTECT): the precondition held, the delete itself is refused.
        assert deleted.status_code == 409
    else:
        assert deleted.status_code == 204
        assert admin_client_api.get(resource.url).status_code == 404


@pytest.mark.parametrize("name", [name for name in RESOURCES if name != "purchase order"])  # orders take no PUT
def test_put_of_what_get_answered_checks_if_match_and_answers_the_next_etag(admin_client_api, resources, name):
    resource = resources[name]
    read = admin_client_api.get(resource.url)
    body = {**read.json(), **resource.change}
    put = admin_client_api.put(resource.url, body, format="json", HTTP_IF_MATCH=etag_of(read))
    assert put.status_code == 200, put.json()
    assert resource.stored() == next(iter(resource.change.values()))
    assert etag_of(put) == etag_of(admin_client_api.get(resource.url)) != etag_of(read)
    stale = admin_client_api.put(resource.url, read.json(), format="json", HTTP_IF_MATCH=etag_of(read))
    assert stale.status_code == 412
    assert resource.stored() == next(iter(resource.change.values()))


def test_put_answers_the_etag_a_get_answers_and_refuses_a_stale_one(admin_client_api, resources):
    resource = resources["customer"]
    etag = etag_of(admin_client_api.get(resource.url))
    assert resource.put is not None
    put = admin_client_api.put(resource.url, resource.put, format="json", HTTP_IF_MATCH=etag)
    assert put.status_code == 200
    assert etag_of(put) == etag_of(admin_client_api.get(resource.url))
    stale = admin_client_api.put(resource.url, {**resource.put, "name": "Lost"}, format="json", HTTP_IF_MATCH=etag)
    assert stale.status_code == 412
    assert resource.stored() == "Put Name"


def test_two_writers_with_the_same_etag_one_wins_the_other_is_412(admin_client_api, staff_client, resources):
    resource = resources["service ticket"]
    other = staff_client("tickets.view_serviceticket", "tickets.change_serviceticket")
    etag = etag_of(admin_client_api.get(resource.url))
    assert etag_of(other.get(resource.url)) == etag
    first = admin_client_api.patch(resource.url, {"description": "First"}, format="json", HTTP_IF_MATCH=etag)
    second = other.patch(resource.url, {"description": "Second"}, format="json", HTTP_IF_MATCH=etag)
    assert (first.status_code, second.status_code) == (200, 412)
    assert resource.stored() == "First"


def test_if_match_star_matches_an_existing_object_and_404_stays_404(admin_client_api, resources):
    resource = resources["mechanic"]
    assert admin_client_api.patch(resource.url, resource.change, format="json", HTTP_IF_MATCH="*").status_code == 200
    missing = reverse("mechanic-detail", args=[987654])
    assert admin_client_api.patch(missing, resource.change, format="json", HTTP_IF_MATCH="*").status_code == 404


@pytest.mark.parametrize("header", ["abc", '"unterminated', '"a", b', 'W/"a" "b"', ""])
def test_a_malformed_if_match_is_400_and_changes_nothing(admin_client_api, resources, header):
    resource = resources["mechanic"]
    before = resource.stored()
    response = admin_client_api.patch(resource.url, resource.change, format="json", HTTP_IF_MATCH=header)
    assert response.status_code == 400
    assert set(response.json()) == {"detail"}
    assert resource.stored() == before


def test_parse_if_match():
    assert parse_if_match(" * ") == ["*"]
    assert parse_if_match('"a", W/"b" ,"c"') == ['"a"', 'W/"b"', '"c"']
    assert parse_if_match('"a",') is None


def test_ticket_actions_compare_with_the_ticket_and_answer_its_etag(admin_client_api, make_ticket, make_mechanic):
    ticket = make_ticket()
    mechanic = make_mechanic()
    url = reverse("serviceticket-detail", args=[ticket.pk])
    assign = reverse("serviceticket-assign-mechanic", args=[ticket.pk, mechanic.pk])
    etag = etag_of(admin_client_api.get(url))
    assigned = admin_client_api.put(assign, HTTP_IF_MATCH=etag)
    assert assigned.status_code == 200
    assert etag_of(assigned) == etag_of(admin_client_api.get(url))
    remove = reverse("serviceticket-remove-mechanic", args=[ticket.pk, mechanic.pk])
    stale = admin_client_api.put(remove, HTTP_IF_MATCH=etag)
    assert stale.status_code == 412
    assert list(ServiceTicket.objects.get(pk=ticket.pk).mechanics.values_list("pk", flat=True)) == [mechanic.pk]


def test_an_action_on_an_object_compares_with_the_object_it_names(admin_client_api):
    part = Part.objects.create(name="Brake pads", price="40.00", quantity_in_stock=5)
    url = reverse("part-detail", args=[part.pk])
    adjust = reverse("part-adjust", args=[part.pk])
    etag = etag_of(admin_client_api.get(url))
    assert admin_client_api.post(adjust, {"delta": 2}, format="json", HTTP_IF_MATCH=etag).status_code == 201
    stale = admin_client_api.post(adjust, {"delta": 2}, format="json", HTTP_IF_MATCH=etag)
    assert stale.status_code == 412
    assert Part.objects.get(pk=part.pk).quantity_in_stock == 7


def test_an_estimate_decision_with_a_stale_if_match_is_412_and_stays_pending(
    admin_client_api, anon_client, make_ticket
):
    ticket = make_ticket(labor_cost="100.00")
    created = admin_client_api.post(reverse("serviceticket-estimates", args=[ticket.pk])).json()
    url = "/estimates/" + created["approval_url"].rsplit("/", 1)[1]
    refused = anon_client.post(url + "/approve", {"signed_by": "Dana"}, format="json", HTTP_IF_MATCH='"0000"')
    assert refused.status_code == 412
    assert Estimate.objects.get(pk=created["id"]).status == "pending"
    etag = etag_of(anon_client.get(url))
    approved = anon_client.post(url + "/approve", {"signed_by": "Dana"}, format="json", HTTP_IF_MATCH=etag)
    assert approved.status_code == 200
    assert Estimate.objects.get(pk=created["id"]).status == "approved"


def test_add_part_with_if_match_compares_with_the_ticket(admin_client_api, make_ticket):
    ticket = make_ticket()
    part = Part.objects.create(name="Oil filter", price="12.99", quantity_in_stock=5)
    url = reverse("serviceticket-detail", args=[ticket.pk])
    add = reverse("serviceticket-add-part", args=[ticket.pk, part.pk])
    etag = etag_of(admin_client_api.get(url))
    added = admin_client_api.put(add, {"quantity": 2}, format="json", HTTP_IF_MATCH=etag)
    assert added.status_code == 200
    assert etag_of(added) == etag_of(admin_client_api.get(url))
    stale = admin_client_api.put(add, {"quantity": 2}, format="json", HTTP_IF_MATCH=etag)
    assert stale.status_code == 412
    assert Part.objects.get(pk=part.pk).quantity_in_stock == 3
    line = admin_client_api.post(
        reverse("serviceticket-labor-lines", args=[ticket.pk]),
        {"description": "Oil change", "hours": "1.00"},
        format="json",
    ).json()["labor_lines"][0]
    change = reverse("serviceticket-labor-line", args=[ticket.pk, line["id"]])
    current = etag_of(admin_client_api.get(url))
    changed = admin_client_api.patch(change, {"hours": "2.00"}, format="json", HTTP_IF_MATCH=current)
    assert changed.status_code == 200
    assert etag_of(changed) == etag_of(admin_client_api.get(url))
    assert admin_client_api.delete(change, HTTP_IF_MATCH=current).status_code == 412
    assert admin_client_api.get(url).json()["labor_lines"][0]["hours"] == "2.00"
    # Removing the line answers the ticket with 200: that answer carries the ETag the next GET gives.
    removed = admin_client_api.delete(change, HTTP_IF_MATCH=etag_of(changed))
    assert removed.status_code == 200
    assert removed.json()["labor_lines"] == []
    assert etag_of(removed) == etag_of(admin_client_api.get(url))


def test_head_answers_the_etag_and_304(admin_client_api, make_mechanic):
    url = reverse("mechanic-detail", args=[make_mechanic().pk])
    etag = etag_of(admin_client_api.get(url))
    assert etag_of(admin_client_api.head(url)) == etag
    assert admin_client_api.head(url, HTTP_IF_NONE_MATCH=etag).status_code == 304


def test_customer_me_has_etags_and_refuses_a_stale_if_match(customer_client, customer):
    url = reverse("customer-me")
    got = customer_client.get(url)
    etag = etag_of(got)
    assert etag_of(customer_client.get(reverse("customer-detail", args=[customer.pk]))) == etag
    assert customer_client.get(url, HTTP_IF_NONE_MATCH=etag).status_code == 304
    changed = customer_client.patch(url, {"name": "Dana D."}, format="json", HTTP_IF_MATCH=etag)
    assert changed.status_code == 200
    assert etag_of(changed) == etag_of(customer_client.get(url))
    stale = customer_client.patch(url, {"name": "Lost"}, format="json", HTTP_IF_MATCH=etag)
    assert stale.status_code == 412
    assert Customer.objects.get(pk=customer.pk).name == "Dana D."


def test_public_estimate_and_tracking_pages_answer_etags(admin_client_api, anon_client, make_ticket):
    ticket = make_ticket(labor_cost="100.00")
    estimate = admin_client_api.post(reverse("serviceticket-estimates", args=[ticket.pk])).json()
    url = "/estimates/" + estimate["approval_url"].rsplit("/", 1)[1]
    etag = etag_of(anon_client.get(url))
    assert anon_client.get(url, HTTP_IF_NONE_MATCH=etag).status_code == 304
    tracking = admin_client_api.get(reverse("serviceticket-detail", args=[ticket.pk])).json()["tracking_url"]
    track = "/track/" + tracking.rsplit("/", 1)[1]
    etag = etag_of(anon_client.get(track))
    assert anon_client.get(track, HTTP_IF_NONE_MATCH=etag).status_code == 304


def test_lists_answer_etags_and_304(admin_client_api, make_ticket):
    make_ticket()
    for url in (reverse("serviceticket-list"), reverse("mechanic-list"), reverse("part-list")):
        etag = etag_of(admin_client_api.get(url))
        assert admin_client_api.get(url, HTTP_IF_NONE_MATCH=etag).status_code == 304


def test_cached_customer_list_keeps_its_etag_and_a_304_is_never_cached(staff_client, customer):
    cache.clear()
    viewer = staff_client("customers.view_customer")
    url = reverse("customer-list")
    first = viewer.get(url)
    etag = etag_of(first)
    # The first conditional read is served from the cache: no customer query, and a 304.
    with CaptureQueriesContext(connection) as queries:
        not_modified = viewer.get(url, HTTP_IF_NONE_MATCH=etag)
    assert not_modified.status_code == 304
    assert not_modified.content == b""
    assert "no-store" in not_modified.headers["Cache-Control"]
    assert not [q for q in queries if "customers_customer" in q["sql"]]
    # What is cached is still the 200 with its ETag.
    with CaptureQueriesContext(connection) as queries:
        again = viewer.get(url)
    assert again.status_code == 200
    assert again.content == first.content
    assert etag_of(again) == etag
    assert not [q for q in queries if "customers_customer" in q["sql"]]


def test_a_conditional_first_read_of_the_list_caches_the_200_not_the_304(staff_client, customer):
    cache.clear()
    viewer = staff_client("customers.view_customer")
    url = reverse("customer-list")
    etag = etag_of(viewer.get(url))
    cache.clear()
    assert viewer.get(url, HTTP_IF_NONE_MATCH=etag).status_code == 304
    with CaptureQueriesContext(connection) as queries:
        cached = viewer.get(url)
    assert cached.status_code == 200
    assert cached.json()["results"][0]["id"] == customer.pk
    assert etag_of(cached) == etag
    assert not [q for q in queries if "customers_customer" in q["sql"]]


def test_a_method_the_route_does_not_take_stays_405_with_if_match(admin_client_api):
    order = purchase_order_create(supplier=Supplier.objects.create(name="Acme"))
    url = reverse("purchaseorder-detail", args=[order.pk])
    assert admin_client_api.put(url, {}, format="json", HTTP_IF_MATCH='"stale"').status_code == 405


def test_the_cached_list_etag_changes_when_a_customer_does(staff_client, admin_client_api, customer):
    viewer = staff_client("customers.view_customer")
    url = reverse("customer-list")
    etag = etag_of(viewer.get(url))
    admin_client_api.patch(reverse("customer-detail", args=[customer.pk]), {"name": "New"}, format="json")
    fresh = viewer.get(url, HTTP_IF_NONE_MATCH=etag)
    assert fresh.status_code == 200
    assert etag_of(fresh) != etag


def test_errors_and_creations_carry_no_etag(admin_client_api, anon_client):
    assert "ETag" not in anon_client.get(reverse("mechanic-list")).headers
    assert "ETag" not in admin_client_api.get(reverse("mechanic-detail", args=[987654])).headers
    created = admin_client_api.post(reverse("supplier-list"), {"name": "New supplier"}, format="json")
    assert created.status_code == 201
    assert "ETag" not in created.headers


# Probes for load balancers, not resources: no ETag (docs/decisions/0026).
NOT_RESOURCES = {"/", "/health"}


def test_every_get_operation_of_the_schema_answers_an_etag_and_304(
    admin_client_api, customer_client, customer, staff_client, make_mechanic, make_ticket, make_vehicle
):
    """Every GET path of the OpenAPI schema, filled with ids of objects that exist, answers 200 with a strong
    ETag to some caller, and 304 to the same caller's If-None-Match."""
    schema = admin_client_api.get(reverse("schema"), {"format": "json"}).json()
    mechanic_client = staff_client()
    mechanic = make_mechanic(user=mechanic_client.user)
    vehicle = make_vehicle(customer)
    ticket = make_ticket(customer, vehicle=vehicle, mechanics=[mechanic], labor_cost="100.00")
    estimate = admin_client_api.post(reverse("serviceticket-estimates", args=[ticket.pk])).json()
    tracking = admin_client_api.get(reverse("serviceticket-detail", args=[ticket.pk])).json()["tracking_url"]
    ids = {
        "/customers/": customer.pk,
        "/inventory/": Part.objects.create(name="Filter", price="9.00").pk,
        "/suppliers/": Supplier.objects.create(name="Acme").pk,
        "/purchase-orders/": purchase_order_create(supplier=Supplier.objects.create(name="Bolt")).pk,
        "/mechanics/": mechanic.pk,
        "/webhooks/": Webhook.objects.create(url="http://127.0.0.1:9/hook", events=["*"], secret="whsec_x").pk,
        "/vehicles/": vehicle.pk,
        "/service-tickets/": ticket.pk,
        "/estimates/": estimate["approval_url"].rsplit("/", 1)[1],
        "/track/": tracking.rsplit("/", 1)[1],
    }

    def filled(path: str) -> str:
        if "{" not in path:
            return path
        if "my-tickets" in path:
            value = ticket.pk
        elif "my-vehicles" in path:
            value = vehicle.pk
        else:
            value = next(value for prefix, value in ids.items() if path.startswith(prefix))
        return re.sub(r"\{\w+\}", str(value), path)

    checked = []
    for path, operations in schema["paths"].items():
        if "get" not in operations or path in NOT_RESOURCES:
            continue
        url = filled(path)
        for client in (admin_client_api, customer_client, mechanic_client):
            response = client.get(url)
            if response.status_code == 200:
                break
        assert response.status_code == 200, (path, response.status_code)
        etag = etag_of(response)
        assert etag == etag_for(response.content), path
        assert client.get(url, HTTP_IF_NONE_MATCH=etag).status_code == 304, path
        checked.append(path)
    assert {"/customers/me", "/track/{token}", "/estimates/{token}", "/service-tickets/{id}"} <= set(checked)
    assert len(checked) >= 30
