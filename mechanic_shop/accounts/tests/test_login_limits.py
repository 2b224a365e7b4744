"""The login limit, one counter for customer login, staff tokens and the admin's login page; and the anonymous
limits, which apply to staff tokens too (mechanic_shop/accounts/views.py)."""

from datetime import UTC, datetime, timedelta

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse

pytestmark = pytest.mark.django_db
TOKEN = reverse("token-obtain")


def test_staff_token_counts_against_the_anonymous_limits_too(settings, anon_client):
    settings.THROTTLE_ENABLED = True
    settings.THROTTLE_RATES = {**settings.THROTTLE_RATES, "anon_short": "2/minute", "login": "100/minute"}
    statuses = [
        anon_client.post(TOKEN, {"username": "nobody", "password": "wrong-pass-1"}, format="json").status_code
        for _ in range(4)
    ]
    assert statuses == [401, 401, 429, 429]


def test_admin_login_shares_the_login_limit(settings, client, anon_client):
    settings.THROTTLE_ENABLED = True
    settings.THROTTLE_RATES = {**settings.THROTTLE_RATES, "login": "3/minute"}
    get_user_model().objects.create_superuser("chief", "chief@example.com", "Chief-Pass-2026")
    url = reverse("admin:login")
    assert url == "/admin/login/"
    wrong = [client.post(url, {"username": "chief", "password": "guess"}).status_code for _ in range(2)]
    assert wrong == [200, 200]  # the form again, with an error
    assert anon_client.post(TOKEN, {"username": "chief", "password": "guess"}, format="json").status_code == 401
    response = client.post(url, {"username": "chief", "password": "Chief-Pass-2026"})
    assert response.status_code == 429
    assert int(response["Retry-After"]) > 0
    assert "_auth_user_id" not in client.session
    assert client.get(url).status_code == 200  # the page itself still shows


def test_admin_login_lockout_page_looks_like_the_admin_and_says_when(settings, client, time_machine):
    time_machine.move_to("2026-03-02 10:00:30+00:00", tick=False)
    settings.THROTTLE_ENABLED = True
    settings.THROTTLE_RATES = {**settings.THROTTLE_RATES, "login": "1/hour"}
    settings.SHOP_NAME = "Gears & Sons"
    url = reverse("admin:login")
    client.post(url, {"username": "chief", "password": "guess"})
    response = client.post(url, {"username": "chief", "password": "guess"})
    assert response.status_code == 429
    assert response["Content-Type"].startswith("text/html")
    wait = int(response["Retry-After"])
    assert 0 < wait <= 3600
    page = response.content.decode()
    assert "admin/css/login.css" in page  # the admin's own look
    assert "Gears &amp; Sons" in page
    minutes = -(-wait // 60)
    assert f"Try again in {minutes} minute{'s' if minutes != 1 else ''}, after " in page
    retry_at = datetime(2026, 3, 2, 10, 0, 30, tzinfo=UTC) + timedelta(seconds=wait)
    assert f"after {retry_at:%H:%M} UTC" in page


def test_login_limit_is_shared_by_customer_login_and_staff_token(throttle_rates, anon_client):
    throttle_rates(login="3/minute")
    bad = {"email": "x@example.com", "password": "wrong-password-1"}
    codes = [anon_client.post(reverse("customer-login"), bad, format="json").status_code for _ in range(2)]
    codes.append(
        anon_client.post(reverse("token-obtain"), {"username": "x", "password": "y"}, format="json").status_code
    )
    codes.append(anon_client.post(reverse("customer-login"), bad, format="json").status_code)
    assert codes == [401, 401, 401, 429]
