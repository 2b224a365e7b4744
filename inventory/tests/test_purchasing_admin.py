"""The purchasing admin: suppliers, and purchase orders whose lines change only while draft, through the services;
the list actions; the parts list's reorder filter."""

from decimal import Decimal

import pytest
from django.urls import reverse

from inventory import purchasing_admin
from inventory.models import Part, PurchaseOrder, PurchaseOrderLine, StockMovement, Supplier
from inventory.purchasing import LineIn, purchase_order_create, purchase_order_mark_ordered, purchase_order_update
from inventory.services import part_create
from mechanic_shop.core.exceptions import Conflict
from tickets.tests.admin_pages import page_data, role_client, shown_messages

pytestmark = pytest.mark.django_db
ORDERS = reverse("admin:inventory_purchaseorder_changelist")
ADD_ORDER = reverse("admin:inventory_purchaseorder_add")
SUPPLIERS = reverse("admin:inventory_supplier_changelist")


def change_url(order) -> str:
    return reverse("admin:inventory_purchaseorder_change", args=[order.pk])


@pytest.fixture
def acme():
    return Supplier.objects.create(name="Acme Parts")


@pytest.fixture
def filters(acme):
    return part_create(name="Oil filter", price=Decimal("8.99"), quantity_in_stock=3, supplier=acme)


@pytest.fixture
def pads(acme):
    return part_create(name="Brake pad set", price=Decimal("54.00"), quantity_in_stock=10, supplier=acme)


@pytest.fixture
def draft(acme, filters):
    return purchase_order_create(supplier=acme, lines=[LineIn(filters.pk, 5, Decimal("4.00"))])


def post_page(client, order, changes):
    url = change_url(order)
    return client.post(url, page_data(client.get(url)) | changes)


def test_pages_open(admin_client, draft):
    for url in (ORDERS, ADD_ORDER, change_url(draft), SUPPLIERS, reverse("admin:inventory_supplier_add")):
        assert admin_client.get(url).status_code == 200
    page = admin_client.get(change_url(draft)).content.decode()
    assert "Parts on this order" in page
    assert "Oil filter" in page


def test_supplier_added_and_changed_through_the_page(admin_client):
    add = reverse("admin:inventory_supplier_add")
    response = admin_client.post(add, {"name": "Acme", "email": "a@acme.example.com", "phone_number": ""})
    assert response.status_code == 302
    supplier = Supplier.objects.get()
    assert supplier.email == "a@acme.example.com"
    url = reverse("admin:inventory_supplier_change", args=[supplier.pk])
    assert admin_client.post(url, {"name": "Acme Ltd", "email": "", "phone_number": "555-0100"}).status_code == 302
    supplier.refresh_from_db()
    assert (supplier.name, supplier.email, supplier.phone_number) == ("Acme Ltd", "", "555-0100")


def test_a_draft_is_added_with_its_lines(admin_client, acme, filters, pads):
    filters.cost = Decimal("4.50")
    filters.save()
    data = page_data(admin_client.get(ADD_ORDER)) | {
        "supplier": str(acme.pk),
        "lines-0-part": str(filters.pk),
        "lines-0-quantity": "6",
        "lines-TOTAL_FORMS": "2",
        "lines-1-part": str(pads.pk),
        "lines-1-quantity": "2",
        "lines-1-unit_cost": "30.00",
    }
    response = admin_client.post(ADD_ORDER, data)
    assert response.status_code == 302, response.context and response.context["adminform"].form.errors
    order = PurchaseOrder.objects.get()
    assert (order.supplier_id, order.status) == (acme.pk, "draft")
    assert sorted(order.lines.values_list("part_id", "quantity", "unit_cost")) == sorted(
        [(filters.pk, 6, Decimal("4.50")), (pads.pk, 2, Decimal("30.00"))]
    )


def test_a_drafts_lines_change_through_the_page(admin_client, draft, filters, pads):
    response = post_page(
        admin_client, draft, {"lines-0-quantity": "8", "lines-1-part": str(pads.pk), "lines-1-quantity": "1"}
    )
    assert response.status_code == 302
    assert sorted(draft.lines.values_list("part_id", "quantity")) == sorted([(filters.pk, 8), (pads.pk, 1)])
    line = draft.lines.get(part=filters)
    response = post_page(admin_client, draft, {"lines-0-id": str(line.pk), "lines-0-DELETE": "on"})
    assert response.status_code == 302
    assert list(draft.lines.values_list("part_id", flat=True)) == [pads.pk]


def test_an_ordered_orders_lines_are_read_only(admin_client, draft, filters, pads):
    purchase_order_mark_ordered(order=draft)
    response = admin_client.get(change_url(draft))
    inline = response.context["inline_admin_formsets"][0]
    assert not inline.has_add_permission
    assert not inline.has_change_permission
    # A post naming new lines changes nothing.
    data = page_data(response) | {"lines-TOTAL_FORMS": "1", "lines-0-part": str(pads.pk), "lines-0-quantity": "9"}
    admin_client.post(change_url(draft), data)
    assert list(draft.lines.values_list("part_id", "quantity")) == [(filters.pk, 5)]


