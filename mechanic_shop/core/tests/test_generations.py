"""Changes made in another process — a management command, the shell, another worker — apply at the next request.

With Redis every process shares the cache; with the default local-memory cache each has its own, and the
generation numbers in files (mechanic_shop/core/generations.py) carry the change across. These tests run both ways.
"""

import pytest
from django.db import connection, transaction
from django.urls import reverse

from mechanic_shop.core.generations import in_own_transaction
from mechanic_shop.testing.live import run_in_another_process

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_customer_renamed_by_a_management_process_shows_in_the_cached_list(settings, staff_client, customer):
    client = staff_client("customers.view_customer")
    url = reverse("customer-list")
    assert client.get(url).json()["results"][0]["name"] == customer.name

    run_in_another_process(
        settings,
        f"from customers.models import Customer; c = Customer.objects.get(pk={customer.pk}); "
        "c.name = 'Renamed In The Shell'; c.save()",
    )

    assert client.get(url).json()["results"][0]["name"] == "Renamed In The Shell"


def test_a_permission_revoked_by_a_management_process_applies_at_the_next_request(settings, staff_client):
    client = staff_client("customers.view_customer")
    url = reverse("customer-list")
    assert client.get(url).status_code == 200

    run_in_another_process(
        settings,
        f"from django.contrib.auth.models import User; User.objects.get(pk={client.user.pk}).user_permissions.clear()",
    )

    response = client.get(url)
    assert response.status_code == 403


def test_tickets_made_by_another_process_are_counted_and_listed(settings, admin_client_api, customer, make_ticket):
    make_ticket(customer, description="Here")
    url = reverse("serviceticket-list")
    assert admin_client_api.get(url).json()["count"] == 1

    run_in_another_process(
        settings,
        "from tickets.services import ticket_create; from customers.models import Customer; "
        f"[ticket_create(customer=Customer.objects.get(pk={customer.pk}), vin='1HGCM82633A004352', "
        "service_date='2026-01-02', description=f'There {i}') for i in range(3)]",
    )

    body = admin_client_api.get(url, {"page_size": 100}).json()
    assert body["count"] == 4
    assert len(body["results"]) == 4


def test_a_transaction_of_our_own_is_told_apart():
    assert not in_own_transaction()  # autocommit (this module's tests run outside any test-case transaction)
    with transaction.atomic():
        assert in_own_transaction()
        with transaction.atomic():
            assert in_own_transaction()
    assert not in_own_transaction()


@pytest.mark.django_db
def test_the_transaction_a_test_case_wraps_around_a_test_is_not_ours():
    assert connection.in_atomic_block
    assert not in_own_transaction()
    with transaction.atomic():
        assert in_own_transaction()


def test_the_file_store_reads_the_settings_the_connection_holds():
    # _FileStore names its files after the default database's settings, read without asking for the connection
    # (a context-local lookup): the two must be one dict, the test database's name included.
    from django.db import DEFAULT_DB_ALIAS, connections

    assert connections.settings[DEFAULT_DB_ALIAS] is connection.settings_dict
