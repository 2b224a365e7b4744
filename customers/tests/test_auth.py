"""The real token endpoints (API.md §3): customer login, staff tokens, refresh, logout, revocation."""

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse
from rest_framework.test import APIClient
from rest_framework_simplejwt.token_blacklist.models import BlacklistedToken

from mechanic_shop.testing.factories import CUSTOMER_PASSWORD

pytestmark = pytest.mark.django_db

LOGIN = reverse("customer-login")
TOKEN = reverse("token-obtain")
REFRESH = reverse("token-refresh")
LOGOUT = reverse("logout")
STAFF_PASSWORD = "Wrench-Master-77"


def bearer(access: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {access}")
    return client


def customer_login(client, email, password=CUSTOMER_PASSWORD):
    return client.post(LOGIN, {"email": email, "password": password}, format="json")


@pytest.fixture
def staff_user(make_staff):
    user = make_staff("customers.view_customer", username="frontdesk")
    user.set_password(STAFF_PASSWORD)
    user.save()
    return user


def test_customer_login_returns_token_pair(anon_client, customer):
    response = customer_login(anon_client, customer.email.upper())
    assert response.status_code == 200
    assert set(response.json()) == {"token", "refresh"}
    me = bearer(response.json()["token"]).get(reverse("customer-detail", args=[customer.pk]))
    assert me.status_code == 200 and me.json()["id"] == customer.pk


def test_wrong_email_and_wrong_password_answer_alike(anon_client, customer):
    wrong_password = customer_login(anon_client, customer.email, "Not-The-Password-1")
    wrong_email = customer_login(anon_client, "nobody@example.com")
    assert wrong_password.status_code == wrong_email.status_code == 401
    assert wrong_password.json() == wrong_email.json() == {"detail": "Invalid email or password."}


def test_customer_without_password_cannot_log_in(anon_client, make_customer):
    customer = make_customer(with_login=False)
    response = customer_login(anon_client, customer.email)
    assert response.status_code == 401
    assert customer.user is None


def test_login_with_missing_fields_is_400(anon_client):
    response = anon_client.post(LOGIN, {"email": "a@example.com"}, format="json")
    assert response.status_code == 400
    assert "password" in response.json()


@pytest.mark.parametrize("method", ["get", "put", "patch", "delete"])
def test_login_answers_405_to_other_methods(anon_client, admin_client_api, method):
    # Like /auth/token: a public path refuses a method it does not take, whoever asks.
    for client in (anon_client, admin_client_api):
        response = getattr(client, method)(LOGIN)
        assert response.status_code == 405
        assert "POST" in response["Allow"]


def test_staff_token_pair(anon_client, staff_user):
    response = anon_client.post(TOKEN, {"username": "frontdesk", "password": STAFF_PASSWORD}, format="json")
    assert response.status_code == 200
    assert set(response.json()) == {"access", "refresh"}
    assert bearer(response.json()["access"]).get(reverse("customer-list")).status_code == 200


def test_staff_token_refused_to_non_staff_with_same_message(anon_client, staff_user, customer):
    wrong = anon_client.post(TOKEN, {"username": "frontdesk", "password": "nope-nope-1"}, format="json")
    non_staff = get_user_model().objects.create_user("plain", password=STAFF_PASSWORD)
    refused = anon_client.post(TOKEN, {"username": non_staff.username, "password": STAFF_PASSWORD}, format="json")
    as_customer = anon_client.post(
        TOKEN, {"username": customer.user.username, "password": CUSTOMER_PASSWORD}, format="json"
    )
    assert wrong.status_code == refused.status_code == as_customer.status_code == 401
    assert wrong.json() == refused.json() == as_customer.json()


def test_customer_token_never_grants_staff_rights(anon_client, customer):
    customer.user.is_staff = True
    customer.user.is_superuser = True
    customer.user.save()
    access = customer_login(anon_client, customer.email).json()["token"]
    response = bearer(access).get(reverse("customer-list"))
    assert response.status_code == 403


def test_refresh_rotates_and_blacklists_the_used_token(anon_client, customer):
    pair = customer_login(anon_client, customer.email).json()
    response = anon_client.post(REFRESH, {"refresh": pair["refresh"]}, format="json")
    assert response.status_code == 200
    assert set(response.json()) == {"access", "refresh"}
    assert response.json()["refresh"] != pair["refresh"]
    assert bearer(response.json()["access"]).get(reverse("customer-detail", args=[customer.pk])).status_code == 200
    again = anon_client.post(REFRESH, {"refresh": pair["refresh"]}, format="json")
    assert again.status_code == 401
    assert BlacklistedToken.objects.filter(token__user=customer.user).count() == 1


def test_refreshed_customer_token_stays_a_customer_token(anon_client, customer):
    pair = customer_login(anon_client, customer.email).json()
    access = anon_client.post(REFRESH, {"refresh": pair["refresh"]}, format="json").json()["access"]
    assert bearer(access).get(reverse("customer-list")).status_code == 403


@pytest.mark.parametrize("token", ["garbage", "", "a.b.c"])
def test_malformed_refresh_token_is_401_or_400(anon_client, token):
    response = anon_client.post(REFRESH, {"refresh": token}, format="json")
    assert response.status_code == (400 if token == "" else 401)
    assert response.json()


def test_access_token_is_not_a_refresh_token(anon_client, customer):
    pair = customer_login(anon_client, customer.email).json()
    assert anon_client.post(REFRESH, {"refresh": pair["token"]}, format="json").status_code == 401


def test_logout_revokes_the_refresh_token(anon_client, customer):
    pair = customer_login(anon_client, customer.email).json()
    response = anon_client.post(LOGOUT, {"refresh": pair["refresh"]}, format="json")
    assert response.status_code == 205
    assert anon_client.post(REFRESH, {"refresh": pair["refresh"]}, format="json").status_code == 401
    assert anon_client.post(LOGOUT, {"refresh": pair["refresh"]}, format="json").status_code == 401


def test_deleted_account_tokens_stop_working(anon_client, customer):
    pair = customer_login(anon_client, customer.email).json()
    url = reverse("customer-detail", args=[customer.pk])
    customer.delete()
    assert bearer(pair["token"]).get(url).status_code == 401
    assert anon_client.post(REFRESH, {"refresh": pair["refresh"]}, format="json").status_code == 401


def test_deactivated_account_tokens_stop_working(anon_client, customer):
    pair = customer_login(anon_client, customer.email).json()
    customer.user.is_active = False
    customer.user.save()
    assert bearer(pair["token"]).get(reverse("customer-detail", args=[customer.pk])).status_code == 401
    assert anon_client.post(REFRESH, {"refresh": pair["refresh"]}, format="json").status_code == 401
    assert customer_login(anon_client, customer.email).status_code == 401


def test_deactivated_staff_token_stops_working(anon_client, staff_user):
    access = anon_client.post(TOKEN, {"username": "frontdesk", "password": STAFF_PASSWORD}, format="json")
    staff_user.is_active = False
    staff_user.save()
    assert bearer(access.json()["access"]).get(reverse("customer-list")).status_code == 401


def test_customer_changes_password_with_current_password(anon_client, customer):
    pair = customer_login(anon_client, customer.email).json()
    client = bearer(pair["token"])
    url = reverse("customer-detail", args=[customer.pk])
    missing = client.patch(url, {"password": "Brand-New-Pass-9"}, format="json")
    wrong = client.patch(url, {"password": "Brand-New-Pass-9", "current_password": "nope-nope-1"}, format="json")
    assert missing.status_code == wrong.status_code == 400
    assert "current_password" in missing.json() and "current_password" in wrong.json()
    customer.user.refresh_from_db()
    assert customer.user.check_password(CUSTOMER_PASSWORD)

    ok = client.patch(url, {"password": "Brand-New-Pass-9", "current_password": CUSTOMER_PASSWORD}, format="json")
    assert ok.status_code == 200
    assert "password" not in ok.json() and "current_password" not in ok.json()
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
        assert b"md5$" not in body and b"argon2" not in body and b"password" not in body


def test_missing_or_bad_bearer_token_is_401(anon_client, customer):
    url = reverse("customer-detail", args=[customer.pk])
    assert anon_client.get(url).status_code == 401
    response = bearer("not-a-jwt").get(url)
    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"].startswith("Bearer")
