"""API clients, one per kind of caller, each with a real JWT.

Fixtures: `anon_client`, `staff_client("app.perm", ...)`, `admin_client_api`, `customer_client`,
`other_customer_client`. Helpers: `client_with_token(user, role)` for any other account, `bearer(access)` for a
token a test got from the API, and `customer_login(client, email)`.
"""

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse
from rest_framework.test import APIClient

from mechanic_shop.accounts.authentication import ROLE_CUSTOMER, ROLE_STAFF
from mechanic_shop.accounts.tokens import issue_tokens
from mechanic_shop.testing.factories import CUSTOMER_PASSWORD


def client_with_token(user, role: str) -> APIClient:
    """A client sending a fresh access token for `user` in `role` (ROLE_STAFF or ROLE_CUSTOMER); `.user` is it."""
    _refresh, access = issue_tokens(user, role)
    client = bearer(access)
    client.user = user
    return client


def bearer(access: str) -> APIClient:
    """A client sending `access` as its bearer token."""
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {access}")
    return client


def customer_login(client: APIClient, email: str, password: str = CUSTOMER_PASSWORD):
    """POST /customers/login; the response."""
    return client.post(reverse("customer-login"), {"email": email, "password": password}, format="json")


@pytest.fixture
def anon_client():
    return APIClient()


@pytest.fixture
def staff_client(make_staff):
    """A client for a new staff user with the given permissions: staff_client("inventory.view_part")."""

    def make(*perms: str, **fields):
        return client_with_token(make_staff(*perms, **fields), ROLE_STAFF)

    return make


@pytest.fixture
def admin_client_api(db):
    """A superuser's API client: every permission."""
    user = get_user_model().objects.create_superuser("boss", "boss@example.com", "Sup3r-Secret-Boss")
    return client_with_token(user, ROLE_STAFF)


@pytest.fixture
def customer_client(customer):
    return client_with_token(customer.user, ROLE_CUSTOMER)


@pytest.fixture
def other_customer_client(other_customer):
    return client_with_token(other_customer.user, ROLE_CUSTOMER)
