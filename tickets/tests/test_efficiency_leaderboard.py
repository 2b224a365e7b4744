"""GET /mechanics/leaderboard/efficiency: billed against clocked hours on tickets completed in a date range."""

import io
import os
import random
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from mechanic_shop.core.generations import current_generation
from tickets.leaderboard import GENERATION_KEY, efficiency_leaderboard, record_completed_work
from tickets.models import CompletedWork, LaborLine, ServiceTicket, TimeEntry
from tickets.services import clock_in, clock_out, ticket_add_labor_line, ticket_set_status
from tickets.tests.efficiency import board_from_entries

pytestmark = pytest.mark.django_db
BOARD = reverse("mechanic-efficiency-list")
DAY = datetime(2026, 3, 10, 9, 0, tzinfo=UTC)


def complete(ticket: ServiceTicket, when: datetime) -> ServiceTicket:
    """Completed at `when` (a day the test chooses), its work recorded for the board as a completion records it."""
    ServiceTicket.objects.filter(pk=ticket.pk).update(status="completed", completed_at=when)
    record_completed_work({ticket.pk: when})
    return ticket


def clock(ticket, mechanic, minutes: int, *, start: datetime = DAY, open_entry: bool = False) -> TimeEntry:
    entry = TimeEntry(ticket=ticket, mechanic=mechanic, started_at=start)
    if not open_entry:
        entry.end(start + timedelta(minutes=minutes))
    entry.save()
    return entry


def bill(ticket, mechanic, hours: str) -> LaborLine:
    return LaborLine.objects.create(ticket=ticket, mechanic=mechanic, description="Work", hours=Decimal(hours),
                                    rate=Decimal("120.00"))  # fmt: skip


@pytest.fixture
def shop(customer, make_mechanic, make_ticket):
    """Ann bills 3 h for 2 h clocked (1.50); Bob 1 h for 2 h (0.50); Cid 2 h for 2 h (1.00); Dee clocked only on an
    in-progress ticket; Eve is inactive; Fay billed but never clocked."""
    ann, bob, cid, dee, eve, fay = (make_mechanic(name=n) for n in ("Ann", "Bob", "Cid", "Dee", "Eve", "Fay"))
    done = make_ticket(customer, mechanics=[ann, bob, cid, eve, fay], status="in_progress")
    working = make_ticket(customer, mechanics=[dee, ann], status="in_progress")
    for mechanic in (ann, bob, cid, eve):
        clock(done, mechanic, 120)
    bill(done, ann, "1.25"), bill(done, ann, "1.75"), bill(done, bob, "1.00"), bill(done, cid, "2.00")
    bill(done, eve, "9.00"), bill(done, fay, "4.00"), bill(done, None, "5.00")
    clock(working, dee, 60), bill(working, dee, "9.00")
    clock(working, ann, 600), bill(working, ann, "1.00")  # not completed: neither counts for Ann
    clock(working, bob, 0, open_entry=True)  # an open entry never counts
    complete(done, DAY)
    eve.is_active = False
    eve.save()
    return {"ann": ann, "bob": bob, "cid": cid, "dee": dee, "eve": eve, "fay": fay, "done": done}


def row(mechanic, billed, clocked, efficiency):
    return {"id": mechanic.pk, "name": mechanic.name, "billed_hours": billed, "clocked_hours": clocked,
            "efficiency": efficiency}  # fmt: skip


def test_ranks_active_mechanics_with_clocked_time_by_efficiency(admin_client_api, shop, django_assert_num_queries):
    with django_assert_num_queries(2):  # the token's user, the leaderboard
        response = admin_client_api.get(BOARD, {"completed_after": "2026-03-10", "completed_before": "2026-03-10"})
    assert response.status_code == 200
    body = response.json()
    assert body["count"] == 3
    assert body["results"] == [
        row(shop["ann"], "3.00", "2.00", "1.50"),
        row(shop["cid"], "2.00", "2.00", "1.00"),
        row(shop["bob"], "1.00", "2.00", "0.50"),
    ]


def test_query_count_does_not_grow_with_mechanics(
    admin_client_api, shop, customer, make_ticket, make_mechanic, django_assert_num_queries
):
    more = make_ticket(customer, mechanics=[make_mechanic() for _ in range(5)], status="in_progress")
    for link in more.mechanic_links.all():
        clock(more, link.mechanic, 30)
        bill(more, link.mechanic, "0.50")
    complete(more, DAY)
    with django_assert_num_queries(2):
        body = admin_client_api.get(BOARD).json()
    assert body["count"] == 8


