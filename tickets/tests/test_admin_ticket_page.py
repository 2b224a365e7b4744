"""The ticket's admin page: part lines, status and mechanics through the services; one save is all or nothing."""

from decimal import Decimal

import pytest
from model_bakery import baker

from inventory.models import Part
from mechanic_shop.core.exceptions import Conflict
from mechanics.models import Mechanic
from tickets import admin as ticket_admin
from tickets.models import ServiceTicket
from tickets.services import ticket_add_part, ticket_remove_part, ticket_set_status
from tickets.tests.admin_pages import change_url, form_errors, page_data, post_page, shown_messages

pytestmark = pytest.mark.django_db

SAVED = "was changed successfully"


@pytest.fixture
def pads():
    return baker.make(Part, name="Brake pad set", price=Decimal("54.00"), quantity_in_stock=10)


@pytest.fixture
def rotor():
    return baker.make(Part, name="Rotor", price=Decimal("80.00"), quantity_in_stock=3)


@pytest.fixture
def mo(make_mechanic):
    return make_mechanic(name="Moriarty Wrench")


@pytest.fixture
def ticket(make_ticket, mo, pads):
    return make_ticket(mechanics=[mo], parts=[(pads, 2)], description="Brakes")


def _stock(part) -> int:
    part.refresh_from_db()
    return part.quantity_in_stock


def _lines(ticket) -> dict[str, int]:
    return dict(ticket.lines.values_list("part__name", "quantity"))


def _assert_saved(response):
    assert response.status_code == 302, form_errors(response) if response.status_code == 200 else response
    assert any(SAVED in text for _level, text in shown_messages(response))


def _assert_refused(response, error: str):
    """Shown again (200) with the error, and no success message beside it."""
    assert response.status_code == 200
    assert any(error in text for text in form_errors(response)), form_errors(response)
    assert error in response.content.decode()
    assert not any(level == "success" for level, _text in shown_messages(response))


# --- Part lines ----------------------------------------------------------------------------------------------------


def test_a_part_line_added_on_the_page_takes_stock(admin_client, ticket, rotor):
    response = post_page(admin_client, ticket, {"lines-1-part": str(rotor.pk), "lines-1-quantity": "2"})
    _assert_saved(response)
    assert _lines(ticket) == {"Brake pad set": 2, "Rotor": 2}
    assert ticket.lines.get(part=rotor).unit_price == Decimal("80.00")
    assert _stock(rotor) == 1


def test_raising_a_line_takes_the_difference_from_stock(admin_client, ticket, pads):
    _assert_saved(post_page(admin_client, ticket, {"lines-0-quantity": "5"}))
    assert _lines(ticket) == {"Brake pad set": 5}
    assert _stock(pads) == 5


def test_lowering_a_line_gives_the_difference_back(admin_client, ticket, pads):
    _assert_saved(post_page(admin_client, ticket, {"lines-0-quantity": "1"}))
    assert _lines(ticket) == {"Brake pad set": 1}
    assert _stock(pads) == 9


def test_removing_a_line_gives_all_of_it_back(admin_client, ticket, pads):
    _assert_saved(post_page(admin_client, ticket, {"lines-0-DELETE": "on"}))
    assert _lines(ticket) == {}
    assert _stock(pads) == 10


def test_a_quantity_change_moves_the_difference_from_what_the_page_showed(admin_client, ticket, pads):
    opened = admin_client.get(change_url(ticket))
    ticket_add_part(ticket=ticket, part=pads, quantity=1)  # the API, while the page is open: 3 on the ticket
    _assert_saved(post_page(admin_client, ticket, {"lines-0-quantity": "4"}, opened=opened))  # shown 2, typed 4
    assert _lines(ticket) == {"Brake pad set": 5}
    assert _stock(pads) == 5


def test_a_part_already_on_the_ticket_is_changed_on_its_line(admin_client, ticket, pads):
    response = post_page(admin_client, ticket, {"lines-1-part": str(pads.pk), "lines-1-quantity": "1"})
    _assert_refused(response, "Brake pad set is already on this ticket")
    assert _lines(ticket) == {"Brake pad set": 2}
    assert _stock(pads) == 8


