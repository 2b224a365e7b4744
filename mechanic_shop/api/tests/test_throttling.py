"""Rate limits (mechanic_shop/api/throttling.py), with small rates set per test."""

from types import SimpleNamespace

import pytest
from django.core.cache import caches
from django.urls import reverse

from customers.models import Customer
from mechanic_shop.api import throttling
from mechanic_shop.core.generations import in_process_cache

pytestmark = pytest.mark.django_db


def test_anonymous_rate_answers_429_with_retry_after(throttle_rates, anon_client):
    throttle_rates(anon_short="3/hour")
    # Anonymous reads of protected paths are refused (401) before throttles run, so count on a public path.
    codes = [anon_client.post(reverse("customer-login"), {}, format="json").status_code for _ in range(4)]
    assert codes == [400, 400, 400, 429]
    response = anon_client.post(reverse("customer-login"), {}, format="json")
    assert response.status_code == 429
    assert int(response.headers["Retry-After"]) >= 1
    assert "detail" in response.json()


def test_second_anonymous_rate_also_applies(throttle_rates, anon_client):
    throttle_rates(anon_short="100/hour", anon_long="2/day")
    codes = [anon_client.post(reverse("customer-login"), {}, format="json").status_code for _ in range(3)]
    assert codes == [400, 400, 429]


def test_authenticated_rate_counts_per_account(throttle_rates, staff_client):
    throttle_rates(user_short="2/hour")
    first, second = staff_client("customers.view_customer"), staff_client("customers.view_customer")
    assert [first.get(reverse("customer-list")).status_code for _ in range(3)] == [200, 200, 429]
    assert second.get(reverse("customer-list")).status_code == 200


def test_registration_limit_per_ip(throttle_rates, anon_client):
    throttle_rates(register="2/minute")
    codes = []
    for i in range(3):
        body = {"name": "R", "email": f"r{i}@example.com", "phone_number": "5550100", "password": "Tr1cky-Gear-42"}
        codes.append(anon_client.post(reverse("customer-list"), body, format="json").status_code)
    assert codes == [201, 201, 429]
    assert Customer.objects.count() == 2


def test_throttle_enabled_false_switches_limits_off(throttle_rates, settings, anon_client):
    throttle_rates(login="1/minute")
    settings.THROTTLE_ENABLED = False
    codes = [anon_client.post(reverse("customer-login"), {}, format="json").status_code for _ in range(3)]
    assert codes == [400, 400, 400]


def test_x_forwarded_for_is_ignored_without_proxies(throttle_rates, anon_client):
    throttle_rates(login="1/minute")
    first = anon_client.post(reverse("customer-login"), {}, format="json", HTTP_X_FORWARDED_FOR="10.0.0.1")
    second = anon_client.post(reverse("customer-login"), {}, format="json", HTTP_X_FORWARDED_FOR="10.0.0.2")
    assert (first.status_code, second.status_code) == (400, 429)


def test_health_is_never_throttled(throttle_rates, anon_client):
    throttle_rates(anon_short="1/hour")
    assert [anon_client.get(reverse("health")).status_code for _ in range(3)] == [200, 200, 200]


@pytest.fixture
def one_window(monkeypatch):
    """The throttles' clock stands still, so a test that makes many requests never crosses into a new window."""
    monkeypatch.setattr(throttling, "time", SimpleNamespace(time=lambda: 1_800_000_000.0))


def test_docs_and_status_pages_never_use_up_the_anonymous_budget(throttle_rates, anon_client, one_window):
    throttle_rates(anon_short="2/hour", anon_long="2/day")
    for _ in range(3):
        for name in ("root", "health", "schema", "swagger-ui", "redoc"):
            assert anon_client.get(reverse(name)).status_code == 200, name
    # The budget is whole: two anonymous requests pass, the third is refused.
    codes = [anon_client.post(reverse("customer-login"), {}, format="json").status_code for _ in range(3)]
    assert codes == [400, 400, 429]


def test_a_flood_of_cached_pages_cannot_push_out_the_login_counters(
    throttle_rates, staff_client, anon_client, one_window
):
    throttle_rates(login="3/minute")
    pages = caches["default"]
    pages.set("marker", "from before the flood")
    assert [anon_client.post(reverse("customer-login"), {}, format="json").status_code for _ in range(2)] == [400, 400]
    # 320 distinct list URLs: each cached page is one entry in the page cache (300 at most, then it culls).
    staff = staff_client("customers.view_customer")
    for n in range(320):
        assert staff.get(reverse("customer-list"), {"search": f"nobody-{n}"}).status_code == 200
    if in_process_cache():  # the local-memory page cache did evict (Redis, with noeviction, keeps everything)
        assert pages.get("marker") is None
    codes = [anon_client.post(reverse("customer-login"), {}, format="json").status_code for _ in range(2)]
    assert codes == [400, 429]  # the third attempt still counted as the third
    assert Customer.objects.count() == 0
