"""Estimates: made by staff, decided by the customer from a signed link without logging in; declined lines leave the
ticket (parts back to stock through the ledger); approval-required tickets; the tracking link."""

from datetime import UTC, timedelta
from decimal import Decimal

import pytest
from django.core import signing
from django.urls import reverse
from django.utils import timezone
from model_bakery import baker

from inventory.models import Part, StockMovement
from tickets.estimates import estimate_create
from tickets.links import TRACKING_SALT, estimate_token
from tickets.models import Estimate, LaborLine, ServiceTicket
from tickets.services import ticket_add_labor_line

pytestmark = pytest.mark.django_db


@pytest.fixture
def pads():
    return baker.make(Part, name="Brake pad set", price=Decimal("54.00"), quantity_in_stock=10)


@pytest.fixture
def ticket(make_ticket, customer, pads):
    ticket = make_ticket(customer, parts=[(pads, 2)], labor_cost=Decimal("30.00"))
    ticket_add_labor_line(ticket=ticket, description="Replace pads", hours=Decimal("1.50"), rate=Decimal("100.00"))
    return ticket


def create(client, ticket):
    return client.post(reverse("serviceticket-estimates", args=[ticket.pk]))


def token_of(body) -> str:
    return body["approval_url"].rsplit("/", 1)[1]


def test_staff_creates_an_estimate_snapshot(admin_client_api, ticket, settings):
    settings.PUBLIC_BASE_URL = ""
    response = create(admin_client_api, ticket)
    assert response.status_code == 201
    body = response.json()
    assert set(body) == {
        "id", "ticket_id", "lines", "total", "status", "expires_at", "approval_url", "approved_total",
        "approved_at", "signed_by", "decline_reason", "created_at", "updated_at",
    }  # fmt: skip
    assert body["status"] == "pending"
    assert body["total"] == "288.00"  # 2 × 54 + 1.5 × 100 + 30
    assert [(line["kind"], line["description"], line["quantity"], line["line_total"]) for line in body["lines"]] == [
        ("part", "Brake pad set", "2.00", "108.00"),
        ("labor", "Replace pads", "1.50", "150.00"),
        ("flat_labor", "Labor", "1.00", "30.00"),
    ]
    assert body["approval_url"].startswith("http://testserver/approve/")
    estimate = Estimate.objects.get()
    assert estimate.expires_at - estimate.created_at == timedelta(days=7)


def test_public_base_url_builds_the_links(admin_client_api, ticket, settings):
    settings.PUBLIC_BASE_URL = "https://shop.example.com"
    body = create(admin_client_api, ticket).json()
    assert body["approval_url"].startswith("https://shop.example.com/approve/")
    detail = admin_client_api.get(reverse("serviceticket-detail", args=[ticket.pk])).json()
    assert detail["tracking_url"].startswith("https://shop.example.com/track/")


def test_a_new_estimate_supersedes_the_pending_one(admin_client_api, anon_client, ticket):
    first = create(admin_client_api, ticket).json()
    second = create(admin_client_api, ticket).json()
    assert Estimate.objects.get(pk=first["id"]).status == "superseded"
    response = anon_client.post(f"/estimates/{token_of(first)}/approve", {"signed_by": "Dana"}, format="json")
    assert response.status_code == 409
    assert anon_client.get(f"/estimates/{token_of(first)}").json()["status"] == "superseded"
    listed = admin_client_api.get(reverse("serviceticket-estimates", args=[ticket.pk])).json()
    assert [e["id"] for e in listed["results"]] == [second["id"], first["id"]]


def test_a_ticket_too_big_for_an_estimate_is_400_and_makes_none(admin_client_api, make_ticket, customer):
    dear = baker.make(Part, name="Engine", price=Decimal("99999999.99"), quantity_in_stock=30_000)
    ticket = make_ticket(customer, parts=[(dear, 20_000)])
    body = admin_client_api.get(reverse("serviceticket-detail", args=[ticket.pk])).json()
    assert body["parts_total"] == body["total_cost"] == "1999999999800.00"  # the ticket still answers its totals
    response = create(admin_client_api, ticket)
    assert response.status_code == 400
    assert "an estimate holds at most 999999999999.99" in response.json()["non_field_errors"][0]
    assert not Estimate.objects.exists()


