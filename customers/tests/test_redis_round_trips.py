"""The cached customer list in two trips to Redis, a customer detail in one (decisions 0028, 0036 and 0043 in
docs/decisions/).

Round trips are counted by the `round_trips` fixture (mechanic_shop/testing/redis.py). These need a real Redis:
they run where REDIS_URL is set (CI's MariaDB + Redis run).
"""

import os
import threading

import pytest
from django.contrib.auth.models import Permission
from django.core.cache import caches
from django.urls import reverse

from customers.models import Customer
from mechanic_shop.api.throttling import THROTTLE_CACHE

pytestmark = [
    pytest.mark.redis,
    pytest.mark.skipif(not os.environ.get("REDIS_URL"), reason="needs REDIS_URL (a real Redis server)"),
    pytest.mark.django_db,
]

LIST = reverse("customer-list")
PAGE = f"{LIST}?page=1&per_page=10"


@pytest.fixture
def viewer(staff_client, throttle_rates):
    # Both per-account counters on, as in production.
    throttle_rates(user_short="1000/minute", user_long="100000/day")
    return staff_client("customers.view_customer")


def counter_value(name: str) -> int:
    """The count in the throttle cache's current counter whose key starts with `name`."""
    client = caches[THROTTLE_CACHE].client.get_client()
    keys = client.keys(caches[THROTTLE_CACHE].make_key(f"{name}:*"))
    assert len(keys) == 1, keys
    return int(client.get(keys[0]))


def test_a_cached_page_is_two_round_trips(viewer, customer, round_trips):
    assert viewer.get(PAGE).status_code == 200  # stores the page, the permission set, the generations
    round_trips.clear()

    response = viewer.get(PAGE)

    assert response.status_code == 200
    assert response.json()["results"][0]["name"] == customer.name
    # The page with the list's generation (one MGET, before authentication), then one script call (the permission
    # set and its generation, two counters).
    assert round_trips == ["MGET", "EVALSHA"]
    assert response["RateLimit-Policy"] == '"minute";q=1000;w=60, "day";q=100000;w=86400'
    assert response["RateLimit"].startswith('"minute";r=998;')
    assert response["Age"] == "0"
    assert "no-store" in response["Cache-Control"]
    assert response["ETag"]


def test_a_miss_is_three_round_trips(viewer, customer, round_trips):
    viewer.get(PAGE)
    customer.save()  # a write: the list's generation moves on
    round_trips.clear()

    response = viewer.get(PAGE)

    assert response.status_code == 200
    # The page's MGET (a miss, handed on to the view), the script call, the page's SET; the list itself comes from
    # the database.
    assert round_trips == ["MGET", "EVALSHA", "SET"]


def test_a_detail_answered_before_drf_is_one_round_trip(viewer, customer, round_trips):
    detail = reverse("customer-detail", args=[customer.pk])
    assert viewer.get(detail).status_code == 200  # stores the permission set
    round_trips.clear()

    response = viewer.get(detail)

    assert response.status_code == 200
    assert response.json()["name"] == customer.name
    assert round_trips == ["EVALSHA"]  # the permission set, its generation and both counters (decision 0043)
    assert response["RateLimit"].startswith('"minute";r=998;')


def test_a_missing_detail_is_handed_to_drf_and_counted_once(viewer, customer, round_trips):
    assert viewer.get(reverse("customer-detail", args=[customer.pk])).status_code == 200  # the permission set
    round_trips.clear()

    response = viewer.get("/customers/987654321")

    assert response.status_code == 404
    # Counted in the trip before DRF, given back (one pipeline), then counted again in DRF's own trip: a miss costs
    # two trips more than a found record.
    assert round_trips == ["EVALSHA", "DECRBY", "EVALSHA"]
    assert response["RateLimit"].startswith('"minute";r=998;')
    assert counter_value(f"throttle:user_short:user-{response.wsgi_request.user.pk}") == 2


def test_a_customer_write_is_seen_at_the_next_request(viewer, customer):
    assert viewer.get(PAGE).json()["results"][0]["name"] == customer.name
    Customer.objects.filter(pk=customer.pk).update(name="Not Yet")  # no signal: the cached page stays
    assert viewer.get(PAGE).json()["results"][0]["name"] == customer.name
    customer.name = "Renamed"
    customer.save()
    assert viewer.get(PAGE).json()["results"][0]["name"] == "Renamed"