def test_dates_are_inclusive_and_outside_tickets_do_not_count(admin_client_api, shop, customer, make_ticket):
    later = make_ticket(customer, mechanics=[shop["bob"]], status="in_progress")
    clock(later, shop["bob"], 60), bill(later, shop["bob"], "5.00")
    complete(later, DAY + timedelta(days=1))
    body = admin_client_api.get(BOARD, {"completed_before": "2026-03-10"}).json()
    assert [r["id"] for r in body["results"]] == [shop["ann"].pk, shop["cid"].pk, shop["bob"].pk]
    body = admin_client_api.get(BOARD, {"completed_after": "2026-03-11"}).json()
    assert body["results"] == [row(shop["bob"], "5.00", "1.00", "5.00")]
    body = admin_client_api.get(BOARD, {"completed_after": "2026-03-12"}).json()
    assert (body["count"], body["results"]) == (0, [])
    # Both ranges together: 6 billed for 3 clocked hours.
    body = admin_client_api.get(BOARD, {"completed_after": "2026-03-10", "completed_before": "2026-03-11"}).json()
    assert row(shop["bob"], "6.00", "3.00", "2.00") == body["results"][0]


def test_equal_efficiency_is_ordered_by_id_and_rounds_half_up(admin_client_api, customer, make_mechanic, make_ticket):
    first, second, third = make_mechanic(), make_mechanic(), make_mechanic()
    ticket = make_ticket(customer, mechanics=[first, second, third], status="in_progress")
    # 1 h billed for 3 h clocked: 0.333… → 0.33; for 1.5 h: 0.666… → 0.67 ; 0.01 h for 2 h: 0.005 → 0.01.
    clock(ticket, third, 180), bill(ticket, third, "1.00")
    clock(ticket, second, 180), bill(ticket, second, "1.00")
    clock(ticket, first, 120), bill(ticket, first, "0.01")
    complete(ticket, DAY)
    results = admin_client_api.get(BOARD).json()["results"]
    assert [(r["id"], r["efficiency"]) for r in results] == [
        (second.pk, "0.33"), (third.pk, "0.33"), (first.pk, "0.01")
    ]  # fmt: skip
    assert results[0]["clocked_hours"] == "3.00"


def test_seconds_count_in_clocked_hours(admin_client_api, customer, make_mechanic, make_ticket):
    mo = make_mechanic()
    ticket = make_ticket(customer, mechanics=[mo], status="in_progress")
    entry = TimeEntry(ticket=ticket, mechanic=mo, started_at=DAY)
    entry.end(DAY + timedelta(minutes=45, seconds=18, microseconds=999_999))  # the clock keeps whole seconds
    entry.save()
    assert entry.seconds == 45 * 60 + 18
    bill(ticket, mo, "1.00")
    complete(ticket, DAY)
    [result] = admin_client_api.get(BOARD).json()["results"]
    assert result == row(mo, "1.00", "0.76", "1.32")  # 0.755 h clocked: 1 ÷ 0.755 = 1.3245…


def test_zero_clocked_time_is_left_out(admin_client_api, customer, make_mechanic, make_ticket):
    mo = make_mechanic()
    ticket = make_ticket(customer, mechanics=[mo], status="in_progress")
    clock(ticket, mo, 0), bill(ticket, mo, "1.00")
    complete(ticket, DAY)
    assert admin_client_api.get(BOARD).json()["results"] == []


@pytest.mark.parametrize(
    ("params", "key"),
    [({"completed_after": "yesterday"}, "completed_after"), ({"completed_before": "2026-02-30"}, "completed_before"),
     ({"completed_after": "2026-03-11", "completed_before": "2026-03-10"}, "completed_before"),
     ({"completed_before": ""}, "completed_before"), ({"completed_after": ""}, "completed_after")],
)  # fmt: skip
def test_bad_dates_are_400_keyed_by_the_parameter(admin_client_api, params, key):
    response = admin_client_api.get(BOARD, params)
    assert response.status_code == 400
    assert list(response.json()) == [key]


def test_far_dates_are_no_error(admin_client_api, shop):
    body = admin_client_api.get(BOARD, {"completed_after": "0001-01-01", "completed_before": "9999-12-31"}).json()
    assert body["count"] == 3


def test_needs_the_mechanics_view_permission(anon_client, staff_client, customer_client, shop):
    assert anon_client.get(BOARD).status_code == 401
    assert customer_client.get(BOARD).status_code == 403
    assert staff_client().get(BOARD).status_code == 403
    response = staff_client("mechanics.view_mechanic").get(BOARD)
    assert response.status_code == 200
    assert response.json()["count"] == 3