def test_empty_and_closed_tickets(admin_client_api, make_ticket):
    empty = make_ticket()
    assert create(admin_client_api, empty).status_code == 400
    closed = make_ticket(status="cancelled")
    assert create(admin_client_api, closed).status_code == 409


def test_who_may_create_and_list(staff_client, customer_client, other_customer_client, anon_client, ticket):
    assert create(staff_client("tickets.view_serviceticket"), ticket).status_code == 403
    assert create(staff_client("tickets.change_serviceticket"), ticket).status_code == 201
    assert create(customer_client, ticket).status_code == 403
    assert create(anon_client, ticket).status_code == 401
    url = reverse("serviceticket-estimates", args=[ticket.pk])
    assert customer_client.get(url).json()["count"] == 1
    assert other_customer_client.get(url).status_code == 404


def test_the_customer_reads_the_estimate_without_login(admin_client_api, anon_client, ticket):
    token = token_of(create(admin_client_api, ticket).json())
    response = anon_client.get(f"/estimates/{token}")
    assert response.status_code == 200
    body = response.json()
    assert set(body) == {"lines", "total", "status", "expires_at", "approved_total", "shop_name", "vehicle"}
    assert set(body["vehicle"]) == {"vin", "make", "model", "year"}
    assert ticket.customer.name not in response.content.decode()
    assert ticket.customer.email not in response.content.decode()


@pytest.mark.parametrize(
    "token",
    ["garbage", "MQ:abc", "123", lambda: estimate_token(999999), lambda: estimate_token(1)[:-2] + "xx", "a" * 200],
)
def test_bad_tokens_are_404(admin_client_api, anon_client, ticket, token):
    create(admin_client_api, ticket)
    token = token() if callable(token) else token
    assert anon_client.get(f"/estimates/{token}").status_code == 404
    assert anon_client.post(f"/estimates/{token}/approve", {"signed_by": "x"}, format="json").status_code == 404
    assert anon_client.post(f"/estimates/{token}/decline", {"signed_by": "x"}, format="json").status_code == 404
    assert anon_client.get(f"/approve/{token}").status_code == 404
    assert anon_client.get(f"/track/{token}").status_code == 404


def test_approving_with_declined_lines(admin_client_api, anon_client, ticket, pads):
    body = create(admin_client_api, ticket).json()
    part_line, labor_line, flat_line = body["lines"]
    response = anon_client.post(
        f"/estimates/{token_of(body)}/approve",
        {"signed_by": "Dana Driver", "declined_line_ids": [part_line["id"], flat_line["id"]]},
        format="json",
        HTTP_USER_AGENT="PhoneBrowser/1.0",
    )
    assert response.status_code == 200, response.content
    decided = response.json()
    assert decided["status"] == "approved"
    assert decided["approved_total"] == "150.00"
    assert decided["signed_by"] == "Dana Driver"
    assert decided["approved_at"]
    # The declined part went back to stock through the ledger; the flat labor is 0; the labor line stays.
    pads.refresh_from_db()
    assert pads.quantity_in_stock == 10
    assert StockMovement.objects.filter(part=pads, ticket_id=ticket.pk).order_by("-id").first().delta == 2
    fresh = ServiceTicket.objects.get(pk=ticket.pk)
    assert fresh.labor_cost == 0
    assert not fresh.lines.exists()
    assert LaborLine.objects.filter(ticket=ticket).count() == 1
    assert fresh.total_cost == Decimal("150.00")
    estimate = Estimate.objects.get()
    assert estimate.decided_ip == "127.0.0.1"
    assert estimate.decided_user_agent == "PhoneBrowser/1.0"
    assert estimate.has_declined
    assert [line.declined for line in estimate.lines.all()] == [True, False, True]
    # Deciding again never changes the first decision.
    again = anon_client.post(f"/estimates/{token_of(body)}/decline", {"signed_by": "Dana"}, format="json")
    assert again.status_code == 409
    assert Estimate.objects.get().status == "approved"
    # The ticket JSON and the follow-up list.
    detail = admin_client_api.get(reverse("serviceticket-detail", args=[ticket.pk])).json()
    assert detail["approval_status"] == "approved"
    assert detail["approved_total"] == detail["total_cost"] == "150.00"
    follow_up = admin_client_api.get("/estimates", {"status": "approved", "has_declined": "true"}).json()
    assert [e["id"] for e in follow_up["results"]] == [body["id"]]
    assert [line["declined"] for line in follow_up["results"][0]["lines"]] == [True, False, True]


