"""ShopJWTAuthentication: the caller's row read on every request with one fixed statement, verified tokens
remembered until they expire, and a token's role kept."""

from datetime import UTC, datetime

import pytest
from django.contrib.auth import get_user_model
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from rest_framework.test import APIClient, APIRequestFactory
from rest_framework_simplejwt.exceptions import AuthenticationFailed, InvalidToken
from rest_framework_simplejwt.tokens import AccessToken

from mechanic_shop.accounts.authentication import ROLE_CUSTOMER, ROLE_STAFF, ShopJWTAuthentication
from mechanic_shop.accounts.tokens import issue_tokens
from mechanic_shop.testing.clients import bearer, client_with_token, customer_login

pytestmark = pytest.mark.django_db


def authenticate(access: str):
    request = APIRequestFactory().get("/", HTTP_AUTHORIZATION=f"Bearer {access}")
    return ShopJWTAuthentication().authenticate(request)


def test_loads_the_caller_in_one_query_with_the_rest_deferred(make_staff):
    staff = make_staff(username="deskclerk", email="desk@example.com")
    _refresh, access = issue_tokens(staff, ROLE_STAFF)
    with CaptureQueriesContext(connection) as queries:
        user, token = authenticate(access)
    assert len(queries) == 1
    assert (user.pk, user.is_active, user.is_staff, user.is_superuser) == (staff.pk, True, True, False)
    assert token["role"] == ROLE_STAFF
    # Fields a request rarely needs load on first access, and are the real ones.
    assert user.get_deferred_fields() >= {"username", "email", "password"}
    assert (user.username, user.email) == ("deskclerk", "desk@example.com")


def test_the_user_model_is_looked_up_once_and_again_when_the_setting_changes(settings, monkeypatch):
    from customers.models import Customer
    from mechanic_shop.accounts import authentication

    lookups = []

    def looked_up():
        lookups.append(1)
        return get_user_model()

    monkeypatch.setattr(authentication, "get_user_model", looked_up)
    authentication._user_model.cache_clear()
    first, second = ShopJWTAuthentication(), ShopJWTAuthentication()
    assert first.user_model is second.user_model is get_user_model()
    assert len(lookups) == 1
    monkeypatch.setitem(ShopJWTAuthentication._user_sql, "default", ("SELECT 1", None, []))  # for the old model
    # Any model will do to see the lookup made again: the authenticator only names it.
    settings.AUTH_USER_MODEL = "customers.Customer"
    assert ShopJWTAuthentication().user_model is Customer
    assert len(lookups) == 2
    assert ShopJWTAuthentication._user_sql == {}  # built again for the new model on first use


def test_the_authenticator_is_set_up_as_simplejwts_own():
    # ShopJWTAuthentication skips JWTAuthentication.__init__ to set user_model itself: should a SimpleJWT upgrade set
    # more there, this fails rather than leaving it unset.
    from rest_framework_simplejwt.authentication import JWTAuthentication

    assert vars(ShopJWTAuthentication()) == vars(JWTAuthentication())


def test_flags_are_booleans_as_the_orm_gives_them(make_staff):
    _refresh, access = issue_tokens(make_staff(is_superuser=True), ROLE_STAFF)
    user, _token = authenticate(access)
    assert user.is_superuser is True
    assert user.is_staff is True
    assert user.is_active is True


def test_bulk_deactivation_is_refused_at_once(make_staff):
    """No signal, no cache: an UPDATE that bypasses the model still locks the account out on the next request."""
    staff = make_staff("customers.view_customer")
    client = client_with_token(staff, ROLE_STAFF)
    assert client.get(reverse("customer-list")).status_code == 200
    get_user_model().objects.filter(pk=staff.pk).update(is_active=False)
    response = client.get(reverse("customer-list"))
    assert response.status_code == 401
    assert response.json()["code"] == "user_inactive"


def test_bulk_demotion_from_staff_is_refused_at_once(make_staff):
    staff = make_staff("customers.view_customer")
    client = client_with_token(staff, ROLE_STAFF)
    get_user_model().objects.filter(pk=staff.pk).update(is_staff=False)
    assert client.get(reverse("customer-list")).status_code == 403


def test_deleted_user_and_bad_claims(make_staff):
    staff = make_staff()
    _refresh, access = issue_tokens(staff, ROLE_STAFF)
    get_user_model().objects.filter(pk=staff.pk).delete()
    with pytest.raises(AuthenticationFailed):
        authenticate(access)
    token = AccessToken()
    token["user_id"] = "not-a-number"
    with pytest.raises(InvalidToken):
        authenticate(str(token))


def test_a_remembered_token_still_expires(make_staff, time_machine):
    time_machine.move_to(datetime(2026, 3, 2, 9, 30, tzinfo=UTC), tick=False)
    token = AccessToken.for_user(make_staff())
    access = str(token)
    user, _token = authenticate(access)  # verified once, remembered
    assert authenticate(access)[0].pk == user.pk
    time_machine.move_to(token["exp"], tick=False)  # the first instant it is no longer valid
    with pytest.raises(InvalidToken):
        authenticate(access)


def test_a_remembered_token_does_not_vouch_for_other_bytes(make_staff):
    _refresh, access = issue_tokens(make_staff(), ROLE_STAFF)
    authenticate(access)
    header, payload, signature = access.split(".")
    forged_payload = payload[:-2] + ("A" if payload[-2] != "A" else "B") + payload[-1]
    with pytest.raises(InvalidToken):
        authenticate(f"{header}.{forged_payload}.{signature}")
    with pytest.raises(InvalidToken):
        authenticate(f"{header}.{payload}.{signature[:-2]}xx")


def test_customer_token_never_grants_staff_rights(anon_client, customer):
    customer.user.is_staff = True
    customer.user.is_superuser = True
    customer.user.save()
    access = customer_login(anon_client, customer.email).json()["token"]
    response = bearer(access).get(reverse("customer-list"))
    assert response.status_code == 403


def test_missing_or_bad_bearer_token_is_401(anon_client, customer):
    url = reverse("customer-detail", args=[customer.pk])
    assert anon_client.get(url).status_code == 401
    response = bearer("not-a-jwt").get(url)
    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"].startswith("Bearer")


@pytest.mark.parametrize("header", ["Token {access}", "Basic dXNlcjpwYXNz", "JWT {access}", "Bearer{access}"])
def test_another_scheme_is_401_saying_a_bearer_token_is_expected(customer, header):
    _refresh, access = issue_tokens(customer.user, ROLE_CUSTOMER)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=header.format(access=access))
    response = client.get(reverse("customer-detail", args=[customer.pk]))
    assert response.status_code == 401
    assert "Authorization: Bearer <token>" in response.json()["detail"]
    assert response.headers["WWW-Authenticate"] == 'Bearer realm="mechanic-shop"'


def test_the_bearer_scheme_is_case_insensitive(customer):
    _refresh, access = issue_tokens(customer.user, ROLE_CUSTOMER)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"bearer {access}")
    response = client.get(reverse("customer-detail", args=[customer.pk]))
    assert response.status_code == 200
    assert response.json()["id"] == customer.pk


def test_an_empty_authorization_header_is_no_credentials(customer):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION="  ")
    response = client.get(reverse("customer-detail", args=[customer.pk]))
    assert response.status_code == 401
    assert "Bearer" not in response.json()["detail"]  # nothing was sent: no scheme to correct
    assert response.headers["WWW-Authenticate"] == 'Bearer realm="mechanic-shop"'
