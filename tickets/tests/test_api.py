"""Service tickets through the API: fields, validation, status, and the custom actions."""

from decimal import Decimal

import pytest
from django.urls import reverse
from model_bakery import baker

from inventory.models import MAX_STOCK, Part
from mechanics.models import Mechanic
from tickets.models import ServiceTicket, TicketPart
from tickets.services import ticket_add_part, ticket_set_status

pytestmark = pytest.mark.django_db
LIST = reverse("serviceticket-list")
VIN = "1HGCM82633A004352"


def detail(pk):
    return reverse("serviceticket-detail", args=[pk])


def action(name, ticket_pk, *ids):
    return reverse(f"serviceticket-{name}", args=[ticket_pk, *ids])


@pytest.fixture
def api(admin_client_api):
    return admin_client_api


@pytest.fixture
def mechanic(make_mechanic):
    return make_mechanic(name="Mo")


@pytest.fixture
def part():
    return baker.make(Part, name="Oil filter", price=Decimal("12.99"), quantity_in_stock=10)


@pytest.fixture
def new_ticket(customer, mechanic):
    return {
        "vin": VIN.lower(),
        "service_date": "2026-02-07",
        "description": "Front brakes squeal",
        "customer_id": customer.pk,
        "mechanic_ids": [mechanic.pk],
        "labor_cost": "120.00",
    }


@pytest.fixture
def ticket(api, new_ticket):
    return ServiceTicket.objects.get(pk=api.post(LIST, new_ticket, format="json").json()["id"])


def test_create_answers_201_with_the_whole_ticket(api, new_ticket, mechanic, customer):
    response = api.post(LIST, new_ticket | {"status": "completed"}, format="json")
    assert response.status_code == 201
    body = response.json()
    assert body["vin"] == VIN
    assert body["status"] == "open"
    assert body["customer_id"] == customer.pk
    assert body["mechanics"] == [{"id": mechanic.pk, "name": "Mo"}]
    assert body["parts"] == []
    assert body["parts_total"] == "0.00"
    assert body["total_cost"] == "120.00"
    assert body["labor_cost"] == "120.00"
    assert body["completed_at"] is None
    assert body["pickup_date"] is None
    # An old client's ticket (only `vin`): the same answer as before, plus the vehicle, the mileage, the clock and
    # the estimates' approval and tracking link.
    assert set(body) == {
        "id", "vin", "service_date", "description", "customer_id", "status", "pickup_date", "labor_cost",
        "mechanics", "parts", "parts_total", "total_cost", "created_at", "updated_at", "completed_at",
        "vehicle_id", "mileage_in", "mileage_out", "labor_lines", "labor_total", "billed_hours", "clocked_hours",
        "approval_required", "approval_status", "approved_total", "tracking_url", "status_since", "stage_durations",
    }  # fmt: skip
    assert (body["approval_required"], body["approval_status"], body["approved_total"]) == (False, "none", None)
    assert body["stage_durations"] == {}
    assert body["status_since"] == body["created_at"]
    assert (body["labor_lines"], body["labor_total"], body["billed_hours"]) == ([], "120.00", "0.00")
    assert body["clocked_hours"] == "0.00"
    assert body["mileage_in"] is None
    assert body["mileage_out"] is None
    saved = ServiceTicket.objects.select_related("vehicle").get(pk=body["id"])
    assert saved.status == "open"
    assert body["vehicle_id"] == saved.vehicle_id
    assert (saved.vehicle.vin, saved.vehicle.customer_id) == (VIN, customer.pk)


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("vin", "1HGCM82633A00435"),  # 16
        ("vin", "1HGCM82633A0043521"),  # 18
        ("vin", "1HGCM82633A00435I"),  # I
        ("vin", "1HGCM82633A00435O"),
        ("vin", "1HGCM82633A00435Q"),
        ("vin", 12345678901234567),
        ("service_date", "07/02/2026"),
        ("description", ""),
        ("description", "x" * 1001),
        ("customer_id", 424242),
        ("customer_id", "abc"),
        ("customer_id", "1"),
        ("customer_id", True),
        ("customer_id", 99999999999999999999999),
        ("mechanic_ids", [424242]),
        ("mechanic_ids", "1"),
        ("mechanic_ids", ["1"]),
        ("labor_cost", "-1.00"),
        ("labor_cost", "12.345"),
        ("labor_cost", "NaN"),
        ("pickup_date", "2026-02-06"),
    ],
)
def test_invalid_create_is_400_naming_the_field(api, new_ticket, field, value):
    response = api.post(LIST, new_ticket | {field: value}, format="json")
    assert response.status_code == 400
    assert field in response.json()
    assert not ServiceTicket.objects.exists()


