"""Incremental sync: `?updated_after=` and `?ordering=updated_at` on every list of objects.

One shop is built step by step, each step at its own moment (time-machine), so every list holds rows with different
`updated_at`; every list of the schema is then checked the same way. Decision: docs/decisions/0024-incremental-sync.md.
"""

import functools
import itertools
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
import time_machine
from django.urls import reverse
from rest_framework.test import APIClient

from inventory.purchasing import LineIn, purchase_order_create, supplier_create
from inventory.services import part_adjust_stock, part_create
from mechanic_shop.events.services import webhook_create, webhook_ping
from mechanic_shop.testing.clients import ROLE_STAFF, client_with_token
from mechanic_shop.testing.factories import valid_vin
from tickets.estimates import estimate_create, estimate_decline
from tickets.services import clock_in, clock_out, ticket_add_part

pytestmark = pytest.mark.django_db

LEADERBOARDS = {"/mechanics/leaderboard/efficiency", "/mechanics/leaderboard/most-tickets"}


@functools.cache
def _openapi() -> dict:
    response = APIClient().get(reverse("schema"), {"format": "json"})
    assert response.status_code == 200
    return response.json()


def list_paths() -> set[str]:
    """Every GET of the schema answering a page of objects, but the leaderboards."""
    paths = set()
    for path, operations in _openapi()["paths"].items():
        answer = operations.get("get", {}).get("responses", {}).get("200", {})
        ref = answer.get("content", {}).get("application/json", {}).get("schema", {}).get("$ref", "")
        if ref.rsplit("/", 1)[-1].startswith("Paginated") and path not in LEADERBOARDS:
            paths.add(path)
    return paths


LIST_PATHS = [
    "/customers",
    "/customers/my-tickets",
    "/customers/my-vehicles",
    "/estimates",
    "/inventory",
    "/inventory/{id}/movements",
    "/mechanics",
    "/mechanics/my-tickets",
    "/purchase-orders",
    "/service-tickets",
    "/service-tickets/{id}/estimates",
    "/service-tickets/{id}/events",
    "/service-tickets/{ticket_id}/time-entries",
    "/suppliers",
    "/vehicles",
    "/vehicles/{vehicle_id}/service-history",
    "/webhooks",
    "/webhooks/{id}/deliveries",
]


@pytest.fixture
def shop(  # noqa: PLR0913  (the fixtures it builds on)
    customer,
    make_customer,
    make_vehicle,
    make_mechanic,
    make_staff,
    make_ticket,
    admin_client_api,
    customer_client,
    settings,
):
    """Two of everything each list shows, made one second apart in the last hour: {path: (client, url)}."""
    settings.WEBHOOK_ALLOW_PRIVATE_URLS = True  # no name lookup for the test's URLs
    start = datetime.now(UTC).replace(microsecond=0) - timedelta(hours=1)
    clock = (start + timedelta(seconds=n) for n in itertools.count())

    def at(change, *args, **kwargs):
        with time_machine.travel(next(clock), tick=False):
            return change(*args, **kwargs)

    at(make_customer, with_login=False)
    mechanic_user = make_staff()
    mo = at(make_mechanic, user=mechanic_user)
    at(make_mechanic)
    first = at(make_vehicle, customer, vin=valid_vin(1))
    second = at(make_vehicle, customer, vin=valid_vin(2))
    pads = at(part_create, name="Pads", price=Decimal("10.00"), quantity_in_stock=50)
    at(part_adjust_stock, part=pads, delta=-3)
    at(part_create, name="Bolt", price=Decimal("1.00"), quantity_in_stock=5)
    tickets = [at(make_ticket, customer, vehicle=vehicle, mechanics=[mo]) for vehicle in (first, first, second)]
    ticket = tickets[0]
    at(clock_in, ticket=ticket, mechanic=mo)
    at(clock_out, ticket=ticket, mechanic=mo)
    at(clock_in, ticket=ticket, mechanic=mo)
    at(clock_out, ticket=ticket, mechanic=mo)
    for each in tickets:
        at(ticket_add_part, ticket=each, part=pads, quantity=1)  # lines to estimate
    at(estimate_create, ticket=ticket)
    latest = at(estimate_create, ticket=ticket)  # supersedes the first: both move
    at(estimate_decline, estimate_id=latest.pk, signed_by="Ann")  # the latest moves again
    at(estimate_create, ticket=tickets[1])
    supplier = at(supplier_create, name="Acme")
    at(supplier_create, name="Bolts Ltd")
    at(purchase_order_create, supplier=supplier, lines=[LineIn(part_id=pads.pk, quantity=5)])
    at(purchase_order_create, supplier=supplier)
    hook = at(webhook_create, url="http://127.0.0.1:9/hook", events=["*"])
    at(webhook_create, url="http://127.0.0.1:9/other", events=["*"])
    at(webhook_ping, webhook=hook)
    at(webhook_ping, webhook=hook)

    staff, owner, mechanic = admin_client_api, customer_client, client_with_token(mechanic_user, ROLE_STAFF)
    return {
        "/customers": (staff, "/customers"),
        "/customers/my-tickets": (owner, "/customers/my-tickets"),
        "/customers/my-vehicles": (owner, "/customers/my-vehicles"),
        "/estimates": (staff, "/estimates"),
        "/inventory": (staff, "/inventory"),
        "/inventory/{id}/movements": (staff, f"/inventory/{pads.pk}/movements"),
        "/mechanics": (staff, "/mechanics"),
        "/mechanics/my-tickets": (mechanic, "/mechanics/my-tickets"),
        "/purchase-orders": (staff, "/purchase-orders"),
        "/service-tickets": (staff, "/service-tickets"),
        "/service-tickets/{id}/estimates": (staff, f"/service-tickets/{ticket.pk}/estimates"),
        "/service-tickets/{id}/events": (staff, f"/service-tickets/{ticket.pk}/events"),
        "/service-tickets/{ticket_id}/time-entries": (staff, f"/service-tickets/{ticket.pk}/time-entries"),
        "/suppliers": (staff, "/suppliers"),
        "/vehicles": (staff, "/vehicles"),
        "/vehicles/{vehicle_id}/service-history": (staff, f"/vehicles/{first.pk}/service-history"),
        "/webhooks": (staff, "/webhooks"),
        "/webhooks/{id}/deliveries": (staff, f"/webhooks/{hook.pk}/deliveries"),
    }


