"""`manage.py seed_shop`: demo data, the demo logins made as the API makes them, and kept across --flush."""

import pytest
from django.core.management import call_command
from django.urls import reverse
from rest_framework.test import APIClient

from customers.models import Customer
from customers.services import customer_authenticate
from mechanic_shop.testing.clients import bearer, customer_login
from tickets.management.commands.seed_shop import (
    DEMO_CUSTOMER_EMAIL,
    DEMO_PASSWORD,
    DEMO_STAFF_USERNAME,
)
from tickets.models import ServiceTicket

pytestmark = pytest.mark.django_db
SMALL = ["--customers=3", "--mechanics=2", "--parts=3", "--tickets=7", "--seed=1"]


def test_the_demo_customer_logs_in_like_any_customer_and_a_flush_keeps_its_login(django_user_model):
    call_command("seed_shop", *SMALL, "--demo-account")
    assert (Customer.objects.count(), ServiceTicket.objects.count()) == (3, 7)
    first = customer_authenticate(email=DEMO_CUSTOMER_EMAIL, password=DEMO_PASSWORD)
    assert first is not None
    assert not first.is_staff
    call_command("seed_shop", *SMALL, "--demo-account", "--flush")
    second = customer_authenticate(email=DEMO_CUSTOMER_EMAIL, password=DEMO_PASSWORD)
    assert second is not None
    assert second.pk == first.pk
    assert Customer.objects.get(email=DEMO_CUSTOMER_EMAIL).user_id == first.pk
    # The other customers (none had a login) are replaced; no login is left without its customer.
    assert (Customer.objects.count(), ServiceTicket.objects.count()) == (3, 7)
    assert not django_user_model.objects.filter(is_staff=False, customer=None).exists()


def test_tokens_obtained_before_a_flush_still_work_after_it(django_user_model):
    call_command("seed_shop", *SMALL, "--demo-account")
    anon = APIClient()
    credentials = {"username": DEMO_STAFF_USERNAME, "password": DEMO_PASSWORD}
    staff = anon.post(reverse("token-obtain"), credentials, format="json")
    assert staff.status_code == 200
    customer = customer_login(anon, DEMO_CUSTOMER_EMAIL, DEMO_PASSWORD)
    assert customer.status_code == 200
    staff_user = django_user_model.objects.get(username=DEMO_STAFF_USERNAME)

    call_command("seed_shop", *SMALL, "--demo-account", "--flush")

    assert django_user_model.objects.get(username=DEMO_STAFF_USERNAME).pk == staff_user.pk
    response = bearer(staff.json()["access"]).get(reverse("serviceticket-list"))
    assert response.status_code == 200
    assert response.json()["count"] == 7
    response = bearer(customer.json()["token"]).get(reverse("customer-my-tickets-list"))
    assert response.status_code == 200
    demo = Customer.objects.get(email=DEMO_CUSTOMER_EMAIL)
    assert response.json()["count"] == ServiceTicket.objects.filter(customer=demo).count()
    for body in (staff.json(), customer.json()):
        refreshed = anon.post(reverse("token-refresh"), {"refresh": body["refresh"]}, format="json")
        assert refreshed.status_code == 200


def test_a_flush_leaves_an_existing_demo_staff_account_as_it_is(django_user_model):
    kept = django_user_model.objects.create_user(DEMO_STAFF_USERNAME, password="Their-Own-Pass-2026", is_staff=True)
    call_command("seed_shop", *SMALL, "--demo-account", "--flush")
    kept.refresh_from_db()
    assert kept.check_password("Their-Own-Pass-2026")
    assert django_user_model.objects.filter(username=DEMO_STAFF_USERNAME).count() == 1


def test_help_describes_every_size_option(capsys):
    with pytest.raises(SystemExit):
        call_command("seed_shop", "--help")
    options = " ".join(capsys.readouterr().out.split("options:", 1)[1].split())  # one line, single spaces
    for option, default in (
        ("--customers", 50),
        ("--mechanics", 8),
        ("--parts", 40),
        ("--tickets", 200),
        ("--mechanics-per-ticket", 2),
        ("--parts-per-ticket", 2),
    ):
        described = options.split(f"{option} N ", 1)[1]
        assert described.startswith("How many "), option
        assert f"; default {default}." in described.split(" --", 1)[0], option
