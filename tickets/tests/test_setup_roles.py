"""The roles `manage.py setup_roles` makes (tickets/management/commands/setup_roles.py)."""

import pytest
from django.contrib.auth.models import Group
from django.core.management import call_command
from django.urls import reverse

from mechanic_shop.accounts.authentication import ROLE_STAFF
from mechanic_shop.testing.clients import client_with_token

pytestmark = pytest.mark.django_db

LIST = reverse("customer-list")


def test_setup_roles_creates_the_three_groups(capsys):
    call_command("setup_roles")
    call_command("setup_roles")  # idempotent
    assert "Roles ready" in capsys.readouterr().out
    perms = {
        g.name: {f"{p.content_type.app_label}.{p.codename}" for p in g.permissions.all()} for g in Group.objects.all()
    }
    assert set(perms) == {"Front desk", "Mechanic", "Manager"}
    assert perms["Front desk"] == {
        "customers.view_customer",
        "customers.add_customer",
        "customers.change_customer",
        "customers.delete_customer",
        "customers.view_vehicle",
        "customers.add_vehicle",
        "customers.change_vehicle",
        "customers.delete_vehicle",
        "tickets.view_serviceticket",
        "tickets.add_serviceticket",
        "tickets.change_serviceticket",
        "mechanics.view_mechanic",
        "inventory.view_part",
        "inventory.view_supplier",
        "inventory.view_purchaseorder",
    }
    assert perms["Mechanic"] == {
        "customers.view_vehicle",
        "tickets.view_serviceticket",
        "tickets.change_serviceticket",
        "inventory.view_part",
    }
    for model in (
        "customers.%s_customer",
        "customers.%s_vehicle",
        "mechanics.%s_mechanic",
        "inventory.%s_part",
        "inventory.%s_supplier",
        "inventory.%s_purchaseorder",
        "tickets.%s_serviceticket",
    ):
        assert {model % a for a in ("view", "add", "change", "delete")} <= perms["Manager"]


def test_front_desk_role_works_through_the_api(staff_client, customer):
    call_command("setup_roles")
    client = staff_client()
    client.user.groups.add(Group.objects.get(name="Front desk"))
    assert client.get(LIST).status_code == 200
    assert client.get(reverse("mechanic-list")).status_code == 200
    assert client.post(reverse("mechanic-list"), {}, format="json").status_code == 403


def test_mechanics_read_vehicles_and_only_read_them(make_role_user, customer):
    client = client_with_token(make_role_user("Mechanic"), ROLE_STAFF)
    assert client.get(reverse("vehicle-list")).status_code == 200
    body = {"vin": "1HGCM82633A004352", "customer_id": customer.pk}
    assert client.post(reverse("vehicle-list"), body, format="json").status_code == 403
    front_desk = client_with_token(make_role_user("Front desk"), ROLE_STAFF)
    assert front_desk.post(reverse("vehicle-list"), body, format="json").status_code == 201
    assert customer.vehicles.get().vin == body["vin"]
