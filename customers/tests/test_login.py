"""Customer login (POST /customers/login)."""

import pytest
from django.urls import reverse

from mechanic_shop.testing.clients import bearer, customer_login

pytestmark = pytest.mark.django_db

LOGIN = reverse("customer-login")


def test_customer_login_returns_token_pair(anon_client, customer):
    response = customer_login(anon_client, customer.email.upper())
    assert response.status_code == 200
    assert set(response.json()) == {"token", "refresh"}
    me = bearer(response.json()["token"]).get(reverse("customer-detail", args=[customer.pk]))
    assert me.status_code == 200
    assert me.json()["id"] == customer.pk


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
