"""Rows for tests to work on: staff users and customers.

Each `make_*` fixture is a function: call it as often as a test needs, and pass any field to override a default.
Defaults are valid and unique (names, emails, usernames), so a test only says what it cares about.
"""

import itertools

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from model_bakery import baker

from customers.services import customer_set_password

CUSTOMER_PASSWORD = "Tr1cky-Gearbox-42"
_serial = itertools.count(1)


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
