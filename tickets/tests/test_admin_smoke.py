"""Every admin page a Front desk user (setup_roles) can reach renders: the index, each app's index, and for each
model it lists the list, search, add form, one object's page, its history and, where it may delete, the delete
page. Pages it may not open answer 403, never 500."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.apps import apps
from django.urls import reverse
from model_bakery import baker

from customers.services import vehicle_for_ticket
from inventory.models import Part, Supplier
from inventory.purchasing import LineIn, purchase_order_create, purchase_order_mark_ordered
from tickets.models import TimeEntry

pytestmark = pytest.mark.django_db


@pytest.fixture
def front_desk(client, make_role_user, make_ticket, make_mechanic, customer):
    pads = baker.make(Part, name="Brake pad set", price=Decimal("54.00"), quantity_in_stock=3)
    mo = make_mechanic(name="Mo")
    done = make_ticket(customer, mechanics=[mo], parts=[pads], status="completed")
    entry = TimeEntry(ticket=done, mechanic=mo, started_at=done.completed_at - timedelta(hours=1))
    entry.end(done.completed_at)
    entry.save()
    make_ticket(customer)
    vehicle_for_ticket(vin="1HGCM82633A004352", customer=customer)  # also made by the tickets once they link one
    order = purchase_order_create(supplier=Supplier.objects.create(name="Brake World"), lines=[LineIn(pads.pk, 4)])
    purchase_order_mark_ordered(order=order)
    client.force_login(make_role_user("Front desk"))
    return client


def ok(client, url, **params):
    response = client.get(url, params)
    assert response.status_code == 200, (url, response.status_code)
    return response


def test_every_page_front_desk_can_reach_renders(front_desk):
    app_list = ok(front_desk, reverse("admin:index")).context["app_list"]
    reached = {model["object_name"] for app in app_list for model in app["models"]}
    assert reached == {
        "Customer",
        "Mechanic",
        "Part",
        "PurchaseOrder",
        "ServiceTicket",
        "StockMovement",
        "Supplier",
        "TimeEntry",
        "Vehicle",
    }
    for app in app_list:
        ok(front_desk, app["app_url"])
        for entry in app["models"]:
            model = apps.get_model(app["app_label"], entry["object_name"])
            changelist = entry["admin_url"]
            ok(front_desk, changelist)
            ok(front_desk, changelist, q="brake")
            if entry["add_url"]:
                ok(front_desk, entry["add_url"])
            obj = model._default_manager.order_by("pk").first()
            info = (app["app_label"], model._meta.model_name)
            ok(front_desk, reverse("admin:{}_{}_change".format(*info), args=[obj.pk]))
            ok(front_desk, reverse("admin:{}_{}_history".format(*info), args=[obj.pk]))
            if entry["perms"].get("delete"):
                ok(front_desk, reverse("admin:{}_{}_delete".format(*info), args=[obj.pk]))


@pytest.mark.parametrize(
    "name",
    [
        "admin:auth_user_changelist",
        "admin:auth_group_changelist",
        "admin:inventory_part_add",
        "admin:inventory_supplier_add",
        "admin:inventory_purchaseorder_add",
        "admin:mechanics_mechanic_add",
        "admin:tickets_timeentry_add",
        "admin:inventory_stockmovement_add",
        "admin:token_blacklist_outstandingtoken_changelist",
    ],
)
def test_pages_front_desk_may_not_open_are_forbidden(front_desk, name):
    assert front_desk.get(reverse(name)).status_code == 403


def test_apps_front_desk_has_nothing_in_are_not_found(front_desk):
    assert front_desk.get(reverse("admin:app_list", args=["auth"])).status_code == 404