def test_declining_a_labor_line_deletes_it(admin_client_api, anon_client, ticket):
    body = create(admin_client_api, ticket).json()
    response = anon_client.post(
        f"/estimates/{token_of(body)}/approve",
        {"signed_by": "Dana", "declined_line_ids": [body["lines"][1]["id"]]},
        format="json",
    )
    assert response.json()["approved_total"] == "138.00"
    assert not LaborLine.objects.filter(ticket=ticket).exists()


def test_declining_the_estimate(admin_client_api, anon_client, ticket):
    body = create(admin_client_api, ticket).json()
    response = anon_client.post(
        f"/estimates/{token_of(body)}/decline", {"signed_by": "Dana", "reason": "Too dear"}, format="json"
    )
    assert response.status_code == 200
    assert response.json()["status"] == "declined"
    assert Estimate.objects.get().decline_reason == "Too dear"
    assert admin_client_api.get(reverse("serviceticket-detail", args=[ticket.pk])).json()["approval_status"] == (
        "declined"
    )
    assert anon_client.get(f"/estimates/{token_of(body)}").json()["status"] == "declined"


@pytest.mark.parametrize(
    "body",
    [{}, {"signed_by": ""}, {"signed_by": "   "}, {"signed_by": "x" * 101}, {"signed_by": 12}, {"signed_by": None}],
)
def test_signed_by_is_validated(admin_client_api, anon_client, ticket, body):
    token = token_of(create(admin_client_api, ticket).json())
    for decision in ("approve", "decline"):
        response = anon_client.post(f"/estimates/{token}/{decision}", body, format="json")
        assert response.status_code == 400
        assert "signed_by" in response.json()
    assert Estimate.objects.get().status == "pending"


def test_a_line_of_another_estimate_is_400(admin_client_api, anon_client, ticket):
    token = token_of(create(admin_client_api, ticket).json())
    response = anon_client.post(
        f"/estimates/{token}/approve", {"signed_by": "Dana", "declined_line_ids": [999999]}, format="json"
    )
    assert response.status_code == 400
    assert "declined_line_ids" in response.json()


def test_an_expired_estimate_is_409(admin_client_api, anon_client, ticket):
    body = create(admin_client_api, ticket).json()
    Estimate.objects.update(expires_at=timezone.now() - timedelta(minutes=1))
    assert anon_client.post(f"/estimates/{token_of(body)}/approve", {"signed_by": "D"}, format="json").status_code == (
        409
    )
    assert anon_client.get(f"/estimates/{token_of(body)}").json()["status"] == "expired"
    assert admin_client_api.get("/estimates", {"status": "expired"}).json()["count"] == 1
    assert admin_client_api.get("/estimates", {"status": "pending"}).json()["count"] == 0


def test_a_closed_ticket_estimate_is_409(admin_client_api, anon_client, ticket):
    body = create(admin_client_api, ticket).json()
    admin_client_api.patch(reverse("serviceticket-detail", args=[ticket.pk]), {"status": "cancelled"}, format="json")
    assert anon_client.post(f"/estimates/{token_of(body)}/approve", {"signed_by": "D"}, format="json").status_code == (
        409
    )


