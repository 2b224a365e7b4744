"""A customer's password through the API: changed with the current one, reset or given by staff, validated, and
never in a response."""

import pytest
from django.urls import reverse

from mechanic_shop.testing.clients import bearer, customer_login
from mechanic_shop.testing.factories import CUSTOMER_PASSWORD

pytestmark = pytest.mark.django_db

REFRESH = reverse("token-refresh")


def test_customer_changes_password_with_current_password(anon_client, customer):
    pair = customer_login(anon_client, customer.email).json()
    client = bearer(pair["token"])
    url = reverse("customer-detail", args=[customer.pk])
    missing = client.patch(url, {"password": "Brand-New-Pass-9"}, format="json")
    wrong = client.patch(url, {"password": "Brand-New-Pass-9", "current_password": "nope-nope-1"}, format="json")
    assert missing.status_code == wrong.status_code == 400
    assert "current_password" in missing.json()
    assert "current_password" in wrong.json()
    customer.user.refresh_from_db()
    assert customer.user.check_password(CUSTOMER_PASSWORD)

    ok = client.patch(url, {"password": "Brand-New-Pass-9", "current_password": CUSTOMER_PASSWORD}, format="json")
    assert ok.status_code == 200
    assert "password" not in ok.json()
    assert "current_password" not in ok.json()
    customer.user.refresh_from_db()
    assert customer.user.check_password("Brand-New-Pass-9")
    # The refresh token issued before the change no longer works; the new password logs in.
    assert anon_client.post(REFRESH, {"refresh": pair["refresh"]}, format="json").status_code == 401
    assert customer_login(anon_client, customer.email, "Brand-New-Pass-9").status_code == 200


def test_staff_resets_customer_password_without_current_password(admin_client_api, anon_client, customer):
    pair = customer_login(anon_client, customer.email).json()
    url = reverse("customer-detail", args=[customer.pk])
    response = admin_client_api.patch(url, {"password": "Reset-By-Desk-3"}, format="json")
    assert response.status_code == 200
    customer.user.refresh_from_db()
    assert customer.user.check_password("Reset-By-Desk-3")
    assert anon_client.post(REFRESH, {"refresh": pair["refresh"]}, format="json").status_code == 401


def test_staff_gives_a_login_to_a_customer_without_one(admin_client_api, anon_client, make_customer):
    customer = make_customer(with_login=False)
    url = reverse("customer-detail", args=[customer.pk])
    assert admin_client_api.patch(url, {"password": "First-Login-44"}, format="json").status_code == 200
    assert customer_login(anon_client, customer.email, "First-Login-44").status_code == 200


def test_new_password_is_validated(admin_client_api, customer):
    url = reverse("customer-detail", args=[customer.pk])
    response = admin_client_api.patch(url, {"password": "123"}, format="json")
    assert response.status_code == 400
    assert "password" in response.json()
    customer.user.refresh_from_db()
    assert customer.user.check_password(CUSTOMER_PASSWORD)


def test_no_response_contains_a_hash(anon_client, admin_client_api, customer):
    bodies = [
        admin_client_api.get(reverse("customer-list")).content,
        admin_client_api.get(reverse("customer-detail", args=[customer.pk])).content,
        customer_login(anon_client, customer.email).content,
    ]
    for body in bodies:
        assert b"md5$" not in body
        assert b"argon2" not in body
        assert b"password" not in body


def test_customer_changing_its_email_sends_the_current_password(anon_client, customer):
    pair = customer_login(anon_client, customer.email).json()
    client = bearer(pair["token"])
    url = reverse("customer-detail", args=[customer.pk])
    old_email = customer.email
    missing = client.patch(url, {"email": "taken.over@example.com"}, format="json")
    wrong = client.patch(url, {"email": "taken.over@example.com", "current_password": "nope-nope-1"}, format="json")
    put_missing = client.put(
        url, {"name": customer.name, "email": "taken.over@example.com", "phone_number": "555-0100"}, format="json"
    )
    for response in (missing, wrong, put_missing):
        assert response.status_code == 400
        assert set(response.json()) == {"current_password"}
    customer.refresh_from_db()
    assert customer.email == old_email
    assert customer_login(anon_client, "taken.over@example.com").status_code == 401

    ok = client.patch(url, {"email": "New.Address@example.com", "current_password": CUSTOMER_PASSWORD}, format="json")
    assert ok.status_code == 200
    assert ok.json()["email"] == "new.address@example.com"
    customer.refresh_from_db()
    assert customer.email == "new.address@example.com"
    assert customer_login(anon_client, "new.address@example.com").status_code == 200


def test_customer_sending_its_own_email_in_another_case_needs_no_password(customer_client, customer):
    url = reverse("customer-detail", args=[customer.pk])
    response = customer_client.put(
        url, {"name": "Dana D.", "email": customer.email.upper(), "phone_number": "555-0100"}, format="json"
    )
    assert response.status_code == 200
    customer.refresh_from_db()
    assert (customer.name, customer.email) == ("Dana D.", customer.email.lower())


def test_staff_change_a_customers_email_without_its_password(admin_client_api, anon_client, customer):
    url = reverse("customer-detail", args=[customer.pk])
    response = admin_client_api.patch(url, {"email": "front.desk.fixed@example.com"}, format="json")
    assert response.status_code == 200
    customer.refresh_from_db()
    assert customer.email == "front.desk.fixed@example.com"
    assert customer_login(anon_client, "front.desk.fixed@example.com").status_code == 200
