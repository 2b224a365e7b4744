"""Shared fixtures: one API client per kind of caller (API.md §2), with real JWTs."""

import itertools

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.core.cache import cache
from model_bakery import baker
from rest_framework.test import APIClient

from customers.services import customer_set_password
from mechanic_shop.authentication import ROLE_CUSTOMER, ROLE_STAFF, issue_tokens

CUSTOMER_PASSWORD = "Tr1cky-Gearbox-42"
_serial = itertools.count(1)


@pytest.fixture(autouse=True)
def _fresh_cache():
    cache.clear()  # throttle counters and cached pages must not leak between tests
    yield
    cache.clear()


@pytest.fixture(autouse=True)
def _fast_hasher(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _no_throttles_by_default(settings):
    # Throttle tests switch them back on with small rates; everything else should not trip over them.
    settings.THROTTLE_ENABLED = False


@pytest.fixture
def anon_client():
    return APIClient()


def client_with_token(user, role: str) -> APIClient:
    client = APIClient()
    _refresh, access = issue_tokens(user, role)
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {access}")
    client.user = user
    return client


@pytest.fixture
def make_staff(db):
    """A staff user holding the given permissions, e.g. make_staff("customers.view_customer")."""

    def make(*perms: str, username: str | None = None, **fields):
        fields = {"is_staff": True, "is_active": True, **fields}
        user = baker.make(get_user_model(), username=username or f"staff{next(_serial)}", **fields)
        for perm in perms:
            app_label, codename = perm.split(".")
            user.user_permissions.add(Permission.objects.get(content_type__app_label=app_label, codename=codename))
        return user

    return make


@pytest.fixture
def staff_client(make_staff):
    """A client for a staff user with the given permissions: staff_client("inventory.view_part")."""

    def make(*perms: str, **fields):
        return client_with_token(make_staff(*perms, **fields), ROLE_STAFF)

    return make


@pytest.fixture
def admin_client_api(db):
    """A superuser's API client: every permission."""
    user = get_user_model().objects.create_superuser("boss", "boss@example.com", "Sup3r-Secret-Boss")
    return client_with_token(user, ROLE_STAFF)


@pytest.fixture
def make_customer(db):
    """A customer; with_login=True gives it a login with CUSTOMER_PASSWORD."""

    def make(with_login: bool = True, **fields):
        fields.setdefault("email", f"customer{next(_serial)}@example.com")
        fields.setdefault("phone_number", "555-0100")
        fields.setdefault("name", "Dana Driver")
        customer = baker.make("customers.Customer", **fields)
        if with_login:
            customer_set_password(customer=customer, password=CUSTOMER_PASSWORD)
        return customer

    return make


@pytest.fixture
def customer(make_customer):
    return make_customer()


@pytest.fixture
def other_customer(make_customer):
    return make_customer(name="Olive Other")


@pytest.fixture
def customer_client(customer):
    return client_with_token(customer.user, ROLE_CUSTOMER)


@pytest.fixture
def other_customer_client(other_customer):
    return client_with_token(other_customer.user, ROLE_CUSTOMER)