def test_more_than_in_stock_is_refused_on_the_line_and_nothing_is_saved(admin_client, ticket, pads, make_mechanic):
    newcomer = make_mechanic()
    changes = {
        "description": "Brakes, front and back",
        "assigned_mechanics": [str(m.pk) for m in (*ticket.mechanics.all(), newcomer)],
        "lines-0-quantity": "11",  # 9 more asked, 8 left
    }
    response = post_page(admin_client, ticket, changes)
    _assert_refused(response, "Not enough Brake pad set in stock: 9 asked, 8 left.")
    line_errors = response.context["inline_admin_formsets"][0].formset.forms[0].errors
    assert "quantity" in line_errors
    assert 'value="11"' in response.content.decode()  # what was typed stays on the page
    ticket.refresh_from_db()
    assert ticket.description == "Brakes"
    assert set(ticket.mechanics.all()) == {Mechanic.objects.get(name="Moriarty Wrench")}
    assert _lines(ticket) == {"Brake pad set": 2}
    assert _stock(pads) == 8


@pytest.mark.parametrize(
    ("changes", "error"),
    [
        ({"lines-0-quantity": "0"}, "greater than or equal to 1"),
        ({"lines-0-quantity": "1003"}, "At most 1000 can be added at once."),
        ({"lines-1-part": "{rotor}", "lines-1-quantity": "1001"}, "At most 1000 can be added at once."),
        ({"lines-1-part": "{rotor}", "lines-1-quantity": "-1"}, "greater than or equal to 1"),
    ],
)
def test_quantities_out_of_range_are_refused(admin_client, ticket, pads, rotor, changes, error):
    pads.quantity_in_stock = 5000
    pads.save()
    changes = {name: value.format(rotor=rotor.pk) for name, value in changes.items()}
    _assert_refused(post_page(admin_client, ticket, changes), error)
    assert _lines(ticket) == {"Brake pad set": 2}
    assert (_stock(pads), _stock(rotor)) == (5000, 3)


def test_a_refusal_only_the_service_sees_rolls_back_the_whole_save(admin_client, ticket, pads, rotor, monkeypatch):
    """Stock taken by someone else between the form's check and the service: every change of that save goes."""
    real_add_part = ticket_admin.ticket_add_part

    def add_part_after_a_race(*, ticket, part, quantity, by=None):
        if part == rotor:
            Part.objects.filter(pk=rotor.pk).update(quantity_in_stock=0)
        return real_add_part(ticket=ticket, part=part, quantity=quantity, by=by)

    monkeypatch.setattr(ticket_admin, "ticket_add_part", add_part_after_a_race)
    changes = {
        "description": "Brakes and rotors",
        "labor_cost": "90.00",
        "lines-0-quantity": "4",  # taken first: must be given back with the rest
        "lines-1-part": str(rotor.pk),
        "lines-1-quantity": "2",
    }
    response = post_page(admin_client, ticket, changes)
    _assert_refused(response, "Not enough Rotor in stock: 2 asked, 0 left.")
    assert "Brakes and rotors" in response.content.decode()
    ticket.refresh_from_db()
    assert (ticket.description, ticket.labor_cost) == ("Brakes", Decimal("0.00"))
    assert _lines(ticket) == {"Brake pad set": 2}
    assert (_stock(pads), _stock(rotor)) == (8, 3)  # the race's own change went with the rollback too


def test_lowering_more_than_is_left_on_the_line_is_refused_by_the_service(admin_client, make_ticket, pads):
    ticket = make_ticket(parts=[(pads, 5)])
    opened = admin_client.get(change_url(ticket))
    ticket_remove_part(ticket=ticket, part=pads, quantity=3)  # the API, while the page shows 5
    response = post_page(admin_client, ticket, {"lines-0-quantity": "1", "labor_cost": "9.00"}, opened=opened)
    _assert_refused(response, "Only 2 of Brake pad set are on this ticket; cannot remove 4.")
    assert "quantity" in response.context["inline_admin_formsets"][0].formset.forms[0].errors
    ticket.refresh_from_db()
    assert ticket.labor_cost == Decimal("0.00")
    assert _lines(ticket) == {"Brake pad set": 2}
    assert _stock(pads) == 8


def test_a_line_removed_meanwhile_is_refused_for_the_whole_inline(admin_client, ticket, pads, monkeypatch):
    real_remove_part = ticket_admin.ticket_remove_part

    def removed_first(*, ticket, part, quantity=None, by=None):
        real_remove_part(ticket=ticket, part=part)  # another request took the line off after the form's check
        return real_remove_part(ticket=ticket, part=part, quantity=quantity, by=by)

    monkeypatch.setattr(ticket_admin, "ticket_remove_part", removed_first)
    response = post_page(admin_client, ticket, {"lines-0-DELETE": "on", "description": "Gone"})
    _assert_refused(response, f"Part {pads.pk} is not on ticket #{ticket.pk}.")
    assert response.context["inline_admin_formsets"][0].formset.non_form_errors()
    ticket.refresh_from_db()
    assert ticket.description == "Brakes"
    assert _lines(ticket) == {"Brake pad set": 2}
    assert _stock(pads) == 8


