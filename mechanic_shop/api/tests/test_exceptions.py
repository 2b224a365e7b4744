"""Errors Django raises before DRF runs answer in JSON too (mechanic_shop/api/exceptions.py)."""

from decimal import Decimal

import pytest
from django.urls import reverse
from model_bakery import baker

from customers.models import Customer
from inventory.models import Part
from mechanics.models import Mechanic
from tickets.models import ServiceTicket

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("path", ["/customers/abc", "/customers/99999999999999999999999", "/nowhere", "/customers/1/x"])
def test_unknown_paths_are_json_404(admin_client_api, path):
    response = admin_client_api.get(path)
    assert response.status_code == 404
    assert "detail" in response.json()


def test_unsupported_method_is_405(admin_client_api, customer):
    response = admin_client_api.post(reverse("customer-detail", args=[customer.pk]), {}, format="json")
    assert response.status_code == 405
    assert "detail" in response.json()


@pytest.fixture
def shop(make_customer, make_mechanic, make_ticket):
    """A customer with two tickets, a mechanic on both, and a part on both."""
    part = baker.make(Part, name="Oil filter", price=Decimal("8.99"), quantity_in_stock=10)
    customer = make_customer(name="Dana Driver", email="dana@example.com", with_login=False)
    mechanic = make_mechanic(name="Mo Wrench")
    tickets = [make_ticket(customer, mechanics=[mechanic], parts=[(part, 2)]) for _ in range(2)]
    return {"customer": customer, "mechanic": mechanic, "part": part, "tickets": tickets}


@pytest.mark.parametrize(
    ("route", "args", "detail"),
    [
        ("customer-detail", [99999], "Customer not found."),
        ("mechanic-detail", [99999], "Mechanic not found."),
        ("part-detail", [99999], "Part not found."),
        ("serviceticket-detail", [99999], "Service ticket not found."),
    ],
)
def test_a_404_names_the_missing_object_in_words(admin_client_api, route, args, detail):
    response = admin_client_api.get(reverse(route, args=args))
    assert response.status_code == 404
    assert response.json() == {"detail": detail}


@pytest.mark.parametrize(
    ("action", "missing", "detail"),
    [
        ("assign-mechanic", "ticket", "Service ticket not found."),
        ("assign-mechanic", "other", "Mechanic not found."),
        ("remove-mechanic", "other", "Mechanic not found."),
        ("add-part", "ticket", "Service ticket not found."),
        ("add-part", "other", "Part not found."),
        ("remove-part", "other", "Part not found."),
        ("edit", "ticket", "Service ticket not found."),
    ],
)
def test_a_404_on_a_ticket_action_says_which_object_is_missing(admin_client_api, shop, action, missing, detail):
    ticket = shop["tickets"][0]
    other = shop["mechanic"] if "mechanic" in action else shop["part"]
    ticket_pk = 99999 if missing == "ticket" else ticket.pk
    args = [ticket_pk] if action == "edit" else [ticket_pk, 99999 if missing == "other" else other.pk]
    response = admin_client_api.put(reverse(f"serviceticket-{action}", args=args), {}, format="json")
    assert response.status_code == 404
    assert response.json() == {"detail": detail}
    shop["part"].refresh_from_db()
    assert shop["part"].quantity_in_stock == 6  # nothing moved
    assert list(ticket.mechanics.all()) == [shop["mechanic"]]


def test_another_customers_ticket_is_not_found_in_words(customer_client, make_ticket):
    ticket = make_ticket()  # someone else's
    response = customer_client.get(reverse("serviceticket-detail", args=[ticket.pk]))
    assert response.status_code == 404
    assert response.json() == {"detail": "Service ticket not found."}


def test_deleting_a_part_on_tickets_names_the_part_and_how_many_tickets(admin_client_api, shop):
    part = shop["part"]
    response = admin_client_api.delete(reverse("part-detail", args=[part.pk]))
    assert response.status_code == 409
    assert response.json() == {
        "detail": f"Part #{part.pk} “Oil filter” is still referenced by 2 service tickets, so it cannot be deleted."
    }
    assert Part.objects.filter(pk=part.pk, quantity_in_stock=6).exists()


def test_deleting_a_mechanic_on_tickets_names_the_mechanic_and_how_many_tickets(admin_client_api, shop):
    mechanic = shop["mechanic"]
    response = admin_client_api.delete(reverse("mechanic-detail", args=[mechanic.pk]))
    assert response.status_code == 409
    assert response.json() == {
        "detail": f"Mechanic #{mechanic.pk} “Mo Wrench” is still referenced by 2 service tickets, "
        "so it cannot be deleted."
    }
    assert Mechanic.objects.filter(pk=mechanic.pk).exists()


def test_deleting_a_customer_with_tickets_names_the_customer_and_how_many_tickets(admin_client_api, shop):
    customer = shop["customer"]
    response = admin_client_api.delete(reverse("customer-detail", args=[customer.pk]))
    assert response.status_code == 409
    assert response.json()["detail"].startswith(f"Customer #{customer.pk} “Dana Driver")
    assert response.json()["detail"].endswith("is still referenced by 2 service tickets, so it cannot be deleted.")
    assert Customer.objects.filter(pk=customer.pk).exists()
    assert ServiceTicket.objects.filter(customer=customer).count() == 2


def test_one_ticket_is_named_in_the_singular(admin_client_api, make_ticket):
    part = baker.make(Part, name="Bolt", price=Decimal("1.00"), quantity_in_stock=3)
    make_ticket(parts=[part])
    response = admin_client_api.delete(reverse("part-detail", args=[part.pk]))
    assert response.status_code == 409
    assert "is still referenced by 1 service ticket," in response.json()["detail"]
