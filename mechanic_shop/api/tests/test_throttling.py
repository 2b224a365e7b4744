"""Rate limits (API.md §5), with small rates set per test."""

import pytest
from django.urls import reverse

from customers.models import Customer

pytestmark = pytest.mark.django_db


@pytest.fixture
def rates(settings):
    """Switch throttling on with the given rates: rates(login="2/minute")."""

    def set_rates(**overrides):
        settings.THROTTLE_ENABLED = True
        settings.THROTTLE_RATES = {
            "anon_short": None,
            "anon_long": None,
            "user_short": None,
            "user_long": None,
            "login": None,
            "register": None,
            **overrides,
        }

    return set_rates


def test_anonymous_rate_answers_429_with_retry_after(rates, anon_client):
    rates(anon_short="3/hour")
    # Anonymous reads of protected paths are refused (401) before throttles run, so count on a public path.
    codes = [anon_client.post(reverse("customer-login"), {}, format="json").status_code for _ in range(4)]
    assert codes == [400, 400, 400, 429]
    response = anon_client.post(reverse("customer-login"), {}, format="json")
    assert response.status_code == 429
    assert int(response.headers["Retry-After"]) >= 1
    assert "detail" in response.json()


def test_second_anonymous_rate_also_applies(rates, anon_client):
    rates(anon_short="100/hour", anon_long="2/day")
    codes = [anon_client.post(reverse("customer-login"), {}, format="json").status_code for _ in range(3)]
    assert codes == [400, 400, 429]


def test_authenticated_rate_counts_per_account(rates, staff_client):
    rates(user_short="2/hour")
    first, second = staff_client("customers.view_customer"), staff_client("customers.view_customer")
    assert [first.get(reverse("customer-list")).status_code for _ in range(3)] == [200, 200, 429]
    assert second.get(reverse("customer-list")).status_code == 200


def test_login_limit_is_shared_by_customer_login_and_staff_token(rates, anon_client):
    rates(login="3/minute")
    bad = {"email": "x@example.com", "password": "wrong-password-1"}
    codes = [anon_client.post(reverse("customer-login"), bad, format="json").status_code for _ in range(2)]
    codes.append(
        anon_client.post(reverse("token-obtain"), {"username": "x", "password": "y"}, format="json").status_code
    )
    codes.append(anon_client.post(reverse("customer-login"), bad, format="json").status_code)
    assert codes == [401, 401, 401, 429]


def test_registration_limit_per_ip(rates, anon_client):
    rates(register="2/minute")
    codes = []
    for i in range(3):
        body = {"name": "R", "email": f"r{i}@example.com", "phone_number": "5550100", "password": "Tr1cky-Gear-42"}
        codes.append(anon_client.post(reverse("customer-list"), body, format="json").status_code)
    assert codes == [201, 201, 429]
    assert Customer.objects.count() == 2


def test_throttle_enabled_false_switches_limits_off(rates, settings, anon_client):
    rates(login="1/minute")
    settings.THROTTLE_ENABLED = False
    codes = [anon_client.post(reverse("customer-login"), {}, format="json").status_code for _ in range(3)]
    assert codes == [400, 400, 400]


def test_x_forwarded_for_is_ignored_without_proxies(rates, anon_client):
    rates(login="1/minute")
    first = anon_client.post(reverse("customer-login"), {}, format="json", HTTP_X_FORWARDED_FOR="10.0.0.1")
    second = anon_client.post(reverse("customer-login"), {}, format="json", HTTP_X_FORWARDED_FOR="10.0.0.2")
    assert (first.status_code, second.status_code) == (400, 429)


def test_health_is_never_throttled(rates, anon_client):
    rates(anon_short="1/hour")
    assert [anon_client.get(reverse("health")).status_code for _ in range(3)] == [200, 200, 200]