def test_estimate_list_needs_view_serviceticket(staff_client, customer_client, anon_client, ticket):
    estimate_create(ticket=ticket)
    assert staff_client("tickets.view_serviceticket").get("/estimates").json()["count"] == 1
    assert staff_client().get("/estimates").status_code == 403
    assert customer_client.get("/estimates").status_code == 403
    assert anon_client.get("/estimates").status_code == 401
    assert staff_client("tickets.view_serviceticket").get("/estimates", {"status": "nope"}).status_code == 400


def test_approval_required_gates(admin_client_api, anon_client, make_ticket, make_mechanic, customer, pads):
    mechanic = make_mechanic()
    response = admin_client_api.post(
        reverse("serviceticket-list"),
        {
            "vin": "1HGCM82633A004352",
            "service_date": "2026-12-01",
            "customer_id": customer.pk,
            "description": "Brakes",
            "approval_required": True,
            "mechanic_ids": [mechanic.pk],
        },
        format="json",
    )
    assert response.status_code == 201
    created = response.json()
    assert created["approval_required"] is True
    assert created["approval_status"] == "none"
    assert created["approved_total"] is None
    url = reverse("serviceticket-detail", args=[created["id"]])
    ticket = ServiceTicket.objects.get(pk=created["id"])
    admin_client_api.put(reverse("serviceticket-add-part", args=[ticket.pk, pads.pk]), {"quantity": 1}, format="json")
    assert admin_client_api.patch(url, {"status": "in_progress"}, format="json").status_code == 409
    clock = admin_client_api.post(f"/service-tickets/{ticket.pk}/clock-in", {"mechanic_id": mechanic.pk}, format="json")
    assert clock.status_code == 409
    body = create(admin_client_api, ticket).json()
    assert admin_client_api.get(url).json()["approval_status"] == "pending"
    anon_client.post(f"/estimates/{token_of(body)}/approve", {"signed_by": "Dana"}, format="json")
    assert admin_client_api.patch(url, {"status": "in_progress"}, format="json").status_code == 200
    # More work than approved: no completion until a new estimate is approved.
    admin_client_api.put(reverse("serviceticket-add-part", args=[ticket.pk, pads.pk]), {"quantity": 1}, format="json")
    refused = admin_client_api.patch(url, {"status": "completed"}, format="json")
    assert refused.status_code == 409
    assert "approved" in refused.json()["detail"]
    body = create(admin_client_api, ticket).json()
    anon_client.post(f"/estimates/{token_of(body)}/approve", {"signed_by": "Dana"}, format="json")
    assert admin_client_api.patch(url, {"status": "completed"}, format="json").status_code == 200


def test_old_clients_are_unchanged(admin_client_api, make_ticket):
    ticket = make_ticket()
    url = reverse("serviceticket-detail", args=[ticket.pk])
    assert admin_client_api.patch(url, {"status": "in_progress"}, format="json").status_code == 200
    assert admin_client_api.patch(url, {"status": "completed"}, format="json").status_code == 200


def test_tracking_link(admin_client_api, customer_client, anon_client, ticket):
    tracking_url = customer_client.get(reverse("serviceticket-detail", args=[ticket.pk])).json()["tracking_url"]
    path = tracking_url.removeprefix("http://testserver")
    response = anon_client.get(path)
    assert response.status_code == 200
    assert response.json() == {
        "ticket_id": ticket.pk,
        "status": "open",
        "service_date": "2026-01-01",
        "pickup_date": None,
        "vehicle": {"make": ticket.vehicle.make, "model": ticket.vehicle.model, "year": ticket.vehicle.year},
        "updated_at": response.json()["updated_at"],
    }
    html = anon_client.get(path, HTTP_ACCEPT="text/html,application/xhtml+xml,*/*;q=0.8")
    assert html.status_code == 200
    assert html["Content-Type"].startswith("text/html")
    assert b"<script" not in html.content
    renewed = admin_client_api.post(reverse("serviceticket-tracking-link", args=[ticket.pk]))
    assert renewed.status_code == 200
    assert renewed.json()["tracking_url"] != tracking_url
    assert anon_client.get(path).status_code == 404
    assert anon_client.get(path, HTTP_ACCEPT="text/html").status_code == 404
    assert anon_client.get(renewed.json()["tracking_url"].removeprefix("http://testserver")).status_code == 200
    assert customer_client.post(reverse("serviceticket-tracking-link", args=[ticket.pk])).status_code == 403


