"""Who may do what with tickets, and the my-tickets lists."""

from decimal import Decimal

import pytest
from django.urls import reverse
from model_bakery import baker

from inventory.models import Part
from tickets.models import ServiceTicket

pytestmark = pytest.mark.django_db
LIST = reverse("serviceticket-list")


@pytest.fixture
def own(make_ticket, customer):
    return [make_ticket(customer, service_date=f"2026-03-{day:02d}", description=f"Visit {day}") for day in (1, 2)]


@pytest.fixture
def others(make_ticket, other_customer):
    return make_ticket(other_customer, service_date="2026-03-03", description="Visit 3")


def test_customer_lists_only_own_tickets_newest_first(customer_client, own, others):
    response = customer_client.get(LIST)
    assert response.status_code == 200
    assert [t["id"] for t in response.json()["results"]] == [own[1].pk, own[0].pk]


def test_customer_reads_own_ticket_and_not_anothers(customer_client, own, others):
    assert customer_client.get(reverse("serviceticket-detail", args=[own[0].pk])).status_code == 200
    response = customer_client.get(reverse("serviceticket-detail", args=[others.pk]))
    assert response.status_code == 404


def test_customer_filter_cannot_reach_other_customers(customer_client, own, others, other_customer):
    response = customer_client.get(LIST, {"customer_id": other_customer.pk})
    assert response.json()["count"] == 0


def test_customer_may_not_write_tickets(customer_client, own, customer):
    part = baker.make(Part, quantity_in_stock=3, price=1)
    ticket = own[0]
    writes = [
        ("post", LIST, {"vin": "1HGCM82633A004352", "service_date": "2026-01-01", "description": "x",
                        "customer_id": customer.pk}),
        ("patch", reverse("serviceticket-detail", args=[ticket.pk]), {"description": "mine"}),
        ("delete", reverse("serviceticket-detail", args=[ticket.pk]), None),
        ("put", reverse("serviceticket-add-part", args=[ticket.pk, part.pk]), None),
        ("put", reverse("serviceticket-edit", args=[ticket.pk]), {}),
    ]  # fmt: skip
    for method, url, body in writes:
        assert getattr(customer_client, method)(url, body, format="json").status_code == 403, url
    assert ServiceTicket.objects.count() == 2
    part.refresh_from_db()
    assert part.quantity_in_stock == 3


def test_anonymous_is_401_everywhere(anon_client, own):
    assert anon_client.get(LIST).status_code == 401
    assert anon_client.get(reverse("serviceticket-detail", args=[own[0].pk])).status_code == 401
    assert anon_client.get(reverse("customer-my-tickets-list")).status_code == 401
    assert anon_client.get(reverse("mechanic-my-tickets-list")).status_code == 401


@pytest.mark.parametrize(
    ("perm", "method", "expected"),
    [
        (None, "get", 403),
        ("view", "get", 200),
        ("change", "get", 403),
        ("view", "delete", 403),
        ("delete", "delete", 204),
    ],
)
def test_staff_need_the_model_permission(staff_client, own, perm, method, expected):
    client = staff_client(*([f"tickets.{perm}_serviceticket"] if perm else []))
    url = reverse("serviceticket-detail", args=[own[0].pk])
    assert getattr(client, method)(url).status_code == expected
    if method == "get":
        assert client.get(LIST).status_code == expected


def test_part_moves_need_only_change_serviceticket(staff_client, own):
    part = baker.make(Part, quantity_in_stock=3, price=Decimal("2.00"))
    client = staff_client("tickets.change_serviceticket")
    response = client.put(reverse("serviceticket-add-part", args=[own[0].pk, part.pk]), {"quantity": 2}, format="json")
    assert response.status_code == 200
    part.refresh_from_db()
    assert part.quantity_in_stock == 1


def test_customer_my_tickets(customer_client, own, others):
    response = customer_client.get(reverse("customer-my-tickets-list"))
    assert response.status_code == 200
    body = response.json()
    assert body["count"] == 2
    assert [t["id"] for t in body["results"]] == [own[1].pk, own[0].pk]


def test_staff_get_403_on_customer_my_tickets(admin_client_api):
    assert admin_client_api.get(reverse("customer-my-tickets-list")).status_code == 403


def test_mechanic_my_tickets_for_linked_staff_without_model_permissions(
    staff_client, customer, own, make_mechanic, make_ticket
):
    client = staff_client()
    mechanic = make_mechanic(user=client.user)
    mine = make_ticket(customer, service_date="2026-03-09", description="Visit 9", mechanics=[mechanic])
    response = client.get(reverse("mechanic-my-tickets-list"))
    assert response.status_code == 200
    assert [t["id"] for t in response.json()["results"]] == [mine.pk]


def test_mechanic_my_tickets_refuses_unlinked_staff_and_customers(staff_client, customer_client):
    response = staff_client().get(reverse("mechanic-my-tickets-list"))
    assert response.status_code == 403
    assert "not linked" in response.json()["detail"]
    assert customer_client.get(reverse("mechanic-my-tickets-list")).status_code == 403