def test_inactive_mechanic_cannot_be_assigned_on_create(api, new_ticket, mechanic):
    Mechanic.objects.filter(pk=mechanic.pk).update(is_active=False)
    response = api.post(LIST, new_ticket, format="json")
    assert response.status_code == 400
    assert "Inactive" in response.json()["mechanic_ids"][0]


def test_money_is_accepted_as_number_and_given_as_two_decimal_string(api, new_ticket):
    response = api.post(LIST, new_ticket | {"labor_cost": 80.5}, format="json")
    assert response.json()["labor_cost"] == "80.50"


def test_detail_shows_parts_and_totals(api, ticket, part):
    ticket_add_part(ticket=ticket, part=part, quantity=2)
    body = api.get(detail(ticket.pk)).json()
    assert body["parts"] == [
        {"id": part.pk, "name": "Oil filter", "quantity": 2, "unit_price": "12.99", "line_total": "25.98"}
    ]
    assert (body["parts_total"], body["total_cost"]) == ("25.98", "145.98")


def test_patch_moves_status_and_sets_completed_at(api, ticket):
    assert api.patch(detail(ticket.pk), {"status": "in_progress"}, format="json").json()["status"] == "in_progress"
    body = api.patch(detail(ticket.pk), {"status": "completed"}, format="json").json()
    assert body["status"] == "completed"
    assert body["completed_at"]
    ticket.refresh_from_db()
    assert ticket.completed_at is not None


def test_illegal_status_change_is_400(api, ticket):
    response = api.patch(detail(ticket.pk), {"status": "completed"}, format="json")
    assert response.status_code == 400
    assert "status" in response.json()
    assert api.patch(detail(ticket.pk), {"status": "nonsense"}, format="json").status_code == 400
    ticket.refresh_from_db()
    assert ticket.status == "open"


def test_sending_the_current_status_is_no_change(api, ticket):
    response = api.patch(detail(ticket.pk), {"status": "open"}, format="json")
    assert response.status_code == 200
    assert response.json()["status"] == "open"


def test_patch_of_service_date_after_pickup_is_400(api, ticket):
    api.patch(detail(ticket.pk), {"pickup_date": "2026-02-08"}, format="json")
    response = api.patch(detail(ticket.pk), {"service_date": "2026-02-09"}, format="json")
    assert response.status_code == 400
    assert "pickup_date" in response.json()
    ticket.refresh_from_db()
    assert str(ticket.service_date) == "2026-02-07"


def test_put_needs_the_create_fields(api, ticket, new_ticket):
    response = api.put(detail(ticket.pk), {"description": "only this"}, format="json")
    assert response.status_code == 400
    assert {"vin", "service_date", "customer_id"} <= set(response.json())
    body = new_ticket | {"description": "Rewritten"}
    assert api.put(detail(ticket.pk), body, format="json").json()["description"] == "Rewritten"


def test_read_only_fields_are_ignored_on_update(api, ticket):
    body = api.patch(detail(ticket.pk), {"id": 5000, "parts_total": "9.00", "completed_at": None}, format="json")
    assert body.status_code == 200
    assert body.json()["id"] == ticket.pk


def test_cancel_returns_parts_to_stock(api, ticket, part):
    ticket_add_part(ticket=ticket, part=part, quantity=3)
    body = api.patch(detail(ticket.pk), {"status": "cancelled"}, format="json").json()
    assert body["parts"] == []
    assert body["status"] == "cancelled"
    part.refresh_from_db()
    assert part.quantity_in_stock == 10


def test_delete_returns_parts_and_answers_204(api, ticket, part):
    ticket_add_part(ticket=ticket, part=part, quantity=3)
    response = api.delete(detail(ticket.pk))
    assert response.status_code == 204
    assert response.content == b""
    part.refresh_from_db()
    assert part.quantity_in_stock == 10
    assert not ServiceTicket.objects.exists()


def test_completed_ticket_delete_is_409(api, ticket):
    ticket_set_status(ticket=ticket, status="in_progress")
    ticket_set_status(ticket=ticket, status="completed")
    response = api.delete(detail(ticket.pk))
    assert response.status_code == 409
    assert "history" in response.json()["detail"]
    assert ServiceTicket.objects.filter(pk=ticket.pk).exists()


def test_edit_mechanics(api, ticket, mechanic, make_mechanic):
    newcomer = make_mechanic(name="Zed")
    response = api.put(
        action("edit", ticket.pk), {"add_ids": [newcomer.pk], "remove_ids": [mechanic.pk]}, format="json"
    )
    assert response.status_code == 200
    assert response.json()["mechanics"] == [{"id": newcomer.pk, "name": "Zed"}]
    assert list(ticket.mechanics.all()) == [newcomer]


