"""One mechanic clocking in on several tickets at once, against a real server with several worker processes: the
mechanic's row lock lets exactly one clock-in win; the others are 409 and the shop holds one open entry."""

from concurrent.futures import ThreadPoolExecutor

import pytest

from mechanic_shop.accounts.authentication import ROLE_STAFF
from mechanic_shop.accounts.tokens import issue_tokens
from mechanic_shop.testing.live import http_json
from tickets.models import TimeEntry

pytestmark = pytest.mark.live

TICKETS = 8


def test_parallel_clock_ins_of_one_mechanic_let_exactly_one_win(
    live_server_workers, make_customer, make_staff, make_mechanic, make_ticket
):
    customer = make_customer(with_login=False)
    mo = make_mechanic()
    tickets = [make_ticket(customer, mechanics=[mo], description=f"Job {i}") for i in range(TICKETS)]
    _refresh, token = issue_tokens(make_staff("tickets.change_serviceticket"), ROLE_STAFF)
    url = live_server_workers(workers=4)

    def clock_in(i: int) -> tuple[int, dict]:
        return http_json("POST", f"{url}/service-tickets/{tickets[i].pk}/clock-in", {"mechanic_id": mo.pk}, token)

    with ThreadPoolExecutor(max_workers=TICKETS) as pool:
        results = list(pool.map(clock_in, range(TICKETS)))

    assert sorted(status for status, _ in results) == [201] + [409] * (TICKETS - 1), results
    winner = next(body for status, body in results if status == 201)
    open_entries = TimeEntry.objects.filter(mechanic=mo, ended_at__isnull=True)
    assert list(open_entries.values_list("pk", flat=True)) == [winner["id"]]
    assert TimeEntry.objects.count() == 1
    won_on = open_entries.get().ticket_id
    for status, body in results:
        if status == 409:
            assert f"#{won_on}" in body["detail"]
