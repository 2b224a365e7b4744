"""Labor lines through the API and the services: the totals they make, bad input, closed tickets, permissions."""

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.test import override_settings
from django.urls import reverse

from mechanic_shop.core.exceptions import Conflict
from tickets.models import LaborLine, ServiceTicket
from tickets.representations import ticket_representation
from tickets.serializers import ServiceTicketSerializer
from tickets.services import ticket_add_labor_line, ticket_change_labor_line, ticket_set_status

pytestmark = pytest.mark.django_db


def lines_url(ticket_pk):
    return reverse("serviceticket-labor-lines", args=[ticket_pk])


def line_url(ticket_pk, line_pk):
    return reverse("serviceticket-labor-line", args=[ticket_pk, line_pk])


@pytest.fixture
def mechanic(make_mechanic):
    return make_mechanic(name="Mo")


@pytest.fixture
def ticket(make_ticket, mechanic):
    return make_ticket(mechanics=[mechanic], labor_cost=Decimal("10.00"))


@pytest.fixture
def api(staff_client):
    return staff_client("tickets.change_serviceticket")


def test_adding_a_line_answers_201_with_the_whole_ticket_and_its_totals(api, ticket, mechanic):
    response = api.post(
        lines_url(ticket.pk),
        {"description": "Replace front pads", "hours": "1.50", "rate": 80, "mechanic_id": mechanic.pk},
        format="json",
    )
    assert response.status_code == 201, response.json()
    body = response.json()
    line = LaborLine.objects.get()
    assert body["labor_lines"] == [
        {
            "id": line.pk,
            "description": "Replace front pads",
            "hours": "1.50",
            "rate": "80.00",
            "mechanic_id": mechanic.pk,
            "line_total": "120.00",
        }
    ]
    assert body["labor_total"] == "130.00"  # the flat 10.00 + the line
    assert body["billed_hours"] == "1.50"
    assert body["total_cost"] == "130.00"
    assert (line.ticket_id, line.hours, line.rate, line.mechanic_id) == (ticket.pk, Decimal("1.5"), 80, mechanic.pk)


@override_settings(LABOR_RATE=Decimal("95.50"))
def test_rate_defaults_to_the_labor_rate_setting_and_mechanic_is_optional(api, ticket):
    response = api.post(lines_url(ticket.pk), {"description": "Diagnose", "hours": 0.5}, format="json")
    assert response.status_code == 201
    assert response.json()["labor_lines"][0]["rate"] == "95.50"
    assert response.json()["labor_lines"][0]["line_total"] == "47.75"
    assert response.json()["labor_lines"][0]["mechanic_id"] is None
    assert LaborLine.objects.get().rate == Decimal("95.50")


def test_the_default_labor_rate_is_120(api, ticket):
    response = api.post(lines_url(ticket.pk), {"description": "Diagnose", "hours": 1}, format="json")
    assert response.json()["labor_lines"][0]["rate"] == "120.00"


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"description": "", "hours": 1}, "description"),
        ({"description": "x" * 201, "hours": 1}, "description"),
        ({"hours": 1}, "description"),
        ({"description": "Pads", "hours": 0}, "hours"),
        ({"description": "Pads", "hours": "100.00"}, "hours"),
        ({"description": "Pads", "hours": "1.234"}, "hours"),
        ({"description": "Pads", "hours": "1e1"}, "hours"),
        ({"description": "Pads", "hours": True}, "hours"),
        ({"description": "Pads"}, "hours"),
        ({"description": "Pads", "hours": 1, "rate": -1}, "rate"),
        ({"description": "Pads", "hours": 1, "rate": "12.345"}, "rate"),
        ({"description": "Pads", "hours": 1, "mechanic_id": "1"}, "mechanic_id"),
    ],
)
def test_bad_input_is_400_naming_the_field_and_adds_nothing(api, ticket, body, field):
    response = api.post(lines_url(ticket.pk), body, format="json")
    assert response.status_code == 400
    assert field in response.json()
    assert not LaborLine.objects.exists()