def fresh(**params):
    """The board as the database has it now, shaped as the endpoint shows it."""
    return [standing.as_row() for standing in efficiency_leaderboard(**params)]


def test_kept_until_a_ticket_completes(admin_client_api, shop, customer, make_ticket, django_assert_num_queries):
    first = admin_client_api.get(BOARD).json()
    with django_assert_num_queries(1):  # the token's user: the board comes from the cache
        assert admin_client_api.get(BOARD).json() == first
    # Work on a ticket still open changes nothing on the board, so it keeps the cached one.
    cid = shop["cid"]
    working = make_ticket(customer, mechanics=[cid], status="in_progress")
    clock_in(ticket=working, mechanic=cid)
    TimeEntry.objects.filter(ticket=working).update(started_at=timezone.now() - timedelta(hours=4))
    clock_out(ticket=working, mechanic=cid)
    ticket_add_labor_line(ticket=working, description="Brakes", hours=Decimal("6.00"), rate=Decimal("90.00"),
                          mechanic_id=cid.pk)  # fmt: skip
    with django_assert_num_queries(1):
        assert admin_client_api.get(BOARD).json() == first
    assert first["results"] == fresh()
    # Completing it counts Cid's 6 billed hours for 4 clocked at the next request.
    detail = reverse("serviceticket-detail", args=[working.pk])
    assert admin_client_api.patch(detail, {"status": "completed"}, format="json").status_code == 200
    with django_assert_num_queries(2):
        results = admin_client_api.get(BOARD).json()["results"]
    assert results == fresh()
    assert results[1] == row(cid, "8.00", "6.00", "1.33")


def test_a_completion_that_rolls_back_leaves_the_board_as_it_was(admin_client_api, shop, customer, make_ticket):
    first = admin_client_api.get(BOARD).json()["results"]
    working = make_ticket(customer, mechanics=[shop["cid"]], status="in_progress")
    clock(working, shop["cid"], 600)

    @transaction.atomic
    def complete_then_fail():
        ticket_set_status(ticket=working, status="completed")
        assert admin_client_api.get(BOARD).json()["results"] == fresh()  # seen inside the transaction
        raise RuntimeError("rolled back")

    with pytest.raises(RuntimeError, match="rolled back"):
        complete_then_fail()
    assert admin_client_api.get(BOARD).json()["results"] == first == fresh()
    assert not CompletedWork.objects.filter(ticket=working).exists()


def test_the_board_is_the_completed_tickets_own_entries_and_lines(admin_client_api, customer, make_mechanic,
                                                                  make_ticket):  # fmt: skip
    """Tickets completed through the services, with work of every kind on them, against the board computed from
    their entries and lines one by one; and each ticket's rows against its own."""
    rng = random.Random(7)
    crew = [make_mechanic() for _ in range(6)]
    tickets = []
    for _ in range(24):
        mechanics = rng.sample(crew, rng.randrange(1, 4))
        ticket = make_ticket(customer, mechanics=mechanics, status="in_progress")
        for mechanic in mechanics:
            for _ in range(rng.randrange(0, 3)):
                clock(ticket, mechanic, rng.randrange(0, 300), start=DAY + timedelta(minutes=rng.randrange(600)))
            for _ in range(rng.randrange(0, 3)):
                bill(ticket, rng.choice([mechanic, None]), f"{rng.randrange(1, 9999) / 100:.2f}")
        tickets.append(ticket)
    # Two mechanics still clocked in: completing their tickets ends those entries, and their time counts.
    for ticket in tickets[:2]:
        mechanic = ticket.mechanic_links.first().mechanic
        TimeEntry.objects.filter(mechanic=mechanic, ended_at=None).delete()
        clock(ticket, mechanic, 0, start=timezone.now() - timedelta(minutes=90), open_entry=True)
    for ticket in tickets[:18]:
        ticket_set_status(ticket=ticket, status="completed")
    for ticket in tickets[18:21]:
        ticket_set_status(ticket=ticket, status="cancelled")

    expected: dict[tuple[int, int], list] = {}
    for entry in TimeEntry.objects.filter(ticket__status="completed"):
        expected.setdefault((entry.ticket_id, entry.mechanic_id), [entry.ticket.completed_at, 0, 0])[1] += entry.seconds
    for line in LaborLine.objects.filter(ticket__status="completed").exclude(mechanic=None):
        expected.setdefault((line.ticket_id, line.mechanic_id), [line.ticket.completed_at, 0, 0])[2] += int(
            line.hours * 100
        )
    rows = {(w.ticket_id, w.mechanic_id): [w.completed_at, w.clocked_seconds, w.billed_cents]
            for w in CompletedWork.objects.all()}  # fmt: skip
    assert rows == expected
    assert {ticket_id for ticket_id, _ in rows} <= {ticket.pk for ticket in tickets[:18]}
    assert sum(seconds for _, seconds, _ in rows.values()) >= 2 * 90 * 60  # the two ended at completion

    board = admin_client_api.get(BOARD).json()["results"]
    assert len(board) >= 4
    assert board == board_from_entries()
    days = sorted({at.date() for at, _, _ in rows.values()})  # today's, in UTC (two, should midnight pass meanwhile)
    in_range = {"completed_after": days[0], "completed_before": days[-1]}
    assert admin_client_api.get(BOARD, in_range).json()["results"] == board
    assert admin_client_api.get(BOARD, {"completed_before": days[0] - timedelta(days=1)}).json()["results"] == []


