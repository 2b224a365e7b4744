"""`RateLimit-Policy` and `RateLimit` (IETF draft "RateLimit header fields for HTTP") on every answer a throttle
counted, 2xx and 429, from the counts the throttles' own increments returned."""

from types import SimpleNamespace

import pytest
from django.core.cache import caches
from django.urls import reverse

from mechanic_shop.api import throttling
from mechanic_shop.api.throttling import Usage, rate_limit_headers
from mechanic_shop.core.generations import in_process_cache

pytestmark = pytest.mark.django_db

NOW = 1_799_971_200.0  # midnight UTC: 30 minutes later is 30 minutes into the hour and the day


@pytest.fixture
def clock(monkeypatch):
    monkeypatch.setattr(throttling, "time", SimpleNamespace(time=lambda: NOW + 1800))


def test_a_staff_read_tells_both_policies_and_the_nearer_limit(throttle_rates, staff_client, clock):
    throttle_rates(user_short="5/hour", user_long="100/day")
    client = staff_client("customers.view_customer")
    first = client.get(reverse("customer-list"))
    assert first.status_code == 200
    assert first.headers["RateLimit-Policy"] == '"hour";q=5;w=3600, "day";q=100;w=86400'
    assert first.headers["RateLimit"] == '"hour";r=4;t=1800'
    # The second read comes from the page cache, and still tells where this caller stands now.
    second = client.get(reverse("customer-list"))
    assert second.headers["RateLimit"] == '"hour";r=3;t=1800'


def test_a_429_keeps_retry_after_and_tells_none_remain(throttle_rates, staff_client, clock):
    throttle_rates(user_short="1/hour", user_long="100/day")
    client = staff_client("customers.view_customer")
    assert client.get(reverse("customer-list")).status_code == 200
    refused = client.get(reverse("customer-list"))
    assert refused.status_code == 429
    assert refused.headers["Retry-After"] == "1800"
    assert refused.headers["RateLimit"] == '"hour";r=0;t=1800'
    assert refused.headers["RateLimit-Policy"] == '"hour";q=1;w=3600, "day";q=100;w=86400'


def test_the_day_is_nearer_its_limit_when_fewer_remain_there(throttle_rates, staff_client, clock):
    throttle_rates(user_short="50/hour", user_long="2/day")
    response = staff_client("customers.view_customer").get(reverse("customer-list"))
    assert response.headers["RateLimit"] == '"day";r=1;t=84600'


def test_anonymous_logins_count_per_minute_hour_and_day(throttle_rates, anon_client, clock):
    throttle_rates(login="5/minute", anon_short="50/hour", anon_long="200/day")
    response = anon_client.post(reverse("customer-login"), {}, format="json")
    assert response.status_code == 400
    assert response.headers["RateLimit-Policy"] == '"hour";q=50;w=3600, "day";q=200;w=86400, "minute";q=5;w=60'
    assert response.headers["RateLimit"] == '"minute";r=4;t=60'


def test_the_admin_login_page_tells_them_too(throttle_rates, client, clock):
    throttle_rates(login="3/minute")
    response = client.post(reverse("admin:login"), {"username": "nobody", "password": "wrong-password-1"})
    assert response.status_code == 200
    assert response.headers["RateLimit"] == '"minute";r=2;t=60'


def test_answers_no_throttle_counted_carry_none(throttle_rates, anon_client, settings):
    throttle_rates(anon_short="50/hour")
    for name in ("root", "health", "schema"):
        response = anon_client.get(reverse(name))
        assert response.status_code == 200
        assert "RateLimit" not in response.headers
        assert "RateLimit-Policy" not in response.headers
    settings.THROTTLE_ENABLED = False
    response = anon_client.post(reverse("customer-login"), {}, format="json")
    assert "RateLimit" not in response.headers


def test_a_counter_the_cache_cannot_give_adds_nothing(throttle_rates, staff_client, monkeypatch):
    throttle_rates(user_short="5/hour", user_long="100/day")
    monkeypatch.setattr(throttling, "_count", lambda key, timeout: None)  # the cache is down: fail open
    # (With Redis, counts come from the request's one pipeline; that pipeline failing is tested in
    # customers/tests/test_redis_round_trips.py. Here: as if nothing was counted ahead.)
    monkeypatch.setattr(throttling, "_take_counted", lambda request, name: None)
    response = staff_client("customers.view_customer").get(reverse("customer-list"))
    assert response.status_code == 200
    assert "RateLimit" not in response.headers


def test_the_headers_cost_no_extra_trip_to_the_cache(throttle_rates, staff_client, monkeypatch, clock):
    throttle_rates(user_short="5/hour", user_long="100/day")
    counters = caches[throttling.THROTTLE_CACHE]
    calls = []
    for method in ("get", "get_many", "incr", "add", "set"):
        original = getattr(counters, method)
        monkeypatch.setattr(
            counters,
            method,
            lambda *args, _original=original, _name=method, **kw: calls.append(_name) or _original(*args, **kw),
        )
    client = staff_client("customers.view_customer")
    calls.clear()
    response = client.get(reverse("customer-list"))
    assert response.headers["RateLimit"] == '"hour";r=4;t=1800'
    if not in_process_cache():
        # With Redis the counts come from the request's one pipeline (api/prefetch.py), not through the cache's
        # methods: customers/tests/test_redis_round_trips.py counts those trips.
        assert calls == []
        return
    # Each window's first request: an INCR that finds nothing, then ADD; no read of the counters for the headers.
    assert calls == ["incr", "add", "incr", "add"]
    calls.clear()
    client.get(reverse("customer-list"))
    assert calls == ["incr", "incr"]


def test_two_counters_with_one_window_are_told_apart_by_scope():
    usages = [Usage("login", 5, 60, 3, 10), Usage("register", 5, 60, 3, 40), Usage("anon_short", 50, 3600, 40, 100)]
    headers = rate_limit_headers(usages)
    assert headers["RateLimit-Policy"] == ('"login-minute";q=5;w=60, "register-minute";q=5;w=60, "hour";q=50;w=3600')
    # Equally few left: the one that resets last binds.
    assert headers["RateLimit"] == '"register-minute";r=3;t=40'