def test_an_order_ordered_meanwhile_keeps_its_lines(admin_client, draft, pads):
    opened = admin_client.get(change_url(draft))
    purchase_order_mark_ordered(order=draft)  # meanwhile, someone orders it
    data = page_data(opened) | {"lines-0-quantity": "50", "lines-1-part": str(pads.pk), "lines-1-quantity": "1"}
    admin_client.post(change_url(draft), data)
    assert list(draft.lines.values_list("quantity", flat=True)) == [5]


def test_a_save_refused_by_the_service_rolls_back_and_says_why(admin_client, draft, acme, monkeypatch):
    other = Supplier.objects.create(name="Other")

    def refuse(**kwargs):
        if "lines" in kwargs:
            raise Conflict("Purchase order #1 is ordered: only a draft's supplier and lines change.")
        return purchase_order_update(**kwargs)

    monkeypatch.setattr(purchasing_admin, "purchase_order_update", refuse)
    response = post_page(admin_client, draft, {"supplier": str(other.pk), "lines-0-quantity": "50"})
    assert response.status_code == 302
    assert response["Location"] == change_url(draft)
    assert ("error", "Not saved: Purchase order #1 is ordered: only a draft's supplier and lines change.") in (
        shown_messages(response)
    )
    draft.refresh_from_db()
    assert draft.supplier_id == acme.pk  # the supplier change of the same save is rolled back too
    assert draft.lines.get().quantity == 5


def test_list_actions_order_receive_and_cancel(admin_client, acme, draft, filters, pads):
    other = purchase_order_create(supplier=acme, lines=[LineIn(pads.pk, 2, Decimal("31.00"))])
    empty = purchase_order_create(supplier=acme)

    def act(action, *orders):
        ids = [str(o.pk) for o in orders]
        return admin_client.post(ORDERS, {"action": action, "_selected_action": ids}, follow=True)

    response = act("mark_ordered", draft, other, empty)
    assert response.status_code == 200
    texts = [text for _level, text in shown_messages(response)]
    assert "2 purchase order(s) marked ordered." in texts
    assert any(f"#{empty.pk}" in text and "no lines" in text for text in texts)
    response = act("receive_everything_due", draft, empty)
    texts = [text for _level, text in shown_messages(response)]
    assert "1 purchase order(s) received in full." in texts
    draft.refresh_from_db()
    filters.refresh_from_db()
    assert (draft.status, filters.quantity_in_stock, filters.cost) == ("received", 8, Decimal("4.00"))
    assert draft.received_at is not None
    movement = StockMovement.objects.get(reason="receipt")
    assert (movement.part_id, movement.delta, movement.balance_after, movement.purchase_order_id) == (
        filters.pk,
        5,
        8,
        draft.pk,
    )
    assert movement.user.is_superuser
    response = act("cancel_orders", other, draft)
    texts = [text for _level, text in shown_messages(response)]
    assert "1 purchase order(s) cancelled." in texts
    assert any(f"#{draft.pk}" in text for text in texts)
    assert PurchaseOrder.objects.get(pk=other.pk).status == "cancelled"
    assert PurchaseOrder.objects.get(pk=draft.pk).status == "received"


def test_a_received_order_cannot_be_deleted_in_the_admin(admin_client, draft):
    purchase_order_mark_ordered(order=draft)
    from inventory.purchasing import purchase_order_receive

    purchase_order_receive(order=draft)
    assert admin_client.get(reverse("admin:inventory_purchaseorder_delete", args=[draft.pk])).status_code == 403
    response = admin_client.post(
        ORDERS, {"action": "delete_selected", "_selected_action": [str(draft.pk)], "post": "yes"}, follow=True
    )
    assert response.status_code == 200
    assert PurchaseOrder.objects.filter(pk=draft.pk).exists()


def test_a_draft_is_deleted_with_its_lines(admin_client, draft):
    response = admin_client.post(reverse("admin:inventory_purchaseorder_delete", args=[draft.pk]), {"post": "yes"})
    assert response.status_code == 302
    assert not PurchaseOrder.objects.exists()
    assert not PurchaseOrderLine.objects.exists()


def test_roles_in_the_admin(make_staff, draft):
    front = role_client(make_staff, "Front desk")
    assert front.get(ORDERS).status_code == 200
    assert front.get(change_url(draft)).status_code == 200
    assert front.get(ADD_ORDER).status_code == 403
    response = front.post(ORDERS, {"action": "mark_ordered", "_selected_action": [str(draft.pk)]})
    assert PurchaseOrder.objects.get(pk=draft.pk).status == "draft"
    assert response.status_code == 200  # no such action for a viewer: the list again
    mechanic = role_client(make_staff, "Mechanic")
    assert mechanic.get(ORDERS).status_code == 403
    manager = role_client(make_staff, "Manager")
    inline = manager.get(change_url(draft)).context["inline_admin_formsets"][0]
    assert inline.has_change_permission  # the lines follow the order's permissions


def test_the_parts_list_filters_parts_at_or_below_their_reorder_level(admin_client, acme):
    part_create(name="Low one", price=Decimal("1.00"), quantity_in_stock=2, reorder_level=5)
    part_create(name="Fine one", price=Decimal("1.00"), quantity_in_stock=9, reorder_level=5)
    part_create(name="No level", price=Decimal("1.00"), quantity_in_stock=0)
    response = admin_client.get(reverse("admin:inventory_part_changelist"), {"reorder": "below"})
    assert response.status_code == 200
    assert [part.name for part in response.context["cl"].result_list] == ["Low one"]
    assert Part.objects.count() == 3