def test_a_tracking_token_signed_for_another_purpose_is_404(anon_client, ticket):
    forged = signing.Signer(salt="tickets.estimate.approval").sign_object([ticket.pk, 1])
    assert anon_client.get(f"/track/{forged}").status_code == 404
    assert (
        anon_client.get(f"/track/{signing.Signer(salt=TRACKING_SALT).sign_object([ticket.pk, 1])}").status_code == 200
    )


def test_public_endpoints_are_throttled_as_anonymous(admin_client_api, anon_client, ticket, throttle_rates):
    token = token_of(create(admin_client_api, ticket).json())
    throttle_rates(anon_short="2/minute")
    codes = [anon_client.get(f"/estimates/{token}").status_code for _ in range(3)]
    assert codes == [200, 200, 429]
    assert admin_client_api.get(f"/estimates/{token}").status_code == 429  # a token changes nothing


def test_the_approval_page_form(admin_client_api, ticket, pads, client):
    body = create(admin_client_api, ticket).json()
    path = f"/approve/{token_of(body)}"
    page = client.get(path)
    assert page.status_code == 200
    assert b"Brake pad set" in page.content
    assert b"288.00" in page.content
    assert b"<script" not in page.content
    # Django's test client skips CSRF checks unless asked; the page carries the token for real browsers.
    assert b"csrfmiddlewaretoken" in page.content
    missing = client.post(path, {"decision": "approve", "signed_by": ""})
    assert missing.status_code == 400
    done = client.post(path, {"decision": "approve", "signed_by": "Dana", "decline": [str(body["lines"][0]["id"])]})
    assert done.status_code == 200
    assert b"Approved" in done.content
    assert Estimate.objects.get().approved_total == Decimal("180.00")
    again = client.post(path, {"decision": "decline", "signed_by": "Dana"})
    assert again.status_code == 409
    assert b"can no longer be decided" in again.content or b"has your answer" in again.content
    assert Estimate.objects.get().status == "approved"


def test_the_approval_page_needs_the_csrf_token(admin_client_api, ticket):
    from django.test import Client

    body = create(admin_client_api, ticket).json()
    response = Client(enforce_csrf_checks=True).post(f"/approve/{token_of(body)}", {"decision": "decline"})
    assert response.status_code == 403
    assert Estimate.objects.get().status == "pending"


def test_deleting_a_ticket_deletes_its_estimates(admin_client_api, ticket):
    estimate_create(ticket=ticket)
    assert admin_client_api.delete(reverse("serviceticket-detail", args=[ticket.pk])).status_code == 204
    assert not Estimate.objects.exists()


# --- The admin ---------------------------------------------------------------------------------------------------


def test_the_admin_action_creates_and_sends_an_estimate(admin_client, ticket, make_ticket):
    empty = make_ticket()
    response = admin_client.post(
        "/admin/tickets/serviceticket/",
        {"action": "send_estimate", "_selected_action": [ticket.pk, empty.pk]},
        follow=True,
    )
    assert response.status_code == 200
    text = response.content.decode()
    estimate = Estimate.objects.get()
    assert estimate.ticket_id == ticket.pk
    assert "http://testserver/approve/" in text
    assert f"#{empty.pk}: " in text  # nothing to estimate on it


