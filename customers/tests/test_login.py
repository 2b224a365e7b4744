"""Customer login (POST /customers/login)."""

import pytest
from django.urls import reverse
from rest_framework_simplejwt.token_blacklist.models import OutstandingToken

from mechanic_shop.testing.clients import bearer, customer_login

pytestmark = pytest.mark.django_db

LOGIN = reverse("customer-login")


def test_customer_login_returns_token_pair_and_customer_id(anon_client, customer, other_customer):
    response = customer_login(anon_client, customer.email.upper())
    assert response.status_code == 200
    body = response.json()
    assert set(body) == {"token", "access", "refresh", "customer_id"}
    assert body["access"] == body["token"]
    assert body["customer_id"] == customer.pk
    assert OutstandingToken.objects.filter(user=customer.user).count() == 1
    me = bearer(body["access"]).get(reverse("customer-detail", args=[body["customer_id"]]))
    assert me.status_code == 200
    assert me.json()["id"] == customer.pk


def test_login_reads_the_customer_with_its_login_in_one_query(anon_client, customer, django_assert_num_queries):
    # One SELECT of the customer joined to its login, one INSERT of the outstanding refresh token.
    with django_assert_num_queries(2):
        response = customer_login(anon_client, customer.email)
    assert response.json()["customer_id"] == customer.pk


def test_refused_logins_store_no_token(anon_client, customer, make_customer):
    no_login = make_customer(with_login=False)
    customer.user.is_active = False
    customer.user.save()
    refused = [
        customer_login(anon_client, customer.email, "Not-The-Password-1"),
        customer_login(anon_client, "nobody@example.com"),
        customer_login(anon_client, no_login.email),
        customer_login(anon_client, customer.email),  # right password, deactivated login
    ]
    assert [response.status_code for response in refused] == [401] * 4
    assert not OutstandingToken.objects.exists()


@pytest.mark.parametrize(
    "body",
    [
        {"email": "a" * 100_000 + "@example.com", "password": "x"},
        {"email": "a@example.com", "password": "x" * 100_000},
    ],
    ids=["email", "password"],
)
def test_over_long_login_fields_are_400_before_any_query(anon_client, body, django_assert_num_queries):
    with django_assert_num_queries(0):
        response = anon_client.post(LOGIN, body, format="json")
    assert response.status_code == 400
    field = "email" if len(body["email"]) > 254 else "password"
    assert set(response.json()) == {field}
    assert not OutstandingToken.objects.exists()


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
