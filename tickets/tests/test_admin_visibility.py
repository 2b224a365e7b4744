"""Who sees what in the ticket admin: exactly what their model permissions show in the API.

The Mechanic group (tickets view and change, inventory view) sees no customer's name, e-mail or phone and no
mechanic's name anywhere in it; the Front desk group sees both. Users are built with the groups `setup_roles` makes.
"""

from decimal import Decimal

import pytest
from django.test import Client
from django.urls import reverse
from model_bakery import baker

from inventory.models import Part
from tickets.tests.admin_pages import change_url, page_data, post_page, role_client, shown_messages

pytestmark = pytest.mark.django_db

LIST = reverse("admin:tickets_serviceticket_changelist")
CUSTOMER = {"name": "Priya Private", "email": "priya.private@example.com", "phone_number": "555-7788"}
MECHANIC = {"name": "Moriarty Wrench", "email": "moriarty@example.com", "phone_number": "555-3344"}


@pytest.fixture
def priya(make_customer):
    return make_customer(**CUSTOMER)


@pytest.fixture
def moriarty(make_mechanic):
    return make_mechanic(**MECHANIC)


@pytest.fixture
def pads():
    return baker.make(Part, name="Brake pad set", price=Decimal("54.00"), quantity_in_stock=10)


@pytest.fixture
def ticket(make_ticket, priya, moriarty, pads):
    return make_ticket(priya, mechanics=[moriarty], parts=[(pads, 2)], description="Brakes")


@pytest.fixture
def mechanic_role(make_staff):
    return role_client(make_staff, "Mechanic")


@pytest.fixture
def front_desk(make_staff):
    return role_client(make_staff, "Front desk")


def _leaks(page: str) -> list[str]:
    secrets = [*CUSTOMER.values(), *MECHANIC.values(), "Priya", "priya", "Moriarty", "moriarty"]
    return [secret for secret in secrets if secret in page]


def test_the_mechanic_role_sees_no_customer_or_mechanic_in_the_list(mechanic_role, ticket):
    response = mechanic_role.get(LIST)
    assert response.status_code == 200
    page = response.content.decode()
    assert _leaks(page) == []
    assert f"Customer #{ticket.customer_id}" in page
    assert "By mechanics" not in page  # no filter listing mechanics


def test_the_mechanic_role_cannot_search_or_filter_by_what_it_may_not_see(mechanic_role, ticket, moriarty):
    for term in ("Priya", "priya.private@example.com", "555-7788"):
        response = mechanic_role.get(LIST, {"q": term})
        assert response.status_code == 200
        assert list(response.context["cl"].result_list) == []
    assert [t.pk for t in mechanic_role.get(LIST, {"q": "brakes"}).context["cl"].result_list] == [ticket.pk]
    # Lookups that would tell a name letter by letter are refused; by id, as the API's ?mechanic_id=, is no secret.
    assert mechanic_role.get(LIST, {"mechanics__name__startswith": "M"}).status_code == 400
    assert mechanic_role.get(LIST, {"customer__name__startswith": "P"}).status_code == 400
    assert mechanic_role.get(LIST, {"customer__email__startswith": "p"}).status_code == 400
    assert mechanic_role.get(LIST, {"mechanics__id__exact": moriarty.pk}).status_code == 200


def test_the_mechanic_role_sees_no_customer_or_mechanic_on_the_ticket_page(mechanic_role, ticket, moriarty):
    response = mechanic_role.get(change_url(ticket))
    assert response.status_code == 200
    page = response.content.decode()
    assert _leaks(page) == []
    assert "Brake pad set" in page  # parts it may see
    form = response.context["adminform"].form
    assert form["customer"].value() == ticket.customer_id  # the id, in a plain number field
    picker = form.fields["assigned_mechanics"]
    assert [picker.label_from_instance(m) for m in picker.queryset] == [f"Mechanic #{moriarty.pk}"]


def test_the_mechanic_role_cannot_use_the_customer_autocomplete(mechanic_role, ticket):
    params = {"app_label": "tickets", "model_name": "serviceticket", "field_name": "customer", "term": "Pri"}
    response = mechanic_role.get(reverse("admin:autocomplete"), params)
    assert response.status_code == 403
    assert _leaks(response.content.decode()) == []


def test_the_mechanic_role_works_a_ticket_by_ids(mechanic_role, ticket, pads, make_mechanic):
    helper = make_mechanic()
    changes = {"assigned_mechanics": [str(m.pk) for m in (*ticket.mechanics.all(), helper)], "lines-0-quantity": "3"}
    response = post_page(mechanic_role, ticket, changes)
    assert response.status_code == 302
    assert any(level == "success" for level, _text in shown_messages(response))
    assert set(ticket.mechanics.values_list("pk", flat=True)) == {ticket.mechanics.first().pk, helper.pk}
    assert ticket.lines.get().quantity == 3
    pads.refresh_from_db()
    assert pads.quantity_in_stock == 7


def test_a_view_only_user_sees_the_customer_only_by_id(make_staff, ticket):
    """Read-only pages show fields as text: the customer's id and the mechanics' ids, nothing else."""
    user = make_staff("tickets.view_serviceticket")
    client = Client()
    client.force_login(user)
    response = client.get(change_url(ticket))
    assert response.status_code == 200
    page = response.content.decode()
    assert _leaks(page) == []
    assert f"Customer #{ticket.customer_id}" in page
    assert f"Mechanic #{ticket.mechanics.get().pk}" in page


def test_the_delete_page_names_no_customer_or_mechanic(make_staff, ticket):
    user = make_staff("tickets.view_serviceticket", "tickets.delete_serviceticket")
    client = Client()
    client.force_login(user)
    response = client.get(reverse("admin:tickets_serviceticket_delete", args=[ticket.pk]))
    assert response.status_code == 200
    assert "Brake pad set" in response.content.decode()  # the lines that go with it
    assert _leaks(response.content.decode()) == []


def test_the_front_desk_sees_customers_and_mechanics(front_desk, ticket, moriarty):
    page = front_desk.get(LIST).content.decode()
    assert "Priya Private" in page
    assert "Moriarty Wrench" in page  # the mechanic filter
    found = front_desk.get(LIST, {"q": "priya.private@example.com"}).context["cl"].result_list
    assert [t.pk for t in found] == [ticket.pk]
    assert [t.pk for t in front_desk.get(LIST, {"mechanics__id__exact": moriarty.pk}).context["cl"].result_list] == [
        ticket.pk
    ]
    response = front_desk.get(change_url(ticket))
    assert "Priya Private" in response.content.decode()
    assert "Moriarty Wrench" in response.content.decode()
    assert page_data(response)["customer"] == str(ticket.customer_id)