def test_the_ticket_page_shows_its_estimates(admin_client, ticket):
    first = estimate_create(ticket=ticket)
    estimate_create(ticket=ticket)
    page = admin_client.get(f"/admin/tickets/serviceticket/{ticket.pk}/change/")
    assert page.status_code == 200
    text = page.content.decode()
    assert "superseded" in text
    assert "pending" in text
    assert "Brake pad set × 2.00 = 108.00" in text
    assert f"/approve/{estimate_token(first.pk)}" not in text  # a superseded one has no link to send
    assert 'id="ticket-estimates"' in text


def test_the_list_filters_by_ticket(admin_client_api, ticket, make_ticket, pads):
    other = make_ticket(parts=[pads])
    estimate_create(ticket=ticket)
    estimate_create(ticket=other)
    response = admin_client_api.get("/estimates", {"ticket_id": str(ticket.pk)})
    assert [e["ticket_id"] for e in response.json()["results"]] == [ticket.pk]
    assert admin_client_api.get("/estimates", {"ticket_id": "x"}).status_code == 400


def _as_the_model_reads_it(estimate: Estimate) -> dict:
    """The shop's view of an estimate from the model instance (its properties and the Signer itself): what a page
    built from rows must match."""

    def money(value):
        return None if value is None else str(value.quantize(Decimal("0.01")))

    def stamp(value):
        return None if value is None else value.astimezone(UTC).isoformat().replace("+00:00", "Z")

    return {
        "id": estimate.pk,
        "ticket_id": estimate.ticket_id,
        "lines": [
            {
                "id": line.pk,
                "kind": line.kind,
                "description": line.description,
                "quantity": money(line.quantity),
                "unit_price": money(line.unit_price),
                "line_total": money(line.line_total),
                "declined": line.declined,
            }
            for line in estimate.lines.order_by("id")
        ],
        "total": money(estimate.total),
        "status": estimate.shown_status,
        "expires_at": stamp(estimate.expires_at),
        "approval_url": "http://testserver/approve/" + estimate_token(estimate.pk),
        "approved_total": money(estimate.approved_total),
        "approved_at": stamp(estimate.approved_at),
        "signed_by": estimate.signed_by or None,
        "decline_reason": estimate.decline_reason or None,
        "created_at": stamp(estimate.created_at),
        "updated_at": stamp(estimate.updated_at),
    }


def test_a_page_built_from_rows_is_what_the_model_reads(
    admin_client_api, anon_client, customer_client, ticket, make_ticket, pads, settings
):
    """Every state an estimate shows: pending, expired, superseded, approved with declined lines, declined; lines of
    each kind; on both lists."""
    settings.PUBLIC_BASE_URL = ""
    superseded = estimate_create(ticket=ticket)
    approved = create(admin_client_api, ticket).json()
    declined_line = approved["lines"][0]["id"]
    assert (
        anon_client.post(
            f"/estimates/{token_of(approved)}/approve",
            {"signed_by": "Dana Driver", "declined_line_ids": [declined_line]},
            format="json",
        ).status_code
        == 200
    )
    other = make_ticket(parts=[(pads, 3)], labor_cost=Decimal("12.50"))
    declined = create(admin_client_api, other).json()
    assert (
        anon_client.post(
            f"/estimates/{token_of(declined)}/decline", {"signed_by": "Sam", "reason": "Too dear"}, format="json"
        ).status_code
        == 200
    )
    expired = estimate_create(ticket=other)
    Estimate.objects.filter(pk=expired.pk).update(expires_at=timezone.now() - timedelta(minutes=1))
    pending = estimate_create(ticket=make_ticket(parts=[pads]))

    listed = admin_client_api.get("/estimates", {"page_size": 50})
    assert listed.status_code == 200
    everything = Estimate.objects.order_by("-created_at", "-id")
    assert listed.json()["count"] == 5
    assert listed.json()["results"] == [_as_the_model_reads_it(estimate) for estimate in everything]
    assert {e["status"] for e in listed.json()["results"]} == {
        "superseded",
        "approved",
        "declined",
        "expired",
        "pending",
    }
    assert [e["id"] for e in listed.json()["results"] if e["status"] == "pending"] == [pending.pk]
    assert any(line["declined"] for e in listed.json()["results"] for line in e["lines"])
    assert {line["kind"] for e in listed.json()["results"] for line in e["lines"]} == {"part", "labor", "flat_labor"}
    assert superseded.pk in [e["id"] for e in listed.json()["results"]]

    for one_ticket in (ticket, other):
        response = admin_client_api.get(reverse("serviceticket-estimates", args=[one_ticket.pk]))
        assert response.status_code == 200
        assert response.json()["results"] == [
            _as_the_model_reads_it(estimate) for estimate in everything.filter(ticket=one_ticket)
        ]
    # The ticket's customer, and incremental sync (filtered and ordered before the rows are read).
    mine = customer_client.get(reverse("serviceticket-estimates", args=[ticket.pk]))
    assert mine.status_code == 200
    assert mine.json()["results"] == [_as_the_model_reads_it(e) for e in everything.filter(ticket=ticket)]
    synced = admin_client_api.get("/estimates", {"updated_after": "2000-01-01T00:00:00Z", "ordering": "updated_at"})
    assert synced.status_code == 200
    assert synced.json()["results"] == [_as_the_model_reads_it(e) for e in everything.order_by("updated_at", "id")]