def test_edit_with_unknown_ids_names_them_and_changes_nothing(api, ticket, mechanic, make_mechanic):
    newcomer = make_mechanic()
    response = api.put(action("edit", ticket.pk), {"add_ids": [newcomer.pk, 777], "remove_ids": [mechanic.pk]},
                       format="json")  # fmt: skip
    assert response.status_code == 400
    assert "777" in response.json()["add_ids"][0]
    assert list(ticket.mechanics.all()) == [mechanic]


def test_edit_with_an_id_in_both_lists_is_400(api, ticket, mechanic):
    response = api.put(
        action("edit", ticket.pk), {"add_ids": [mechanic.pk], "remove_ids": [mechanic.pk]}, format="json"
    )
    assert response.status_code == 400
    assert str(mechanic.pk) in response.json()["add_ids"][0]


def test_edit_with_an_invalid_id_names_it_by_its_index(api, ticket, mechanic):
    response = api.put(action("edit", ticket.pk), {"remove_ids": [mechanic.pk, "AAA"]}, format="json")
    assert response.status_code == 400
    assert list(response.json()["remove_ids"]) == ["1"]
    assert list(ticket.mechanics.all()) == [mechanic]


def test_edit_with_no_lists_answers_the_ticket(api, ticket, mechanic):
    response = api.put(action("edit", ticket.pk), {}, format="json")
    assert response.status_code == 200
    assert response.json()["mechanics"][0]["id"] == mechanic.pk


def test_assign_and_remove_mechanic(api, ticket, mechanic, make_mechanic):
    other = make_mechanic(name="Ann")
    body = api.put(action("assign-mechanic", ticket.pk, other.pk)).json()
    assert [m["id"] for m in body["mechanics"]] == sorted([mechanic.pk, other.pk])
    assert api.put(action("assign-mechanic", ticket.pk, other.pk)).status_code == 200  # already assigned
    body = api.put(action("remove-mechanic", ticket.pk, other.pk)).json()
    assert [m["id"] for m in body["mechanics"]] == [mechanic.pk]
    assert api.put(action("remove-mechanic", ticket.pk, other.pk)).status_code == 200  # not assigned
    assert list(ticket.mechanics.all()) == [mechanic]


def test_assigning_an_inactive_mechanic_is_400_keyed_by_the_mechanic_id_in_the_path(api, ticket, make_mechanic):
    retired = make_mechanic(is_active=False)
    before = ticket.updated_at
    response = api.put(action("assign-mechanic", ticket.pk, retired.pk))
    assert response.status_code == 400
    assert response.json() == {"mechanic_id": [f"Inactive mechanic id(s) cannot be assigned: {retired.pk}."]}
    assert not ticket.mechanics.filter(pk=retired.pk).exists()
    ticket.refresh_from_db()
    assert ticket.updated_at == before


def test_an_invalid_status_lists_the_valid_ones(api, ticket):
    response = api.patch(detail(ticket.pk), {"status": "done"}, format="json")
    assert response.status_code == 400
    valid = "open, in_progress, completed, cancelled"
    assert response.json() == {"status": [f'"done" is not a status; use one of: {valid}.']}
    ticket.refresh_from_db()
    assert ticket.status == "open"


def test_a_status_change_the_lifecycle_refuses_says_where_the_ticket_can_go(api, ticket):
    response = api.patch(detail(ticket.pk), {"status": "completed"}, format="json")
    assert response.status_code == 400
    assert response.json() == {
        "status": ["A ticket cannot go from open to completed: from open it can only go to in_progress or cancelled."]
    }
    ticket.refresh_from_db()
    assert (ticket.status, ticket.completed_at) == ("open", None)


def test_add_part_defaults_to_one_and_accepts_a_quantity(api, ticket, part):
    assert api.put(action("add-part", ticket.pk, part.pk)).json()["parts"][0]["quantity"] == 1
    body = api.put(action("add-part", ticket.pk, part.pk), {"quantity": 4}, format="json").json()
    assert body["parts"][0]["quantity"] == 5
    part.refresh_from_db()
    assert part.quantity_in_stock == 5


@pytest.mark.parametrize("quantity", [0, -1, 1001, "two", "2", True, 1.5, None])
def test_add_part_quantity_must_be_1_to_1000(api, ticket, part, quantity):
    response = api.put(action("add-part", ticket.pk, part.pk), {"quantity": quantity}, format="json")
    assert response.status_code == 400
    assert "quantity" in response.json()
    part.refresh_from_db()
    assert part.quantity_in_stock == 10


def test_add_part_without_enough_stock_is_409(api, ticket, part):
    response = api.put(action("add-part", ticket.pk, part.pk), {"quantity": 11}, format="json")
    assert response.status_code == 409
    assert "Not enough Oil filter" in response.json()["detail"]
    part.refresh_from_db()
    assert part.quantity_in_stock == 10
    assert not TicketPart.objects.exists()