def test_a_revoked_permission_acts_at_the_next_request_and_the_refusal_is_not_counted(
    make_staff, throttle_rates, customer
):
    from mechanic_shop.accounts.authentication import ROLE_STAFF
    from mechanic_shop.testing.clients import client_with_token

    throttle_rates(user_short="1000/minute")
    user = make_staff("customers.view_customer")
    client = client_with_token(user, ROLE_STAFF)
    assert client.get(PAGE).status_code == 200
    assert client.get(PAGE).status_code == 200  # a hit: the permission set came from the script call
    assert counter_value(f"throttle:user_short:user-{user.pk}") == 2

    user.user_permissions.remove(Permission.objects.get(codename="view_customer"))

    assert client.get(PAGE).status_code == 403
    # Counted ahead in the script call, then given back: a refused request is not counted.
    assert counter_value(f"throttle:user_short:user-{user.pk}") == 2


def test_a_limit_acts_at_the_next_request(staff_client, throttle_rates, customer):
    throttle_rates(user_short="3/hour")
    client = staff_client("customers.view_customer")
    responses = [client.get(PAGE) for _ in range(4)]
    assert [r.status_code for r in responses] == [200, 200, 200, 429]
    assert [r["RateLimit"].split(";")[1] for r in responses] == ["r=2", "r=1", "r=0", "r=0"]
    assert int(responses[-1]["Retry-After"]) > 0


def test_a_new_window_counter_expires_with_its_window(viewer, customer):
    viewer.get(PAGE)
    client = caches[THROTTLE_CACHE].client.get_client()
    (key,) = client.keys(caches[THROTTLE_CACHE].make_key("throttle:user_short:*"))
    assert 0 < client.ttl(key) <= 61
    viewer.get(PAGE)
    assert 0 < client.ttl(key) <= 61  # the second request's SET NX did not set it again, nor cleared it


@pytest.mark.django_db(transaction=True)
def test_counts_are_exact_under_concurrency(make_staff, throttle_rates, customer):
    from mechanic_shop.accounts.authentication import ROLE_STAFF
    from mechanic_shop.testing.clients import client_with_token

    throttle_rates(user_short="100000/hour")
    user = make_staff("customers.view_customer")
    threads, each = 8, 10
    remaining: list[str] = []
    barrier = threading.Barrier(threads)

    def run():
        client = client_with_token(user, ROLE_STAFF)
        barrier.wait(timeout=30)
        for _ in range(each):
            response = client.get(PAGE)
            assert response.status_code == 200
            remaining.append(response["RateLimit"].split(";")[1])

    workers = [threading.Thread(target=run) for _ in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()

    assert counter_value(f"throttle:user_short:user-{user.pk}") == threads * each
    # Every request saw a count of its own: no two increments were lost into one.
    assert len(set(remaining)) == threads * each


def test_a_failed_trip_fails_open(viewer, customer, monkeypatch, caplog):
    from redis.commands.core import Script
    from redis.exceptions import ConnectionError as RedisConnectionError

    def down(self, *args, **kwargs):
        raise RedisConnectionError("connection refused")

    monkeypatch.setattr(Script, "__call__", down)

    response = viewer.get(PAGE)

    # Served from the database: the permission set computed, no limit counted (no headers), nothing retried.
    assert response.status_code == 200
    assert [row["id"] for row in response.json()["results"]] == [customer.pk]
    assert "RateLimit" not in response.headers
    assert "Redis unreachable" in caplog.text


def test_counters_on_a_redis_of_their_own_take_one_more_trip(settings, viewer, customer, round_trips):
    # THROTTLE_REDIS_URL naming another server (here: another database of the same one, another LOCATION).
    location = settings.CACHES["default"]["LOCATION"]
    other = location.rsplit("/", 1)[0] + "/" + str((int(location.rsplit("/", 1)[1] or 0) + 1) % 16)
    settings.CACHES = {**settings.CACHES, "throttle": {**settings.CACHES["throttle"], "LOCATION": other}}
    caches[THROTTLE_CACHE].clear()
    try:
        assert viewer.get(PAGE).status_code == 200
        round_trips.clear()
        response = viewer.get(PAGE)
        assert response.status_code == 200
        # The page's MGET, the script call to the page Redis, the counters' call to theirs.
        assert round_trips == ["MGET", "EVALSHA", "EVALSHA"]
        assert response["RateLimit"].startswith('"minute";r=998;')
    finally:
        caches[THROTTLE_CACHE].clear()


def test_an_anonymous_refusal_costs_no_trip(anon_client, throttle_rates, round_trips):
    throttle_rates(anon_short="100/hour", anon_long="1000/day")
    response = anon_client.get(PAGE)
    assert response.status_code == 401
    assert round_trips == []  # as before: refused before the throttles, nothing to read ahead
