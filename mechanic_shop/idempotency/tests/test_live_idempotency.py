"""One Idempotency-Key sent by many parallel requests to real gunicorn workers: exactly one runs; the others are told
it is running (409) or get its answer again (SQLite and MariaDB, whichever the tests run on)."""

import json
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor

import pytest

from customers.models import Customer
from inventory.models import Supplier
from mechanic_shop.accounts.authentication import ROLE_STAFF
from mechanic_shop.accounts.tokens import issue_tokens
from mechanic_shop.idempotency.models import IdempotencyKey

pytestmark = pytest.mark.live

CALLS = 16


def keyed_post(url: str, body: dict, key: str, token: str | None = None) -> tuple[int, bytes, str | None]:
    request = urllib.request.Request(url, method="POST", data=json.dumps(body).encode())
    request.add_header("Content-Type", "application/json")
    request.add_header("Idempotency-Key", key)
    if token:
        request.add_header("Authorization", f"Bearer {token}")
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            return response.status, response.read(), response.headers.get("Idempotent-Replayed")
    except urllib.error.HTTPError as error:
        return error.code, error.read(), error.headers.get("Idempotent-Replayed")


def _exactly_one_ran(results, created: int) -> None:
    ran = [result for result in results if result[0] == created and result[2] is None]
    assert len(ran) == 1, results
    for status, body, replayed in results:
        if (status, body, replayed) == ran[0]:
            continue
        if status == 409:
            assert b"still running" in body
        else:
            assert (status, body, replayed) == (created, ran[0][1], "true"), results


def test_parallel_requests_with_one_key_run_once(live_server_workers, make_staff):
    _refresh, token = issue_tokens(make_staff("inventory.add_supplier"), ROLE_STAFF)
    url = live_server_workers(workers=4)
    registration = {
        "name": "Ann Lee",
        "email": "ann@example.com",
        "phone_number": "555-0100",
        "password": "Tr1cky-Gear-42",
    }

    with ThreadPoolExecutor(max_workers=CALLS) as pool:
        signups = list(pool.map(lambda _: keyed_post(f"{url}/customers", registration, "signup-1"), range(CALLS)))
        suppliers = list(
            pool.map(lambda _: keyed_post(f"{url}/suppliers", {"name": "Acme"}, "po-1", token), range(CALLS))
        )

    _exactly_one_ran(signups, 201)
    _exactly_one_ran(suppliers, 201)
    assert Customer.objects.count() == 1
    assert Supplier.objects.count() == 1
    assert sorted(IdempotencyKey.objects.values_list("status", flat=True)) == [201, 201]
    # Afterwards, every repeat is a replay.
    assert keyed_post(f"{url}/suppliers", {"name": "Acme"}, "po-1", token)[2] == "true"
