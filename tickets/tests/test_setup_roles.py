"""The roles `manage.py setup_roles` makes (tickets/management/commands/setup_roles.py)."""

import pytest
from django.contrib.auth.models import Group
from django.core.management import call_command
from django.urls import reverse

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
        "tickets.view_serviceticket",
        "tickets.add_serviceticket",
        "tickets.change_serviceticket",
        "mechanics.view_mechanic",
        "inventory.view_part",
    }
    assert perms["Mechanic"] == {"tickets.view_serviceticket", "tickets.change_serviceticket", "inventory.view_part"}
    for model in ("customers.%s_customer", "mechanics.%s_mechanic", "inventory.%s_part", "tickets.%s_serviceticket"):
        assert {model % a for a in ("view", "add", "change", "delete")} <= perms["Manager"]


def test_front_desk_role_works_through_the_api(staff_client, customer):
    call_command("setup_roles")
    client = staff_client()
    client.user.groups.add(Group.objects.get(name="Front desk"))
    assert client.get(LIST).status_code == 200
    assert client.get(reverse("mechanic-list")).status_code == 200
    assert client.post(reverse("mechanic-list"), {}, format="json").status_code == 403