def test_a_ticket_closed_while_the_page_was_open_saves_nothing(admin_client, ticket, pads):
    opened = admin_client.get(change_url(ticket))
    ticket_set_status(ticket=ticket, status="cancelled")  # the API: parts go back to stock
    response = post_page(admin_client, ticket, {"description": "More", "lines-0-quantity": "3"}, opened=opened)
    _assert_refused(response, "This ticket became cancelled while the page was open, so nothing was saved")
    ticket.refresh_from_db()
    assert ticket.description == "Brakes"
    assert _lines(ticket) == {}
    assert _stock(pads) == 10


def test_a_closed_ticket_shows_its_lines_and_mechanics_read_only(admin_client, make_ticket, mo, pads):
    ticket = make_ticket(mechanics=[mo], parts=[(pads, 2)], status="completed")
    page = admin_client.get(change_url(ticket)).content.decode()
    assert "Brake pad set" in page
    assert "Moriarty Wrench" in page
    assert 'name="lines-0-quantity"' not in page
    assert 'name="assigned_mechanics"' not in page
    _assert_saved(post_page(admin_client, ticket, {"pickup_date": "2026-01-05"}))
    ticket.refresh_from_db()
    assert str(ticket.pickup_date) == "2026-01-05"
    assert _lines(ticket) == {"Brake pad set": 2}


def test_lines_added_when_a_ticket_is_created(admin_client, customer, pads, mo):
    url = "/admin/tickets/serviceticket/add/"
    data = page_data(admin_client.get(url)) | {
        "customer": str(customer.pk),
        "vin": "1hgcm82633a004352",
        "service_date": "2026-02-01",
        "description": "Noise",
        "labor_cost": "0",
        "assigned_mechanics": [str(mo.pk)],
        "lines-0-part": str(pads.pk),
        "lines-0-quantity": "3",
    }
    assert admin_client.post(url, data).status_code == 302
    ticket = ServiceTicket.objects.get(description="Noise")
    assert ticket.vin == "1HGCM82633A004352"
    assert list(ticket.mechanics.all()) == [mo]
    assert _lines(ticket) == {"Brake pad set": 3}
    assert _stock(pads) == 7


# --- Status --------------------------------------------------------------------------------------------------------


def _status_options(client, ticket) -> list[str]:
    form = client.get(change_url(ticket)).context["adminform"].form
    return [value for value, _label in form.fields["status"].widget.choices]


def test_status_offers_only_the_moves_the_lifecycle_allows(admin_client, make_ticket):
    assert _status_options(admin_client, make_ticket()) == ["open", "in_progress", "cancelled"]
    assert _status_options(admin_client, make_ticket(status="in_progress")) == [
        "in_progress",
        "completed",
        "cancelled",
    ]
    assert _status_options(admin_client, make_ticket(status="completed")) == ["completed"]


def test_status_moves_on_the_page_through_the_service(admin_client, ticket, mo):
    _assert_saved(post_page(admin_client, ticket, {"status": "in_progress"}))
    _assert_saved(post_page(admin_client, ticket, {"status": "completed", "labor_cost": "40.00"}))
    ticket.refresh_from_db()
    assert (ticket.status, ticket.labor_cost) == ("completed", Decimal("40.00"))
    assert ticket.completed_at is not None
    mo.refresh_from_db()
    assert mo.completed_ticket_count == 1


def test_a_move_the_lifecycle_forbids_is_refused(admin_client, ticket):
    response = post_page(admin_client, ticket, {"status": "completed", "description": "Done?"})
    _assert_refused(response, "A ticket cannot go from open to completed.")
    ticket.refresh_from_db()
    assert (ticket.status, ticket.description) == ("open", "Brakes")


def test_cancelling_on_the_page_gives_the_parts_back(admin_client, ticket, pads):
    _assert_saved(post_page(admin_client, ticket, {"status": "cancelled"}))
    ticket.refresh_from_db()
    assert ticket.status == "cancelled"
    assert _lines(ticket) == {}
    assert _stock(pads) == 10


def test_a_status_left_as_shown_is_no_move_when_the_ticket_moved_meanwhile(admin_client, ticket):
    opened = admin_client.get(change_url(ticket))
    ticket_set_status(ticket=ticket, status="in_progress")  # the API, while the page shows "open"
    _assert_saved(post_page(admin_client, ticket, {"description": "Brakes, checked"}, opened=opened))
    ticket.refresh_from_db()
    assert (ticket.status, ticket.description) == ("in_progress", "Brakes, checked")


