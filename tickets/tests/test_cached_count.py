"""The staff list's total of every ticket comes from the cache, and every way a ticket appears or goes updates it."""

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tickets.models import ServiceTicket
from tickets.services import ticket_delete

pytestmark = pytest.mark.django_db
LIST = reverse("serviceticket-list")


def listed_count(client, **params):
    with CaptureQueriesContext(connection) as queries:
        response = client.get(LIST, params)
    assert response.status_code == 200, response.json()
    counted = [q["sql"] for q in queries if "COUNT(" in q["sql"].upper()]
    return response.json()["count"], len(counted)


def test_unfiltered_total_is_counted_once_then_cached(admin_client_api, make_ticket, customer):
    for i in range(3):
        make_ticket(customer, description=f"J{i}")
    assert listed_count(admin_client_api) == (3, 1)
    assert listed_count(admin_client_api, page_size=2, ordering="-id") == (3, 0)
    assert listed_count(admin_client_api, per_page=1, page=2) == (3, 0)


def test_filtered_or_searched_lists_count_for_real(admin_client_api, make_ticket, customer, other_customer):
    make_ticket(customer)
    make_ticket(other_customer)
    listed_count(admin_client_api)  # caches the total
    assert listed_count(admin_client_api, customer_id=customer.pk) == (1, 1)
    assert listed_count(admin_client_api, search="nothing-like-this") == (0, 1)


def test_customers_count_their_own(admin_client_api, customer_client, make_ticket, customer, other_customer):
    make_ticket(customer)
    make_ticket(other_customer)
    listed_count(admin_client_api)
    response = customer_client.get(LIST)
    assert response.status_code == 200
    assert response.json()["count"] == 1


def test_every_create_and_delete_updates_the_total(admin_client_api, make_ticket, customer):
    first = make_ticket(customer)
    assert listed_count(admin_client_api)[0] == 1
    # The API
    response = admin_client_api.post(
        LIST,
        {"customer_id": customer.pk, "vin": "1HGCM82633A004352", "service_date": "2026-01-02", "description": "x"},
        format="json",
    )
    assert response.status_code == 201, response.json()
    assert listed_count(admin_client_api)[0] == 2
    assert admin_client_api.delete(reverse("serviceticket-detail", args=[first.pk])).status_code == 204
    assert listed_count(admin_client_api)[0] == 1
    # The services (the admin's path)
    ticket_delete(ticket=ServiceTicket.objects.get())
    assert listed_count(admin_client_api)[0] == 0
    # seed_shop writes in bulk, without signals
    call_command("seed_shop", "--customers=3", "--mechanics=2", "--parts=3", "--tickets=7", "--seed=1", "--flush")
    assert listed_count(admin_client_api)[0] == ServiceTicket.objects.count() == 7


def test_admin_add_and_delete_update_the_total(admin_client_api, customer, client, django_user_model, make_mechanic):
    """Also the admin's add form end to end, mechanics included (it once passed them to ticket_create: a 500)."""
    mechanic = make_mechanic()
    admin = django_user_model.objects.create_superuser("chief", "chief@example.com", "Chief-Pass-2026")
    client.force_login(admin)
    listed_count(admin_client_api)
    form = {
        "customer": customer.pk,
        "vin": "1HGCM82633A004352",
        "service_date": "2026-01-03",
        "description": "Admin",
        "labor_cost": "0",
        "assigned_mechanics": [mechanic.pk],
        "mechanic_links-TOTAL_FORMS": "0",
        "mechanic_links-INITIAL_FORMS": "0",
        "lines-TOTAL_FORMS": "0",
        "lines-INITIAL_FORMS": "0",
        "labor_lines-TOTAL_FORMS": "0",
        "labor_lines-INITIAL_FORMS": "0",
    }
    response = client.post(reverse("admin:tickets_serviceticket_add"), form)
    assert response.status_code == 302, response.content[:2000]
    ticket = ServiceTicket.objects.get()
    assert (ticket.vin, ticket.status, list(ticket.mechanics.all())) == ("1HGCM82633A004352", "open", [mechanic])
    assert listed_count(admin_client_api)[0] == 1
    response = client.post(reverse("admin:tickets_serviceticket_delete", args=[ticket.pk]), {"post": "yes"})
    assert response.status_code == 302
    assert listed_count(admin_client_api)[0] == 0


def test_a_count_read_in_a_transaction_that_rolls_back_is_not_kept(admin_client_api, make_ticket, customer):
    from django.db import transaction

    make_ticket(customer)
    assert listed_count(admin_client_api) == (1, 1)

    @transaction.atomic
    def create_then_fail():
        make_ticket(customer, description="Rolled back")
        assert listed_count(admin_client_api) == (2, 1)  # seen inside the transaction, counted for real
        raise RuntimeError("rolled back")

    with pytest.raises(RuntimeError, match="rolled back"):
        create_then_fail()
    assert ServiceTicket.objects.count() == 1
    assert listed_count(admin_client_api)[0] == 1