def test_a_mechanic_not_on_the_ticket_is_400_on_mechanic_id(api, ticket, make_mechanic):
    stranger = make_mechanic()
    for mechanic_id in (stranger.pk, 999_999):
        response = api.post(
            lines_url(ticket.pk), {"description": "Pads", "hours": 1, "mechanic_id": mechanic_id}, format="json"
        )
        assert response.status_code == 400
        assert "not assigned" in response.json()["mechanic_id"][0]
    assert not LaborLine.objects.exists()


def test_patch_changes_only_what_is_sent(api, ticket, mechanic):
    line = ticket_add_labor_line(ticket=ticket, description="Pads", hours=Decimal("1.00"), mechanic_id=mechanic.pk)
    response = api.patch(line_url(ticket.pk, line.pk), {"hours": "2.25"}, format="json")
    assert response.status_code == 200
    assert response.json()["labor_lines"][0]["hours"] == "2.25"
    assert response.json()["labor_lines"][0]["line_total"] == "270.00"
    assert response.json()["labor_total"] == "280.00"
    line.refresh_from_db()
    assert (line.description, line.hours, line.rate, line.mechanic_id) == (
        "Pads",
        Decimal("2.25"),
        Decimal("120.00"),
        mechanic.pk,
    )

    response = api.patch(
        line_url(ticket.pk, line.pk), {"description": "Pads and rotors", "mechanic_id": None}, format="json"
    )
    assert response.status_code == 200
    line.refresh_from_db()
    assert (line.description, line.mechanic_id) == ("Pads and rotors", None)


def test_patch_with_bad_input_is_400_and_changes_nothing(api, ticket, make_mechanic):
    line = ticket_add_labor_line(ticket=ticket, description="Pads", hours=Decimal("1.00"))
    for body, field in (
        ({"hours": "0.00"}, "hours"),
        ({"rate": "-5"}, "rate"),
        ({"description": ""}, "description"),
        ({"hours": "3.00", "mechanic_id": make_mechanic().pk}, "mechanic_id"),
    ):
        response = api.patch(line_url(ticket.pk, line.pk), body, format="json")
        assert response.status_code == 400, body
        assert field in response.json()
    line.refresh_from_db()
    assert (line.description, line.hours, line.rate, line.mechanic_id) == ("Pads", 1, 120, None)


def test_delete_answers_200_with_the_ticket_without_the_line(api, ticket):
    kept = ticket_add_labor_line(ticket=ticket, description="Pads", hours=Decimal("1.00"))
    gone = ticket_add_labor_line(ticket=ticket, description="Rotors", hours=Decimal("2.00"))
    response = api.delete(line_url(ticket.pk, gone.pk))
    assert response.status_code == 200
    assert [line["id"] for line in response.json()["labor_lines"]] == [kept.pk]
    assert response.json()["billed_hours"] == "1.00"
    assert list(LaborLine.objects.values_list("pk", flat=True)) == [kept.pk]


def test_a_line_of_another_ticket_is_404_and_untouched(api, ticket, make_ticket):
    other = make_ticket()
    line = ticket_add_labor_line(ticket=other, description="Pads", hours=Decimal("1.00"))
    assert api.patch(line_url(ticket.pk, line.pk), {"hours": 5}, format="json").status_code == 404
    assert api.delete(line_url(ticket.pk, line.pk)).status_code == 404
    assert api.delete(line_url(ticket.pk, 999_999)).status_code == 404
    line.refresh_from_db()
    assert (line.ticket_id, line.hours) == (other.pk, 1)


@pytest.mark.parametrize("status", ["completed", "cancelled"])
def test_a_closed_ticket_answers_409_to_every_labor_change_even_a_no_op(api, ticket, status):
    line = ticket_add_labor_line(ticket=ticket, description="Pads", hours=Decimal("1.00"))
    if status == "completed":
        ticket_set_status(ticket=ticket, status="in_progress")
    ticket_set_status(ticket=ticket, status=status)
    for response in (
        api.post(lines_url(ticket.pk), {"description": "More", "hours": 1}, format="json"),
        api.patch(line_url(ticket.pk, line.pk), {}, format="json"),
        api.patch(line_url(ticket.pk, line.pk), {"hours": 3}, format="json"),
        api.delete(line_url(ticket.pk, line.pk)),
    ):
        assert response.status_code == 409
        assert status in response.json()["detail"]
    assert list(LaborLine.objects.values_list("hours", flat=True)) == [Decimal("1.00")]


