"""Labor lines and the time clock on the ticket's admin page: lines through the ticket services, one save all or
nothing; the clock read only, on the page and in its own list."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.test import Client, override_settings
from django.utils import timezone
from model_bakery import baker

from inventory.models import Part
from tickets.models import LaborLine, TimeEntry
from tickets.services import (
    clock_in,
    clock_out,
    ticket_add_labor_line,
    ticket_change_labor_line,
    ticket_set_status,
)
from tickets.tests.admin_pages import change_url, form_errors, page_data, post_page, role_client, shown_messages

pytestmark = pytest.mark.django_db

SAVED = "was changed successfully"
ENTRIES = "/admin/tickets/timeentry/"


@pytest.fixture
def mo(make_mechanic):
    return make_mechanic(name="Moriarty Wrench")


@pytest.fixture
def al(make_mechanic):
    return make_mechanic(name="Alma Torque")


@pytest.fixture
def ticket(make_ticket, mo):
    made = make_ticket(mechanics=[mo], description="Brakes")
    ticket_add_labor_line(ticket=made, description="Pads", hours=Decimal("1.50"), rate=Decimal("100.00"),
                          mechanic_id=mo.pk)  # fmt: skip
    return made


def _labor(ticket) -> list[tuple]:
    return list(ticket.labor_lines.order_by("id").values_list("description", "hours", "rate", "mechanic_id"))


def _assert_saved(response):
    assert response.status_code == 302, form_errors(response) if response.status_code == 200 else response
    assert any(SAVED in text for _level, text in shown_messages(response))


def _assert_refused(response, error: str):
    assert response.status_code == 200
    assert any(error in text for text in form_errors(response)), form_errors(response)
    assert error in response.content.decode()
    assert not any(level == "success" for level, _text in shown_messages(response))


def _labor_formset(response):
    [formset] = [f.formset for f in response.context["inline_admin_formsets"] if f.formset.model is LaborLine]
    return formset


def test_a_labor_line_added_on_the_page_defaults_to_the_shop_rate(admin_client, ticket, mo):
    response = post_page(admin_client, ticket, {"labor_lines-1-description": "Bleed brakes",
                                                "labor_lines-1-hours": "0.75"})  # fmt: skip
    _assert_saved(response)
    assert _labor(ticket) == [
        ("Pads", Decimal("1.50"), Decimal("100.00"), mo.pk),
        ("Bleed brakes", Decimal("0.75"), Decimal("120.00"), None),
    ]


@override_settings(LABOR_RATE=Decimal("95.50"))
def test_an_emptied_rate_is_the_shop_rate(admin_client, ticket, mo):
    page = admin_client.get(change_url(ticket))
    assert _labor_formset(page).forms[1]["rate"].value() == Decimal("95.50")  # a new line offers it
    changes = {"labor_lines-1-description": "Flush", "labor_lines-1-hours": "1", "labor_lines-1-rate": ""}
    _assert_saved(post_page(admin_client, ticket, changes, opened=page))
    assert ticket.labor_lines.get(description="Flush").rate == Decimal("95.50")


def test_a_changed_line_writes_only_what_changed_on_the_page(admin_client, ticket, mo):
    opened = admin_client.get(change_url(ticket))
    line = ticket.labor_lines.get()
    ticket_change_labor_line(ticket=ticket, line_id=line.pk, rate=Decimal("130.00"))  # the API, meanwhile
    _assert_saved(post_page(admin_client, ticket, {"labor_lines-0-hours": "2.25"}, opened=opened))
    assert _labor(ticket) == [("Pads", Decimal("2.25"), Decimal("130.00"), mo.pk)]  # the other change is kept


def test_a_line_removed_on_the_page(admin_client, ticket):
    _assert_saved(post_page(admin_client, ticket, {"labor_lines-0-DELETE": "on"}))
    assert _labor(ticket) == []


def _mechanic_choices(response, form: int) -> list[int]:
    return [m.pk for m in _labor_formset(response).forms[form].fields["mechanic"].queryset]


def test_the_line_mechanic_is_one_of_the_ticket_s(admin_client, ticket, mo, al):
    page = admin_client.get(change_url(ticket))
    assert _mechanic_choices(page, 0) == _mechanic_choices(page, 1) == [mo.pk]
    changes = {"description": "Brakes again", "labor_lines-0-hours": "3.00", "labor_lines-1-description": "Test drive",
               "labor_lines-1-hours": "0.50", "labor_lines-1-mechanic": str(al.pk)}  # fmt: skip
    response = post_page(admin_client, ticket, changes, opened=page)
    assert response.status_code == 200
    assert "mechanic" in _labor_formset(response).forms[1].errors
    ticket.refresh_from_db()
    assert ticket.description == "Brakes"
    assert [row[:2] for row in _labor(ticket)] == [("Pads", Decimal("1.50"))]


def test_a_line_given_a_mechanic_taken_off_in_the_same_save_saves_nothing(admin_client, ticket, mo, al):
    ticket.mechanic_links.create(mechanic=al)
    changes = {"assigned_mechanics": [str(mo.pk)], "labor_lines-0-hours": "3.00",
               "labor_lines-1-description": "Test drive", "labor_lines-1-hours": "0.50",
               "labor_lines-1-mechanic": str(al.pk)}  # fmt: skip
    response = post_page(admin_client, ticket, changes)
    _assert_refused(response, f"Mechanic {al.pk} is not assigned to ticket #{ticket.pk}: assign them first.")
    assert "mechanic" in _labor_formset(response).forms[1].errors
    assert set(ticket.mechanic_links.values_list("mechanic_id", flat=True)) == {mo.pk, al.pk}
    assert [row[:2] for row in _labor(ticket)] == [("Pads", Decimal("1.50"))]


def test_a_line_keeps_its_mechanic_taken_off_the_ticket_since(admin_client, ticket, mo, al):
    ticket.mechanic_links.create(mechanic=al)
    line = ticket.labor_lines.get()
    ticket_change_labor_line(ticket=ticket, line_id=line.pk, mechanic_id=al.pk)
    ticket.mechanic_links.filter(mechanic=al).delete()
    page = admin_client.get(change_url(ticket))
    assert _mechanic_choices(page, 0) == [al.pk, mo.pk]  # by name: Alma, Moriarty
    _assert_saved(post_page(admin_client, ticket, {"labor_lines-0-hours": "2.00"}, opened=page))
    assert _labor(ticket) == [("Pads", Decimal("2.00"), Decimal("100.00"), al.pk)]


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"labor_lines-0-hours": "0"}, "hours"),
        ({"labor_lines-0-hours": "100"}, "hours"),
        ({"labor_lines-0-hours": "1.234"}, "hours"),
        ({"labor_lines-0-rate": "-1"}, "rate"),
        ({"labor_lines-0-description": ""}, "description"),
        ({"labor_lines-0-description": "x" * 201}, "description"),
    ],
)
def test_labor_out_of_range_is_refused_on_its_field(admin_client, ticket, changes, field):
    response = post_page(admin_client, ticket, changes | {"description": "Changed"})
    assert response.status_code == 200
    assert field in _labor_formset(response).forms[0].errors
    ticket.refresh_from_db()
    assert ticket.description == "Brakes"
    assert [row[:3] for row in _labor(ticket)] == [("Pads", Decimal("1.50"), Decimal("100.00"))]


def test_a_line_removed_meanwhile_and_removed_on_the_page_too_is_gone(admin_client, ticket):
    opened = admin_client.get(change_url(ticket))
    LaborLine.objects.filter(ticket=ticket).delete()  # another request took it off after the page was opened
    changes = {"labor_lines-0-DELETE": "on", "description": "Gone"}
    _assert_saved(post_page(admin_client, ticket, changes, opened=opened))
    ticket.refresh_from_db()
    assert ticket.description == "Gone"
    assert _labor(ticket) == []


def test_a_line_removed_meanwhile_and_changed_on_the_page_saves_nothing(admin_client, ticket):
    opened = admin_client.get(change_url(ticket))
    LaborLine.objects.filter(ticket=ticket).delete()
    changes = {"labor_lines-0-hours": "4.00", "description": "Changed"}
    response = post_page(admin_client, ticket, changes, opened=opened)
    assert response.status_code == 200
    assert _labor_formset(response).forms[0].errors
    ticket.refresh_from_db()
    assert ticket.description == "Brakes"
    assert _labor(ticket) == []  # not added back as a new line


def test_lines_and_a_completion_in_one_save(admin_client, ticket, mo):
    _assert_saved(post_page(admin_client, ticket, {"status": "in_progress"}))
    # The page moves the status last, so the line added in the same save is on the completed ticket.
    changes = {"status": "completed", "labor_lines-1-description": "Road test", "labor_lines-1-hours": "0.25"}
    _assert_saved(post_page(admin_client, ticket, changes))
    ticket.refresh_from_db()
    assert ticket.status == "completed"
    assert [row[0] for row in _labor(ticket)] == ["Pads", "Road test"]


def test_a_closed_ticket_shows_its_labor_and_clock_read_only(admin_client, make_ticket, mo):
    ticket = make_ticket(mechanics=[mo], status="in_progress")
    ticket_add_labor_line(ticket=ticket, description="Diagnose", hours=Decimal("1.00"), mechanic_id=mo.pk)
    clock_in(ticket=ticket, mechanic=mo)
    clock_out(ticket=ticket, mechanic=mo)
    ticket_set_status(ticket=ticket, status="completed")
    page = admin_client.get(change_url(ticket)).content.decode()
    assert "Diagnose" in page
    assert 'name="labor_lines-0-hours"' not in page
    assert "Time clock" in page
    assert "Billed hours" in page
    assert "Clocked hours" in page


def test_the_page_shows_billed_and_clocked_hours_and_the_clock(admin_client, ticket, mo):
    started = timezone.now() - timedelta(hours=2)
    entry = TimeEntry(ticket=ticket, mechanic=mo, started_at=started)
    entry.end(started + timedelta(minutes=90))
    entry.save()
    TimeEntry.objects.create(ticket=ticket, mechanic=mo, started_at=timezone.now())  # clocked in now
    response = admin_client.get(change_url(ticket))
    page = response.content.decode()
    admin_form = response.context["adminform"]
    shown = {f.field["name"]: f.contents() for line in admin_form for row in line for f in row if f.is_readonly}
    assert shown["billed_hours"] == "1.50"
    assert shown["clocked_hours"] == "1.50"
    assert "Moriarty Wrench" in page
    assert "clocked in" in page
    assert 'name="time_entries-0-started_at"' not in page  # read only


def test_without_view_mechanic_the_clock_and_labor_show_ids_only(make_staff, ticket, mo):
    user = make_staff("tickets.view_serviceticket")
    client = Client()
    client.force_login(user)
    clock_in(ticket=ticket, mechanic=mo)
    page = client.get(change_url(ticket)).content.decode()
    assert "Moriarty Wrench" not in page
    assert f"Mechanic #{mo.pk}" in page
    listing = client.get(ENTRIES).content.decode()
    assert "Moriarty Wrench" not in listing
    assert f"Mechanic #{mo.pk}" in listing
    assert client.get(ENTRIES, {"mechanic__name__startswith": "Mo"}).status_code == 400


def test_a_front_desk_user_edits_labor_lines(make_staff, ticket, mo):
    client = role_client(make_staff, "Front desk")
    response = client.get(change_url(ticket))
    assert response.status_code == 200
    data = page_data(response) | {"labor_lines-0-hours": "2.00"}
    assert client.post(change_url(ticket), data).status_code == 302
    assert ticket.labor_lines.get().hours == Decimal("2.00")


def test_the_time_clock_list_is_read_only_and_filters_who_is_clocked_in(admin_client, ticket, mo, al, make_ticket):
    other = make_ticket(mechanics=[al], vin=None, vehicle=ticket.vehicle)
    clock_in(ticket=ticket, mechanic=mo)
    clock_out(ticket=ticket, mechanic=mo)
    clock_in(ticket=other, mechanic=al)
    listing = admin_client.get(ENTRIES, {"ended_at__isempty": "1"})
    assert listing.status_code == 200
    assert [entry.mechanic_id for entry in listing.context["cl"].result_list] == [al.pk]
    assert admin_client.get(f"{ENTRIES}add/").status_code == 403
    entry = TimeEntry.objects.get(mechanic=mo)
    page = admin_client.get(f"{ENTRIES}{entry.pk}/change/")
    assert page.status_code == 200
    assert b'name="started_at"' not in page.content
    assert admin_client.post(f"{ENTRIES}{entry.pk}/delete/", {"post": "yes"}).status_code == 403
    assert TimeEntry.objects.count() == 2


def test_without_ticket_view_no_time_clock(make_staff):
    user = make_staff("inventory.view_part")
    client = Client()
    client.force_login(user)
    assert client.get(ENTRIES).status_code == 403
    baker.make(Part)  # the user's own part of the admin still answers
    assert client.get("/admin/inventory/part/").status_code == 200