def test_a_status_move_refused_by_the_service_rolls_back_the_lines(admin_client, ticket, pads, monkeypatch):
    def refuse(*, ticket, status, by=None):
        raise Conflict("Refused for the test.")

    monkeypatch.setattr(ticket_admin, "ticket_set_status", refuse)
    response = post_page(admin_client, ticket, {"status": "in_progress", "lines-0-quantity": "3"})
    _assert_refused(response, "Refused for the test.")
    assert "status" in response.context["adminform"].form.errors
    assert _lines(ticket) == {"Brake pad set": 2}
    assert _stock(pads) == 8


# --- Mechanics -----------------------------------------------------------------------------------------------------


def _picker(client, ticket) -> dict[int, str]:
    form = client.get(change_url(ticket)).context["adminform"].form
    field = form.fields["assigned_mechanics"]
    return {m.pk: field.label_from_instance(m) for m in field.queryset}


def test_the_picker_offers_active_mechanics_and_keeps_a_retired_one_on_the_ticket(
    admin_client, make_ticket, make_mechanic
):
    active = make_mechanic(name="Ada Active")
    retired_on_ticket = make_mechanic(name="Rita Retired")
    make_mechanic(name="Otto Other", is_active=False)
    ticket = make_ticket(mechanics=[retired_on_ticket])
    Mechanic.objects.filter(pk=retired_on_ticket.pk).update(is_active=False)
    assert _picker(admin_client, ticket) == {active.pk: "Ada Active", retired_on_ticket.pk: "Rita Retired (inactive)"}
    _assert_saved(post_page(admin_client, ticket, {"description": "Kept"}))
    assert list(ticket.mechanics.all()) == [retired_on_ticket]


def test_an_inactive_mechanic_picked_is_refused_and_nothing_is_saved(admin_client, ticket, make_mechanic):
    retired = make_mechanic(is_active=False)
    changes = {"assigned_mechanics": [str(m.pk) for m in (*ticket.mechanics.all(), retired)], "description": "X"}
    response = post_page(admin_client, ticket, changes)
    _assert_refused(response, "Select a valid choice")
    ticket.refresh_from_db()
    assert ticket.description == "Brakes"
    assert retired not in ticket.mechanics.all()


def test_a_mechanic_retired_while_the_page_was_open_is_refused_by_the_service(
    admin_client, ticket, make_mechanic, monkeypatch
):
    newcomer = make_mechanic()
    real_edit = ticket_admin.ticket_edit_mechanics

    def retire_first(**kwargs):
        # Retired after the form checked the picker's choices, before the service assigns.
        Mechanic.objects.filter(pk=newcomer.pk).update(is_active=False)
        return real_edit(**kwargs)

    monkeypatch.setattr(ticket_admin, "ticket_edit_mechanics", retire_first)
    changes = {"assigned_mechanics": [str(m.pk) for m in (*ticket.mechanics.all(), newcomer)], "description": "Two"}
    response = post_page(admin_client, ticket, changes)
    _assert_refused(response, f"Inactive mechanic id(s) cannot be assigned: {newcomer.pk}.")
    assert "assigned_mechanics" in response.context["adminform"].form.errors
    ticket.refresh_from_db()
    assert ticket.description == "Brakes"
    assert newcomer not in ticket.mechanics.all()


def test_mechanics_change_on_the_page(admin_client, ticket, mo, make_mechanic):
    newcomer = make_mechanic()
    _assert_saved(post_page(admin_client, ticket, {"assigned_mechanics": [str(newcomer.pk)]}))
    assert list(ticket.mechanics.all()) == [newcomer]


def test_mechanics_show_once_on_the_page(admin_client, ticket):
    page = admin_client.get(change_url(ticket)).content.decode()
    # Once in the picker; the labor lines (a new line, and the template for another) offer the ticket's mechanics.
    labor = page[page.index('id="labor_lines-group"') : page.index('id="time_entries-group"')]
    assert page.count("Moriarty Wrench") - labor.count("Moriarty Wrench") == 1
    assert "Mechanics on this ticket" not in page


# --- Totals --------------------------------------------------------------------------------------------------------


def test_the_page_shows_parts_total_labor_and_total(admin_client, make_ticket, pads, rotor):
    ticket = make_ticket(parts=[(pads, 2), rotor], labor_cost=Decimal("45.50"))
    response = admin_client.get(change_url(ticket))
    page = response.content.decode()
    for label, value in (("Parts total", "188.00"), ("Labor cost", "45.50"), ("Total cost", "233.50")):
        assert label in page
        assert value in page
