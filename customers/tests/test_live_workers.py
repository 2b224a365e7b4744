"""Rate limits, the customer-list cache and duplicate emails across several gunicorn workers.

The per-account rate limit is one counter for every worker only in a shared cache: that test runs where
REDIS_URL is set (CI's MariaDB + Redis run, `make test-mysql`). The list's invalidation holds across workers
either way (in Redis, or in the generation files beside the local-memory caches), so it runs on both. The
outage test needs no Redis at all: it points the server at a port where nothing listens.
"""

import os
import socket
import threading
from concurrent.futures import ThreadPoolExecutor

import pytest

from customers.models import Customer
from mechanic_shop.accounts.authentication import ROLE_STAFF
from mechanic_shop.accounts.tokens import issue_tokens
from mechanic_shop.testing.factories import CUSTOMER_PASSWORD
from mechanic_shop.testing.live import http_json
from mechanics.models import Mechanic

pytestmark = pytest.mark.live
needs_redis = pytest.mark.skipif(not os.environ.get("REDIS_URL"), reason="needs REDIS_URL (a real Redis server)")

WORKERS = 4


def parallel(calls, threads: int = 8):
    with ThreadPoolExecutor(max_workers=threads) as pool:
        return list(pool.map(lambda call: call(), calls))


@pytest.mark.redis
@needs_redis
def test_per_account_rate_limit_holds_across_workers(live_server_workers, make_staff, customer):
    _refresh, token = issue_tokens(make_staff("customers.view_customer"), ROLE_STAFF)
    other_refresh, other_token = issue_tokens(make_staff("customers.view_customer"), ROLE_STAFF)
    url = live_server_workers(
        workers=WORKERS,
        THROTTLE_ENABLED="true",
        THROTTLE_USER_RATES="10/day,1000/day",  # per day: the window will not turn over mid-test
        THROTTLE_ANON_RATES="",
    )

    results = parallel([lambda: http_json("GET", f"{url}/customers/{customer.pk}", token=token)] * 30)

    statuses = sorted(status for status, _ in results)
    # Per-worker counters would let up to 4 x 10 through; one shared counter lets exactly 10.
    assert statuses == [200] * 10 + [429] * 20
    assert all("throttled" in body["detail"].lower() for status, body in results if status == 429)
    # The limit is per account: another staff account is not affected.
    assert http_json("GET", f"{url}/customers/{customer.pk}", token=other_token)[0] == 200


def test_customer_list_cache_is_invalidated_on_every_worker(live_server_workers, make_staff, customer):
    _refresh, token = issue_tokens(make_staff("customers.view_customer", "customers.change_customer"), ROLE_STAFF)
    url = live_server_workers(workers=WORKERS)

    def list_names():
        status, body = http_json("GET", f"{url}/customers?page_size=5", token=token)
        assert status == 200
        return [row["name"] for row in body["results"]]

    # Warm the cache from every worker, then rename the customer through one of them.
    assert parallel([list_names] * 24) == [[customer.name]] * 24
    status, body = http_json(
        "PUT",
        f"{url}/customers/{customer.pk}",
        {"name": "Renamed Everywhere", "email": customer.email, "phone_number": customer.phone_number},
        token,
    )
    assert status == 200, body
    assert Customer.objects.get(pk=customer.pk).name == "Renamed Everywhere"

    assert parallel([list_names] * 24) == [["Renamed Everywhere"]] * 24


def test_redis_outage_degrades_instead_of_failing(live_server_workers, make_staff, customer):
    with socket.socket() as sock:  # a port where nothing listens
        sock.bind(("127.0.0.1", 0))
        dead_port = sock.getsockname()[1]
    _refresh, token = issue_tokens(make_staff("customers.view_customer"), ROLE_STAFF)
    url = live_server_workers(workers=2, REDIS_URL=f"redis://127.0.0.1:{dead_port}/0", THROTTLE_ENABLED="true")

    status, body = http_json("GET", f"{url}/health")
    assert (status, body["cache"], body["database"]) == (503, "down", "ok")
    assert body["detail"] == "Down: cache."

    # Requests are still served from the database: no cache, rate limits open, permissions read directly.
    status, body = http_json("GET", f"{url}/customers", token=token)
    assert status == 200
    assert [row["id"] for row in body["results"]] == [customer.pk]
    status, body = http_json("GET", f"{url}/customers/{customer.pk}", token=token)
    assert (status, body["email"]) == (200, customer.email)


def all_at_once(calls):
    """Run the calls on as many threads, released together, so the requests race each other."""
    barrier = threading.Barrier(len(calls))

    def released(call):
        barrier.wait(timeout=30)
        return call()

    with ThreadPoolExecutor(max_workers=len(calls)) as pool:
        return list(pool.map(released, calls))


def test_one_new_email_registered_ten_times_at_once_is_one_201_and_nine_400(live_server_workers, make_staff):
    _refresh, token = issue_tokens(make_staff("mechanics.add_mechanic"), ROLE_STAFF)
    url = live_server_workers(workers=WORKERS)
    cases = ["new.driver@example.com", "New.Driver@example.com", "NEW.DRIVER@EXAMPLE.COM", "new.DRIVER@example.com"]

    def register(n):
        body = {"name": f"Driver {n}", "email": cases[n % 4], "phone_number": "555-0100", "password": CUSTOMER_PASSWORD}
        return lambda: http_json("POST", f"{url}/customers", body)

    results = all_at_once([register(n) for n in range(10)])

    statuses = sorted(status for status, _ in results)
    assert statuses == [201] + [400] * 9, results
    assert all(body == {"email": ["A customer with this email already exists."]} for s, body in results if s == 400)
    assert list(Customer.objects.values_list("email", flat=True)) == ["new.driver@example.com"]

    # The same for a mechanic's email, created by staff.
    def hire(n):
        body = {"name": f"Mo {n}", "email": cases[n % 4], "phone_number": "555-0100"}
        return lambda: http_json("POST", f"{url}/mechanics", body, token)

    results = all_at_once([hire(n) for n in range(10)])

    statuses = sorted(status for status, _ in results)
    assert statuses == [201] + [400] * 9, results
    assert all(body == {"email": ["A mechanic with this email already exists."]} for s, body in results if s == 400)
    assert list(Mechanic.objects.values_list("email", flat=True)) == ["new.driver@example.com"]
