"""The customer admin as the tickets app extends it (tickets/customer_admin.py): the customer's tickets on its page,
a ticket count in the list, and a customer with tickets kept, with a delete page that says why."""

from decimal import Decimal

import pytest
from django.urls import reverse
from model_bakery import baker

from customers.models import Customer
from inventory.models import Part
from tickets.models import ServiceTicket

pytestmark = pytest.mark.django_db
CHANGELIST = reverse("admin:customers_customer_changelist")


def change_url(customer):
    return reverse("admin:customers_customer_change", args=[customer.pk])


def test_customer_page_lists_its_tickets_with_links(admin_client, customer, other_customer, make_ticket):
    part = baker.make(Part, price=Decimal("12.50"), quantity_in_stock=5)
    mine = make_ticket(customer, parts=[(part, 2)], labor_cost=Decimal("30.00"), description="Brakes")
    theirs = make_ticket(other_customer, vin="2T1BR32E54C123456")
    page = admin_client.get(change_url(customer)).content.decode()
    assert "Service tickets" in page
    assert f'href="{reverse("admin:tickets_serviceticket_change", args=[mine.pk])}"' in page
    assert "55.00" in page  # labor and two parts
    assert theirs.vin not in page


def test_customer_page_shows_no_tickets_without_view_permission(client, make_staff, customer, make_ticket):
    ticket = make_ticket(customer)
    client.force_login(make_staff("customers.view_customer", "customers.change_customer"))
    response = client.get(change_url(customer))
    assert response.status_code == 200
    page = response.content.decode()
    assert ticket.vin not in page
    assert "Service tickets" not in page


def test_saving_a_customer_leaves_its_tickets_alone(admin_client, customer, make_ticket):
    ticket = make_ticket(customer, status="completed")
    form = {
        "name": "Dana Q. Driver",
        "email": customer.email,
        "phone_number": customer.phone_number,
        "new_password": "",
        "service_tickets-TOTAL_FORMS": "1",
        "service_tickets-INITIAL_FORMS": "1",
        "service_tickets-0-id": str(ticket.pk),
        "service_tickets-0-customer": str(customer.pk),
        "vehicles-TOTAL_FORMS": "0",
        "vehicles-INITIAL_FORMS": "0",
    }
    response = admin_client.post(change_url(customer), form)
    assert response.status_code == 302
    customer.refresh_from_db()
    assert customer.name == "Dana Q. Driver"
    ticket.refresh_from_db()
    assert (ticket.customer_id, ticket.status) == (customer.pk, "completed")


def test_customer_list_counts_tickets_in_fixed_queries(
    admin_client, make_customer, make_ticket, django_assert_num_queries
):
    busy = make_customer(name="Busy Bea", with_login=False)
    for _ in range(3):
        make_ticket(busy)
    make_customer(name="New Ned", with_login=False)
    admin_client.get(CHANGELIST)
    # session, user, the counts (filtered and all), the page with its ticket counts
    with django_assert_num_queries(5):
        response = admin_client.get(CHANGELIST)
    counts = {customer.name: customer.ticket_count for customer in response.context["cl"].result_list}
    assert counts == {"Busy Bea": 3, "New Ned": 0}
    for _ in range(5):
        make_ticket(make_customer(with_login=False))
    with django_assert_num_queries(5):
        response = admin_client.get(CHANGELIST, {"o": "-6"})  # by the Tickets column (after the checkbox), down
    assert [customer.ticket_count for customer in response.context["cl"].result_list][:3] == [3, 1, 1]


def test_customer_list_has_no_ticket_count_without_view_permission(client, make_staff, customer):
    client.force_login(make_staff("customers.view_customer"))
    response = client.get(CHANGELIST)
    assert response.status_code == 200
    assert "ticket_count" not in response.context["cl"].list_display


@pytest.mark.parametrize("status", ["open", "completed"])
def test_deleting_a_customer_with_tickets_says_why_and_keeps_it(admin_client, customer, make_ticket, status):
    make_ticket(customer, status=status)
    make_ticket(customer)
    url = reverse("admin:customers_customer_delete", args=[customer.pk])
    page = admin_client.get(url).content.decode()
    assert "cannot be deleted: the shop keeps its service tickets as history" in page
    assert f"{customer.name} &lt;{customer.email}&gt; has 2 service tickets" in page
    assert "permission" not in page
    assert 'type="submit"' not in page.split('id="content"')[1]  # no confirm button
    response = admin_client.post(url, {"post": "yes"})
    assert response.status_code == 200
    assert Customer.objects.filter(pk=customer.pk).exists()
    assert ServiceTicket.objects.filter(customer=customer).count() == 2


def test_bulk_delete_keeps_customers_with_tickets(admin_client, customer, other_customer, make_customer, make_ticket):
    make_ticket(customer, status="completed")
    idle = make_customer(with_login=False)
    selected = [customer.pk, other_customer.pk, idle.pk]
    response = admin_client.post(CHANGELIST, {"action": "delete_selected", "_selected_action": selected})
    page = response.content.decode()
    assert "No customer was deleted: the shop keeps its service tickets as history" in page
    assert f"{customer.name} &lt;{customer.email}&gt; has 1 service ticket<" in page
    assert "permission" not in page
    # Even confirmed, nothing goes.
    admin_client.post(CHANGELIST, {"action": "delete_selected", "_selected_action": selected, "post": "yes"})
    assert Customer.objects.filter(pk__in=selected).count() == 3


def test_customer_without_tickets_is_deleted_with_its_login(admin_client, customer):
    login = customer.user
    url = reverse("admin:customers_customer_delete", args=[customer.pk])
    assert "Are you sure" in admin_client.get(url).content.decode()
    assert admin_client.post(url, {"post": "yes"}).status_code == 302
    assert not Customer.objects.filter(pk=customer.pk).exists()
    assert not type(login).objects.filter(pk=login.pk).exists()


def test_front_desk_is_told_the_same(client, make_role_user, customer, make_ticket):
    make_ticket(customer, status="completed")
    client.force_login(make_role_user("Front desk"))
    url = reverse("admin:customers_customer_delete", args=[customer.pk])
    page = client.get(url).content.decode()
    assert "has 1 service ticket" in page
    assert "permission" not in page
    assert client.post(url, {"post": "yes"}).status_code == 200
    assert Customer.objects.filter(pk=customer.pk).exists()


def test_the_customer_page_lists_its_vehicles_beside_its_tickets(admin_client, customer, make_ticket):
    ticket = make_ticket(customer)
    page = admin_client.get(change_url(customer)).content.decode()
    assert ticket.vehicle.vin in page
    assert reverse("admin:customers_vehicle_change", args=[ticket.vehicle_id]) in page
    assert reverse("admin:tickets_serviceticket_change", args=[ticket.pk]) in page