def test_remove_part_default_all_and_partial(api, ticket, part):
    api.put(action("add-part", ticket.pk, part.pk), {"quantity": 5}, format="json")
    body = api.put(action("remove-part", ticket.pk, part.pk), {"quantity": 2}, format="json").json()
    assert body["parts"][0]["quantity"] == 3
    assert api.put(action("remove-part", ticket.pk, part.pk)).json()["parts"] == []
    part.refresh_from_db()
    assert part.quantity_in_stock == 10


def test_remove_more_than_on_ticket_is_400_and_not_on_ticket_is_404(api, ticket, part):
    assert api.put(action("remove-part", ticket.pk, part.pk)).status_code == 404
    api.put(action("add-part", ticket.pk, part.pk), {"quantity": 2}, format="json")
    response = api.put(action("remove-part", ticket.pk, part.pk), {"quantity": 3}, format="json")
    assert response.status_code == 400
    assert "quantity" in response.json()
    assert TicketPart.objects.get().quantity == 2


@pytest.mark.parametrize("status", ["completed", "cancelled"])
def test_closed_ticket_answers_409_to_every_mechanic_and_part_action(api, ticket, mechanic, part, status):
    if status == "completed":
        ticket_set_status(ticket=ticket, status="in_progress")
    ticket_set_status(ticket=ticket, status=status)
    urls = [
        (action("edit", ticket.pk), {}),
        (action("assign-mechanic", ticket.pk, mechanic.pk), None),
        (action("remove-mechanic", ticket.pk, mechanic.pk), None),
        (action("add-part", ticket.pk, part.pk), None),
        (action("remove-part", ticket.pk, part.pk), None),
    ]
    for url, body in urls:
        response = api.put(url, body, format="json")
        assert response.status_code == 409, url
        assert status in response.json()["detail"]
    part.refresh_from_db()
    assert part.quantity_in_stock == 10


def test_unknown_ids_in_paths_are_404(api, ticket, mechanic, part):
    assert api.get(detail(99999)).status_code == 404
    for url in (
        action("add-part", 99999, part.pk),
        action("add-part", ticket.pk, 99999),
        action("remove-part", ticket.pk, 99999),
        action("assign-mechanic", ticket.pk, 99999),
        action("remove-mechanic", ticket.pk, 99999),
        action("edit", 99999),
    ):
        response = api.put(url, {}, format="json")
        assert response.status_code == 404, url
        assert "detail" in response.json()


def test_trailing_slash_optional_on_actions(api, ticket, part):
    url = action("add-part", ticket.pk, part.pk)
    assert api.put(url.rstrip("/")).status_code == 200
    assert api.put(url.rstrip("/") + "/").status_code == 200
    part.refresh_from_db()
    assert part.quantity_in_stock == 8


@pytest.fixture
def part_near_the_limit(api, ticket, part):
    """Five of `part` on `ticket`; meanwhile a restock filled the shelf to one below the most a part can hold."""
    api.put(action("add-part", ticket.pk, part.pk), {"quantity": 5}, format="json")
    Part.objects.filter(pk=part.pk).update(quantity_in_stock=MAX_STOCK - 1)
    return part


def giving_back_refused(ticket, part, response, quantity=5):
    assert response.status_code == 409
    assert response.json() == {
        "detail": f"Giving {quantity} Oil filter back to stock would take it from 999,999,999 past the most a part "
        "can hold (1,000,000,000); nothing changed."
    }
    part.refresh_from_db()
    assert part.quantity_in_stock == MAX_STOCK - 1
    assert list(ticket.lines.values_list("part_id", "quantity")) == [(part.pk, 5)]
    ticket.refresh_from_db()
    assert ticket.status == "open"


def test_remove_part_past_the_stock_limit_is_409_and_changes_nothing(api, ticket, part_near_the_limit):
    url = action("remove-part", ticket.pk, part_near_the_limit.pk)
    response = api.put(url, {"quantity": 2}, format="json")
    giving_back_refused(ticket, part_near_the_limit, response, quantity=2)
    assert api.put(url, {"quantity": 1}, format="json").status_code == 200  # exactly up to the limit
    part_near_the_limit.refresh_from_db()
    assert part_near_the_limit.quantity_in_stock == MAX_STOCK


def test_cancel_past_the_stock_limit_is_409_and_changes_nothing(api, ticket, part_near_the_limit):
    response = api.patch(detail(ticket.pk), {"status": "cancelled"}, format="json")
    giving_back_refused(ticket, part_near_the_limit, response)


def test_delete_past_the_stock_limit_is_409_and_changes_nothing(api, ticket, part_near_the_limit):
    response = api.delete(detail(ticket.pk))
    giving_back_refused(ticket, part_near_the_limit, response)
    assert ServiceTicket.objects.filter(pk=ticket.pk).exists()