def when(item: dict) -> datetime:
    return datetime.fromisoformat(item["updated_at"])


def read(client, url, **params) -> list[dict]:
    response = client.get(url, {"page_size": 100, **params})
    assert response.status_code == 200, (url, response.content)
    body = response.json()
    assert body["count"] == len(body["results"])
    return body["results"]


def test_every_list_of_the_schema_is_covered(db):
    # A list added later without a case here fails this test.
    assert list_paths() == set(LIST_PATHS)


def test_every_list_documents_the_parameters(db):
    for path in LIST_PATHS:
        parameters = {p["name"]: p for p in _openapi()["paths"][path]["get"]["parameters"]}
        assert parameters["updated_after"]["schema"] == {"type": "string", "format": "date-time"}, path
        assert "updated_at" in parameters["ordering"]["description"] + str(parameters["ordering"]["schema"]), path


@pytest.mark.parametrize("path", LIST_PATHS)
def test_updated_after_and_ordering_on_every_list(shop, path):
    client, url = shop[path]
    oldest_first = read(client, url, ordering="updated_at")
    assert len(oldest_first) >= 2, path
    assert [(when(i), i["id"]) for i in oldest_first] == sorted((when(i), i["id"]) for i in oldest_first)
    assert len({when(i) for i in oldest_first}) >= 2, f"{path}: the shop should give it different timestamps"

    newest_first = read(client, url, ordering="-updated_at")
    assert [i["id"] for i in newest_first] == [i["id"] for i in reversed(oldest_first)]

    # Strictly after: the rows at the boundary itself are left out.
    boundary = when(oldest_first[0])
    after = read(client, url, updated_after=boundary.isoformat(), ordering="updated_at")
    assert [i["id"] for i in after] == [i["id"] for i in oldest_first if when(i) > boundary]
    assert 0 < len(after) < len(oldest_first)

    # A naive timestamp is UTC; a "Z" the same.
    naive = boundary.astimezone(UTC).replace(tzinfo=None).isoformat()
    assert read(client, url, updated_after=naive, ordering="updated_at") == after
    zulu = boundary.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    assert read(client, url, updated_after=zulu, ordering="updated_at") == after
    # After the newest: nothing.
    assert read(client, url, updated_after=when(oldest_first[-1]).isoformat()) == []

    bad_values = ("yesterday", "2026-13-01T00:00:00Z", "2026-03-02T25:00:00", "1", "2026-03-02T10:00:00+25:00")
    for bad in (*bad_values, "9999-12-31T23:59:59-05:00", "0001-01-01T00:00:00+05:00", "2026-03-02\x00"):
        response = client.get(url, {"updated_after": bad})
        assert response.status_code == 400, (path, bad)
        assert list(response.json()) == ["updated_after"]
    twice = client.get(url, {"updated_after": ["2026-01-01T00:00:00Z", "2026-01-02T00:00:00Z"]})
    assert twice.status_code == 400
    assert list(twice.json()) == ["updated_after"]


def test_rows_sharing_a_timestamp_are_paged_by_id_without_gaps_or_repeats(admin_client_api, make_customer):
    with time_machine.travel(datetime.now(UTC) - timedelta(minutes=5), tick=False):
        same = sorted(make_customer(with_login=False).pk for _ in range(5))
    seen = []
    for direction, expected in (("updated_at", same), ("-updated_at", same[::-1])):
        seen = []
        for page in (1, 2, 3):
            response = admin_client_api.get("/customers", {"ordering": direction, "page_size": 2, "page": page})
            assert response.status_code == 200
            seen += [item["id"] for item in response.json()["results"]]
        assert seen == expected


def test_the_documented_sync_loop_sees_every_change_once(admin_client_api, make_customer):
    """docs/api.md: remember the largest updated_at seen, ask for what changed strictly after it, oldest first."""
    base = datetime.now(UTC).replace(microsecond=0) - timedelta(minutes=10)
    with time_machine.travel(base, tick=False):
        first = [make_customer(with_login=False).pk for _ in range(3)]

    def sync(since):
        params = {"ordering": "updated_at", "page_size": 2}
        if since is not None:
            params["updated_after"] = since
        items, page = [], 1
        while True:
            body = admin_client_api.get("/customers", {**params, "page": page}).json()
            items += body["results"]
            if not body["next"]:
                return items
            page += 1

    got = sync(None)
    assert [i["id"] for i in got][: len(first)] == first
    since = max(i["updated_at"] for i in got)
    assert sync(since) == []
    with time_machine.travel(base + timedelta(minutes=1), tick=False):
        later = make_customer(with_login=False).pk
        admin_client_api.patch(f"/customers/{first[1]}", {"name": "Renamed"}, format="json")
    # Both changed at the same moment: by id.
    assert [i["id"] for i in sync(since)] == sorted([first[1], later])
