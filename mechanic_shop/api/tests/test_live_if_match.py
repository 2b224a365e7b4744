"""Lost updates refused against a real server with several worker processes: writers that all read the same ETag
and PATCH with it in parallel — exactly one wins, every other is 412, and the stored ticket is the winner's.

The test holds the ticket's row lock (on SQLite, the database's write lock) while the writers arrive, so they are
all in flight together: were If-Match checked outside the lock the change takes, every writer would pass the check
and then change the ticket in turn (each a 200), which is what this test fails on.
"""

import json
import time
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.db import transaction

from mechanic_shop.accounts.authentication import ROLE_STAFF
from mechanic_shop.accounts.tokens import issue_tokens
from tickets.models import ServiceTicket

pytestmark = pytest.mark.live

WRITERS = 8


def request(method: str, url: str, token: str, body=None, **headers: str) -> tuple[int, dict, dict]:
    """One request on a new connection (so requests spread over the workers): (status, headers, JSON body)."""
    sent = urllib.request.Request(url, method=method, data=json.dumps(body).encode() if body is not None else None)
    sent.add_header("Content-Type", "application/json")
    sent.add_header("Authorization", f"Bearer {token}")
    for name, value in headers.items():
        sent.add_header(name.replace("_", "-"), value)
    try:
        with urllib.request.urlopen(sent, timeout=30) as response:
            return response.status, dict(response.headers), json.loads(response.read() or b"null")
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), json.loads(error.read() or b"null")


def test_parallel_writers_with_one_etag_let_exactly_one_win(live_server_workers, make_staff, make_ticket):
    ticket = make_ticket()
    staff = make_staff("tickets.view_serviceticket", "tickets.change_serviceticket")
    _refresh, token = issue_tokens(staff, ROLE_STAFF)
    url = live_server_workers(workers=4) + f"/service-tickets/{ticket.pk}"
    status, headers, _body = request("GET", url, token)
    assert status == 200
    etag = headers["ETag"]

    def patch(i: int) -> tuple[int, dict, dict]:
        return request("PATCH", url, token, {"description": f"Writer {i}"}, If_Match=etag)

    with ThreadPoolExecutor(max_workers=WRITERS) as pool:
        with transaction.atomic():
            list(ServiceTicket.objects.select_for_update().filter(pk=ticket.pk))
            sent = [pool.submit(patch, i) for i in range(WRITERS)]
            time.sleep(2)  # every worker is now waiting on the lock, its request read and its ETag in hand
            assert not any(future.done() for future in sent)
        results = [future.result() for future in sent]

    assert sorted(status for status, _, _ in results) == [200] + [412] * (WRITERS - 1), results
    status, headers, winner = next(result for result in results if result[0] == 200)
    assert ServiceTicket.objects.get(pk=ticket.pk).description == winner["description"]
    # The winner's ETag is the one the ticket now answers.
    assert request("GET", url, token)[1]["ETag"] == headers["ETag"] != etag