@pytest.mark.parametrize(
    "perms", [(), ("tickets.view_serviceticket", "tickets.add_serviceticket", "tickets.delete_serviceticket")]
)
def test_labor_needs_the_change_permission(staff_client, ticket, perms):
    client = staff_client(*perms)
    line = ticket_add_labor_line(ticket=ticket, description="Pads", hours=Decimal("1.00"))
    assert client.post(lines_url(ticket.pk), {"description": "x", "hours": 1}, format="json").status_code == 403
    assert client.patch(line_url(ticket.pk, line.pk), {"hours": 2}, format="json").status_code == 403
    assert client.delete(line_url(ticket.pk, line.pk)).status_code == 403
    assert list(LaborLine.objects.values_list("hours", flat=True)) == [Decimal("1.00")]


def test_a_customer_cannot_touch_labor(customer_client, customer, make_ticket):
    ticket = make_ticket(customer)
    response = customer_client.post(lines_url(ticket.pk), {"description": "x", "hours": 1}, format="json")
    assert response.status_code in (401, 403)
    assert not LaborLine.objects.exists()


def test_labor_changes_mark_the_ticket_updated(api, ticket):
    before = ServiceTicket.objects.get(pk=ticket.pk).updated_at
    api.post(lines_url(ticket.pk), {"description": "Pads", "hours": 1}, format="json")
    assert ServiceTicket.objects.get(pk=ticket.pk).updated_at > before


def test_services_refuse_what_the_api_refuses(ticket):
    """The admin and the commands call the services directly: the same ranges hold there."""
    with pytest.raises(ValidationError) as error:
        ticket_add_labor_line(ticket=ticket, description=" ", hours=Decimal("100"), rate=Decimal("-1"))
    assert set(error.value.message_dict) == {"description", "hours", "rate"}
    line = ticket_add_labor_line(ticket=ticket, description="Pads", hours=Decimal("1"))
    with pytest.raises(ValidationError) as error:
        ticket_change_labor_line(ticket=ticket, line_id=line.pk, hours=Decimal("0.001"))
    assert set(error.value.message_dict) == {"hours"}
    ticket_set_status(ticket=ticket, status="cancelled")
    with pytest.raises(Conflict):
        ticket_change_labor_line(ticket=ticket, line_id=line.pk)
    line.refresh_from_db()
    assert line.hours == 1


def test_ticket_json_with_labor_matches_the_serializer(ticket, mechanic, make_ticket):
    ticket_add_labor_line(ticket=ticket, description="Pads", hours=Decimal("1.25"), rate=Decimal("99.99"))
    ticket_add_labor_line(
        ticket=ticket, description="Rotors", hours=Decimal("0.33"), rate=Decimal("10.01"), mechanic_id=mechanic.pk
    )
    fast = ticket_representation(ticket)
    assert fast == dict(ServiceTicketSerializer(ServiceTicket.objects.get(pk=ticket.pk)).data)
    # 1.25 × 99.99 = 124.9875 → 124.99; 0.33 × 10.01 = 3.3033 → 3.30; plus the flat 10.00
    assert [line["line_total"] for line in fast["labor_lines"]] == ["124.99", "3.30"]
    assert fast["labor_total"] == "138.29"
    assert fast["billed_hours"] == "1.58"
    assert fast["total_cost"] == "138.29"
    empty = make_ticket(labor_cost=Decimal("5.00"))
    fast = ticket_representation(empty)
    assert fast == dict(ServiceTicketSerializer(ServiceTicket.objects.get(pk=empty.pk)).data)
    assert (fast["labor_lines"], fast["labor_total"], fast["billed_hours"]) == ([], "5.00", "0.00")
