"""Staff tokens, refresh and logout (/auth/*), and the tokens of an account deleted or deactivated."""

import pytest
from django.contrib.auth import get_user_model
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from rest_framework_simplejwt.token_blacklist.models import BlacklistedToken, OutstandingToken

from mechanic_shop.testing.clients import bearer, customer_login
from mechanic_shop.testing.factories import CUSTOMER_PASSWORD

pytestmark = pytest.mark.django_db

TOKEN = reverse("token-obtain")
REFRESH = reverse("token-refresh")
LOGOUT = reverse("logout")
STAFF_PASSWORD = "Wrench-Master-77"


@pytest.fixture
def staff_user(make_staff):
    user = make_staff("customers.view_customer", username="frontdesk")
    user.set_password(STAFF_PASSWORD)
    user.save()
    return user


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


def test_staff_token_takes_json_strings_only(anon_client):
    get_user_model().objects.create_user("1234", password="Wrench-Master-77", is_staff=True)
    response = anon_client.post(TOKEN, {"username": 1234, "password": "Wrench-Master-77"}, format="json")
    assert response.status_code == 400
    assert "username" in response.json()
    response = anon_client.post(TOKEN, {"username": "x", "password": "y"}, format="json")
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == 'Bearer realm="mechanic-shop"'


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


def test_refused_staff_logins_store_no_token(anon_client, staff_user, customer):
    non_staff = get_user_model().objects.create_user("plain", password=STAFF_PASSWORD)
    inactive = get_user_model().objects.create_user("gone", password=STAFF_PASSWORD, is_staff=True, is_active=False)
    refused = [
        anon_client.post(TOKEN, {"username": "frontdesk", "password": "nope-nope-1"}, format="json"),
        anon_client.post(TOKEN, {"username": non_staff.username, "password": STAFF_PASSWORD}, format="json"),
        anon_client.post(TOKEN, {"username": inactive.username, "password": STAFF_PASSWORD}, format="json"),
        anon_client.post(TOKEN, {"username": customer.user.username, "password": CUSTOMER_PASSWORD}, format="json"),
        anon_client.post(TOKEN, {"username": "nobody", "password": STAFF_PASSWORD}, format="json"),
    ]
    assert [response.status_code for response in refused] == [401] * 5
    assert len({response.content for response in refused}) == 1
    assert not OutstandingToken.objects.exists()

    assert (
        anon_client.post(TOKEN, {"username": "frontdesk", "password": STAFF_PASSWORD}, format="json").status_code == 200
    )
    assert list(OutstandingToken.objects.values_list("user", flat=True)) == [staff_user.pk]


def test_over_long_username_is_400_before_any_query(anon_client, django_assert_num_queries):
    with django_assert_num_queries(0):
        response = anon_client.post(TOKEN, {"username": "a" * 100_000, "password": STAFF_PASSWORD}, format="json")
    assert response.status_code == 400
    assert set(response.json()) == {"username"}
    # 150 characters, the column's length, is still a username: looked up, and refused like any wrong one.
    response = anon_client.post(TOKEN, {"username": "a" * 150, "password": STAFF_PASSWORD}, format="json")
    assert response.status_code == 401
    assert not OutstandingToken.objects.exists()


def staff_pair(client):
    response = client.post(TOKEN, {"username": "frontdesk", "password": STAFF_PASSWORD}, format="json")
    assert response.status_code == 200
    return response.json()


def test_demoted_staff_cannot_refresh_even_once_promoted_again(anon_client, staff_user):
    pair = staff_pair(anon_client)
    staff_user.is_staff = False
    staff_user.save()
    # The demotion itself revoked the account's refresh tokens.
    assert BlacklistedToken.objects.filter(token__user=staff_user).count() == 1
    response = anon_client.post(REFRESH, {"refresh": pair["refresh"]}, format="json")
    assert response.status_code == 401
    assert OutstandingToken.objects.filter(user=staff_user).count() == 1  # nothing new was issued

    staff_user.is_staff = True
    staff_user.save()
    assert anon_client.post(REFRESH, {"refresh": pair["refresh"]}, format="json").status_code == 401
    # A new login is a new chain.
    assert anon_client.post(REFRESH, {"refresh": staff_pair(anon_client)["refresh"]}, format="json").status_code == 200


def test_staff_token_of_a_bulk_demoted_account_dies_at_its_next_refresh(anon_client, staff_user):
    pair = staff_pair(anon_client)
    get_user_model().objects.filter(pk=staff_user.pk).update(is_staff=False)  # no signal
    response = anon_client.post(REFRESH, {"refresh": pair["refresh"]}, format="json")
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == 'Bearer realm="mechanic-shop"'
    # Refused and blacklisted in the same call, so promoting the account again does not revive the chain.
    assert BlacklistedToken.objects.filter(token__user=staff_user).count() == 1
    get_user_model().objects.filter(pk=staff_user.pk).update(is_staff=True)
    assert anon_client.post(REFRESH, {"refresh": pair["refresh"]}, format="json").status_code == 401
    assert OutstandingToken.objects.filter(user=staff_user).count() == 1


def test_saving_a_staff_account_that_stays_staff_revokes_nothing(anon_client, staff_user):
    pair = staff_pair(anon_client)
    staff_user.first_name = "Fran"
    staff_user.save()
    assert not BlacklistedToken.objects.exists()
    assert anon_client.post(REFRESH, {"refresh": pair["refresh"]}, format="json").status_code == 200


def test_customer_refresh_of_a_deactivated_or_deleted_account_stays_401(anon_client, customer, other_customer):
    deactivated = customer_login(anon_client, customer.email).json()
    deleted = customer_login(anon_client, other_customer.email).json()
    customer.user.is_active = False
    customer.user.save()
    other_customer.delete()
    for pair in (deactivated, deleted):
        response = anon_client.post(REFRESH, {"refresh": pair["refresh"]}, format="json")
        assert response.status_code == 401
        assert response.json()["detail"]
    assert OutstandingToken.objects.filter(user=customer.user).count() == 1
    assert not BlacklistedToken.objects.filter(token__user=customer.user).exists()


@pytest.mark.parametrize("url", [REFRESH, LOGOUT])
def test_over_long_refresh_token_is_401_before_any_read(anon_client, url):
    with CaptureQueriesContext(connection) as captured:
        response = anon_client.post(url, {"refresh": "a" * 100_000}, format="json")
    assert response.status_code == 401
    assert response.json()["detail"]
    # The signature is checked first: nothing is read or written (refresh opens a savepoint, and that is all).
    assert [query["sql"].split()[0] for query in captured] in ([], ["SAVEPOINT", "ROLLBACK", "RELEASE"])
