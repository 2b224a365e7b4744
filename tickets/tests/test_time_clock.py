"""The time clock: clock-in and clock-out through the services and the API, time entries, clocked_hours, and what a
mechanic's phone reads from /mechanics/my-tickets."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from mechanic_shop.core.exceptions import Conflict
from tickets.models import ServiceTicket, TimeEntry
from tickets.representations import ticket_representation
from tickets.serializers import ServiceTicketSerializer
from tickets.services import clock_in, clock_out, ticket_set_status, ticket_update

pytestmark = pytest.mark.django_db


@pytest.fixture
def mo(make_mechanic):
    return make_mechanic(name="Mo")


@pytest.fixture
def ticket(make_ticket, mo):
    return make_ticket(mechanics=[mo])


def clock_url(name: str, ticket: ServiceTicket) -> str:
    return reverse(f"ticket-clock-{name}", kwargs={"ticket_id": ticket.pk})


def entries_url(ticket: ServiceTicket) -> str:
    return reverse("ticket-time-entries-list", kwargs={"ticket_id": ticket.pk})


def entry(ticket, mechanic, minutes_ago: int, minutes: int | None) -> TimeEntry:
    made = TimeEntry(ticket=ticket, mechanic=mechanic, started_at=timezone.now() - timedelta(minutes=minutes_ago))
    if minutes is not None:
        made.end(made.started_at + timedelta(minutes=minutes))
    made.save()
    return made


# --- services ------------------------------------------------------------------------------------------------------


def test_clock_in_opens_an_entry_and_starts_an_open_ticket(ticket, mo):
    created = clock_in(ticket=ticket, mechanic=mo)
    ticket.refresh_from_db()
    assert ticket.status == "in_progress"
    assert list(TimeEntry.objects.values_list("pk", "ticket_id", "mechanic_id", "ended_at")) == [
        (created.pk, ticket.pk, mo.pk, None)
    ]


def test_clock_in_while_clocked_in_anywhere_is_409_naming_the_ticket(make_ticket, ticket, mo):
    other = make_ticket(mechanics=[mo])
    clock_in(ticket=ticket, mechanic=mo)
    with pytest.raises(Conflict, match=f"ticket #{ticket.pk}"):
        clock_in(ticket=other, mechanic=mo)
    with pytest.raises(Conflict, match=f"ticket #{ticket.pk}"):
        clock_in(ticket=ticket, mechanic=mo)
    assert TimeEntry.objects.filter(mechanic=mo).count() == 1
    other.refresh_from_db()
    assert other.status == "open"  # nothing half-applied


def test_clock_in_needs_the_mechanic_assigned(make_mechanic, ticket):
    stranger = make_mechanic()
    with pytest.raises(ValidationError) as error:
        clock_in(ticket=ticket, mechanic=stranger)
    assert "mechanic_id" in error.value.message_dict
    assert not TimeEntry.objects.exists()
    ticket.refresh_from_db()
    assert ticket.status == "open"


@pytest.mark.parametrize("status", ["completed", "cancelled"])
def test_closed_tickets_refuse_every_clock_change(make_ticket, mo, status):
    closed = make_ticket(mechanics=[mo], status=status)
    with pytest.raises(Conflict, match=status):
        clock_in(ticket=closed, mechanic=mo)
    with pytest.raises(Conflict, match=status):
        clock_out(ticket=closed, mechanic=mo)
    assert not TimeEntry.objects.exists()


def test_clock_out_ends_the_entry_and_without_one_is_409(ticket, mo):
    with pytest.raises(Conflict, match="not clocked in"):
        clock_out(ticket=ticket, mechanic=mo)
    started = clock_in(ticket=ticket, mechanic=mo)
    ended = clock_out(ticket=ticket, mechanic=mo)
    assert ended.pk == started.pk
    started.refresh_from_db()
    assert started.ended_at is not None
    assert started.ended_at >= started.started_at
    with pytest.raises(Conflict, match="not clocked in"):
        clock_out(ticket=ticket, mechanic=mo)


def test_clock_out_stores_the_whole_seconds_clocked(ticket, mo, monkeypatch):
    started = clock_in(ticket=ticket, mechanic=mo)
    later = started.started_at + timedelta(hours=1, minutes=2, seconds=3, microseconds=900_000)
    monkeypatch.setattr("tickets.services.timezone.now", lambda: later)
    clock_out(ticket=ticket, mechanic=mo)
    assert TimeEntry.objects.values_list("ended_at", "seconds").get() == (later, 3723)
    assert TimeEntry.objects.get().minutes == 62
    assert ServiceTicketSerializer(ServiceTicket.objects.get(pk=ticket.pk)).data["clocked_hours"] == "1.03"


def test_the_database_refuses_an_ended_entry_without_its_seconds(ticket, mo):
    with pytest.raises(IntegrityError), transaction.atomic():
        TimeEntry.objects.create(ticket=ticket, mechanic=mo, started_at=timezone.now(), ended_at=timezone.now())
    with pytest.raises(IntegrityError), transaction.atomic():
        TimeEntry.objects.create(ticket=ticket, mechanic=mo, started_at=timezone.now(), seconds=60)
    assert not TimeEntry.objects.exists()


def test_completing_a_ticket_ends_its_open_entries_at_that_moment(make_mechanic, make_ticket, mo):
    al = make_mechanic()
    ticket = make_ticket(mechanics=[mo, al])
    elsewhere = make_ticket(mechanics=[al])
    clock_in(ticket=ticket, mechanic=mo)
    clock_in(ticket=elsewhere, mechanic=al)
    ticket_set_status(ticket=ticket, status="completed")
    ticket.refresh_from_db()
    assert list(TimeEntry.objects.filter(ticket=ticket).values_list("ended_at", flat=True)) == [ticket.completed_at]
    [entry] = TimeEntry.objects.filter(ticket=ticket)
    assert entry.seconds == int((entry.ended_at - entry.started_at).total_seconds())
    assert TimeEntry.objects.get(ticket=elsewhere).ended_at is None  # another ticket's clock keeps running


def test_cancelling_a_ticket_by_update_ends_its_open_entries(ticket, mo):
    clock_in(ticket=ticket, mechanic=mo)
    ticket_update(ticket=ticket, status="cancelled")
    assert TimeEntry.objects.get().ended_at is not None
    assert ServiceTicket.objects.get(pk=ticket.pk).completed_at is None
    # The mechanic is free to clock in elsewhere.
    assert TimeEntry.objects.filter(mechanic=mo, ended_at__isnull=True).count() == 0


def test_clocked_hours_sums_ended_entries_in_both_representations(make_mechanic, ticket, mo):
    al = make_mechanic()
    ticket.mechanic_links.create(mechanic=al)
    entry(ticket, mo, 300, 90)
    entry(ticket, al, 200, 45)
    entry(ticket, mo, 10, None)  # still open: not counted
    fast = ticket_representation(ticket)
    assert fast["clocked_hours"] == "2.25"
    assert fast == dict(ServiceTicketSerializer(ServiceTicket.objects.get(pk=ticket.pk)).data)


# --- the API -------------------------------------------------------------------------------------------------------


def test_staff_with_change_permission_clocks_any_assigned_mechanic(staff_client, ticket, mo):
    client = staff_client("tickets.change_serviceticket")
    response = client.post(clock_url("clock-in", ticket), {"mechanic_id": mo.pk}, format="json")
    assert response.status_code == 201, response.json()
    body = response.json()
    created = TimeEntry.objects.get()
    assert body == {
        "id": created.pk,
        "mechanic_id": mo.pk,
        "started_at": body["started_at"],
        "ended_at": None,
        "minutes": None,
        "updated_at": body["updated_at"],
    }
    assert body["started_at"].endswith("Z")
    assert ServiceTicket.objects.get(pk=ticket.pk).status == "in_progress"

    response = client.post(clock_url("clock-out", ticket), {"mechanic_id": mo.pk}, format="json")
    assert response.status_code == 200
    assert response.json()["id"] == created.pk
    assert response.json()["minutes"] == 0
    created.refresh_from_db()
    assert created.ended_at is not None


def test_api_errors(staff_client, make_ticket, make_mechanic, ticket, mo):
    client = staff_client("tickets.change_serviceticket")
    stranger = make_mechanic()
    response = client.post(clock_url("clock-in", ticket), {"mechanic_id": stranger.pk}, format="json")
    assert response.status_code == 400
    assert "mechanic_id" in response.json()
    response = client.post(clock_url("clock-in", ticket), {}, format="json")
    assert response.status_code == 400  # not linked to a mechanic: mechanic_id is required
    assert "mechanic_id" in response.json()
    response = client.post(clock_url("clock-in", ticket), {"mechanic_id": 999_999}, format="json")
    assert response.status_code == 400
    response = client.post(clock_url("clock-out", ticket), {"mechanic_id": mo.pk}, format="json")
    assert response.status_code == 409
    other = make_ticket(mechanics=[mo])
    assert client.post(clock_url("clock-in", other), {"mechanic_id": mo.pk}, format="json").status_code == 201
    response = client.post(clock_url("clock-in", ticket), {"mechanic_id": mo.pk}, format="json")
    assert response.status_code == 409
    assert f"#{other.pk}" in response.json()["detail"]
    missing = reverse("ticket-clock-clock-in", kwargs={"ticket_id": 999_999})
    assert client.post(missing, {"mechanic_id": mo.pk}, format="json").status_code == 404
    assert list(TimeEntry.objects.values_list("ticket_id", flat=True)) == [other.pk]


def test_the_linked_mechanic_clocks_itself_on_its_tickets_without_model_permissions(
    staff_client, make_ticket, make_mechanic, customer
):
    client = staff_client()
    me = make_mechanic(user=client.user)
    colleague = make_mechanic()
    mine = make_ticket(customer, mechanics=[me, colleague])
    not_mine = make_ticket(customer, mechanics=[colleague])

    response = client.post(clock_url("clock-in", mine), format="json")
    assert response.status_code == 201
    assert response.json()["mechanic_id"] == me.pk
    response = client.post(clock_url("clock-in", mine), {"mechanic_id": colleague.pk}, format="json")
    assert response.status_code == 403
    response = client.post(clock_url("clock-in", not_mine), {"mechanic_id": me.pk}, format="json")
    assert response.status_code == 403
    assert client.get(entries_url(not_mine)).status_code == 403
    response = client.get(entries_url(mine))
    assert response.status_code == 200
    assert [e["mechanic_id"] for e in response.json()["results"]] == [me.pk]
    assert client.post(clock_url("clock-out", mine), format="json").status_code == 200
    assert list(TimeEntry.objects.values_list("mechanic_id", "ticket_id")) == [(me.pk, mine.pk)]
    assert TimeEntry.objects.get().ended_at is not None


def test_unlinked_staff_without_permission_and_customers_are_refused(staff_client, customer_client, ticket, mo):
    for client in (staff_client("tickets.view_serviceticket"), customer_client):
        response = client.post(clock_url("clock-in", ticket), {"mechanic_id": mo.pk}, format="json")
        assert response.status_code == 403
    assert customer_client.get(entries_url(ticket)).status_code == 403
    assert staff_client().get(entries_url(ticket)).status_code == 403
    assert not TimeEntry.objects.exists()


def test_time_entries_are_oldest_first_with_constant_queries(
    staff_client, ticket, mo, make_mechanic, django_assert_num_queries
):
    client = staff_client("tickets.view_serviceticket")
    later, earlier, running = entry(ticket, mo, 100, 30), entry(ticket, mo, 500, 61), entry(ticket, mo, 5, None)
    client.get(entries_url(ticket))  # warm the permission cache
    for size in (1, 30):
        # user, ticket, count, page
        with django_assert_num_queries(4):
            response = client.get(entries_url(ticket), {"page_size": size})
        assert response.status_code == 200
    body = response.json()
    assert body["count"] == 3
    assert [(e["id"], e["minutes"]) for e in body["results"]] == [(earlier.pk, 61), (later.pk, 30), (running.pk, None)]


# --- the mechanic's phone ------------------------------------------------------------------------------------------


@pytest.fixture
def phone(staff_client, make_mechanic):
    client = staff_client()
    client.mechanic = make_mechanic(user=client.user)
    return client


def test_my_tickets_shows_the_open_entry_and_filters_today_and_clocked_in(phone, make_ticket, customer):
    me = phone.mechanic
    today = make_ticket(customer, mechanics=[me], service_date=timezone.localdate(), description="Today")
    old = make_ticket(customer, mechanics=[me], service_date="2025-05-05", description="Old")
    clock_in(ticket=old, mechanic=me)
    url = reverse("mechanic-my-tickets-list")

    results = phone.get(url).json()["results"]
    assert [t["id"] for t in results] == [old.pk, today.pk]
    running = TimeEntry.objects.get()
    assert results[0]["open_time_entry"] == {
        "id": running.pk,
        "mechanic_id": me.pk,
        "started_at": results[0]["open_time_entry"]["started_at"],
        "ended_at": None,
        "minutes": None,
        "updated_at": results[0]["open_time_entry"]["updated_at"],
    }
    assert results[1]["open_time_entry"] is None
    assert [t["id"] for t in phone.get(url, {"today": "true"}).json()["results"]] == [today.pk]
    assert [t["id"] for t in phone.get(url, {"service_date": "2025-05-05"}).json()["results"]] == [old.pk]
    assert [t["id"] for t in phone.get(url, {"clocked_in": "true"}).json()["results"]] == [old.pk]
    assert phone.get(url, {"today": "maybe"}).status_code == 400
    for empty in ("today", "service_date", "clocked_in"):  # an empty value is no value: malformed, not "not sent"
        response = phone.get(url, {empty: ""})
        assert response.status_code == 400
        assert list(response.json()) == [empty]
    detail = phone.get(reverse("mechanic-my-tickets-detail", args=[old.pk])).json()
    assert detail["open_time_entry"]["id"] == running.pk

    clock_out(ticket=old, mechanic=me)
    assert phone.get(url, {"clocked_in": "true"}).json()["results"] == []
    ticket = phone.get(url).json()["results"][0]
    assert ticket["open_time_entry"] is None
    assert Decimal(ticket["clocked_hours"]) == Decimal("0.00")
