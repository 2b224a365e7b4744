"""`manage.py seed_shop`: demo data, and the demo logins made as the API makes them."""

import pytest
from django.core.management import call_command

from customers.models import Customer
from customers.services import customer_authenticate
from tickets.management.commands.seed_shop import DEMO_CUSTOMER_EMAIL, DEMO_PASSWORD
from tickets.models import ServiceTicket

pytestmark = pytest.mark.django_db
SMALL = ["--customers=3", "--mechanics=2", "--parts=3", "--tickets=7", "--seed=1"]


def test_the_demo_customer_logs_in_like_any_customer_and_a_flush_replaces_its_login(django_user_model):
    call_command("seed_shop", *SMALL, "--demo-account")
    assert (Customer.objects.count(), ServiceTicket.objects.count()) == (3, 7)
    first = customer_authenticate(email=DEMO_CUSTOMER_EMAIL, password=DEMO_PASSWORD)
    assert first is not None
    assert not first.is_staff
    call_command("seed_shop", *SMALL, "--demo-account", "--flush")
    second = customer_authenticate(email=DEMO_CUSTOMER_EMAIL, password=DEMO_PASSWORD)
    assert second is not None
    assert second.pk != first.pk
    assert not django_user_model.objects.filter(pk=first.pk).exists()