def test_a_mechanic_renamed_deactivated_or_deleted_shows_at_once(admin_client_api, shop, make_mechanic):
    admin_client_api.get(BOARD)
    mechanic = reverse("mechanic-detail", args=[shop["ann"].pk])
    assert admin_client_api.patch(mechanic, {"name": "Annie"}, format="json").status_code == 200
    results = admin_client_api.get(BOARD).json()["results"]
    assert results[0]["name"] == "Annie"
    assert results == fresh()
    assert admin_client_api.patch(mechanic, {"is_active": False}, format="json").status_code == 200
    assert [r["id"] for r in admin_client_api.get(BOARD).json()["results"]] == [shop["cid"].pk, shop["bob"].pk]
    # A mechanic never on the board can be deleted; it retires the cached board all the same.
    generation = current_generation(GENERATION_KEY)
    make_mechanic().delete()
    assert current_generation(GENERATION_KEY) > generation


def test_each_range_is_kept_apart(admin_client_api, shop):
    whole = admin_client_api.get(BOARD).json()
    later = admin_client_api.get(BOARD, {"completed_after": "2026-03-11"}).json()
    assert (whole["count"], later["count"]) == (3, 0)
    assert admin_client_api.get(BOARD).json() == whole


@pytest.mark.redis
@pytest.mark.skipif(not os.environ.get("REDIS_URL"), reason="needs REDIS_URL (a real Redis server)")
def test_a_cached_board_is_two_round_trips_to_redis(staff_client, shop, round_trips):
    viewer = staff_client("mechanics.view_mechanic")
    first = viewer.get(BOARD).json()
    round_trips.clear()
    response = viewer.get(BOARD)
    assert response.status_code == 200
    assert response.json() == first
    # The request's one script call (counters, permission set, the board's generation), then the board itself.
    assert round_trips == ["EVALSHA", "GET"]


def test_fill_completed_work_writes_the_rows_a_completion_behind_the_services_back_left_out(
    admin_client_api, shop, customer, make_ticket
):
    first = admin_client_api.get(BOARD).json()["results"]
    behind = make_ticket(customer, mechanics=[shop["bob"]], status="in_progress")
    clock(behind, shop["bob"], 600), bill(behind, shop["bob"], "20.00")
    ServiceTicket.objects.filter(pk=behind.pk).update(status="completed", completed_at=DAY)  # as SQL would
    idle = make_ticket(customer, status="completed")  # no work on it: no rows to write
    assert admin_client_api.get(BOARD).json()["results"] == first  # Bob's 20 hours do not count yet

    out = io.StringIO()
    call_command("fill_completed_work", stdout=out)
    assert out.getvalue() == "Completed tickets without rows: 2. Rows written: 1.\n"
    assert list(CompletedWork.objects.filter(ticket=behind).values_list("mechanic_id", "clocked_seconds",
                                                                        "billed_cents", "completed_at")) == [
        (shop["bob"].pk, 36000, 2000, DAY)
    ]  # fmt: skip
    assert not CompletedWork.objects.filter(ticket=idle).exists()
    # The cached board is retired: the next request counts them.
    results = admin_client_api.get(BOARD).json()["results"]
    assert results == board_from_entries() != first
    assert results[0] == row(shop["bob"], "21.00", "12.00", "1.75")

    rows = list(CompletedWork.objects.values_list("ticket_id", "mechanic_id", "clocked_seconds", "billed_cents"))
    call_command("fill_completed_work", stdout=out)  # again: nothing left to write
    assert out.getvalue().endswith("Completed tickets without rows: 1. Rows written: 0.\n")  # the idle one
    assert (
        list(CompletedWork.objects.values_list("ticket_id", "mechanic_id", "clocked_seconds", "billed_cents")) == rows
    )