def test_an_estimate_gone_before_it_is_read_back_is_a_404(ticket):
    """A POST's answer reads the estimate back: had a concurrent delete of its ticket taken it, a 404, not a 500."""
    from django.http import Http404

    from tickets.estimate_serializers import estimate_json

    estimate = estimate_create(ticket=ticket)
    assert estimate_json(estimate)["id"] == estimate.pk
    Estimate.objects.filter(pk=estimate.pk).delete()
    with pytest.raises(Http404):
        estimate_json(estimate)


def _page(client, url, params):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as queries:
        response = client.get(url, params)
    assert response.status_code == 200
    sql = [q["sql"] for q in queries]
    return response.json(), [one for one in sql if "tickets_estimate" in one and "tickets_estimateline" not in one]


@pytest.mark.parametrize("which", ["every estimate", "a ticket's"])
def test_a_page_of_every_estimate_is_the_statement_the_filters_build(admin_client_api, make_ticket, ticket, which):
    """With nothing but the page asked for, the list runs a statement built once (decision 0039): the same SQL, count
    and rows as the filters' own path (a parameter no filter reads sends the request down that path)."""
    other = make_ticket(parts=[(baker.make(Part, price=Decimal("9.00"), quantity_in_stock=5), 1)])
    made = [estimate_create(ticket=other if n % 2 else ticket) for n in range(5)]  # three of the ticket's
    url = "/estimates" if which == "every estimate" else reverse("serviceticket-estimates", args=[ticket.pk])
    expected = [e.pk for e in made[::-1] if which == "every estimate" or e.ticket_id == ticket.pk]
    for params in ({"page_size": 2}, {"page_size": 2, "page": 2}, {}):
        prepared, prepared_sql = _page(admin_client_api, url, params)
        built, built_sql = _page(admin_client_api, url, {**params, "unread": "1"})
        assert prepared["results"] == built["results"]
        assert prepared["count"] == built["count"]
        assert len(prepared_sql) == len(built_sql) == 2  # the count, then the page
        assert prepared_sql[1] == built_sql[1]
        assert prepared_sql[0].upper().startswith("SELECT COUNT(*) FROM (")  # the page's own statement, counted
        assert prepared["count"] == len(expected)
        size, number = params.get("page_size", 10), params.get("page", 1)
        assert [e["id"] for e in prepared["results"]] == expected[(number - 1) * size : number * size]
    # Any other parameter still filters.
    superseded = admin_client_api.get(url, {"status": "superseded", "page_size": 1}).json()
    if which == "every estimate":
        assert superseded["count"] == 3  # each ticket's pending one but its newest
    else:
        assert superseded["count"] == 3  # a ticket's list takes only the sync filters: `status` is no parameter there
