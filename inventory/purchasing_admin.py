"""The purchasing admin: suppliers, and purchase orders with their lines.

As in the ticket admin, every change goes through the services (inventory/purchasing.py), never a ModelForm save: a
draft's supplier and lines by purchase_order_update (the lines only while the order is a draft, with the order's
permissions, as the API's), and the list actions "Mark ordered", "Receive everything due" and "Cancel" by the same
services as the API's actions, each order in its own transaction, a refusal shown as a message. A refusal of a save
(the order was ordered meanwhile, a part named twice) rolls the whole save back and is shown on the page.

It also gives the parts list a "reorder" filter (parts at or below their reorder level), which the front desk's
index page links to. Imported at the end of inventory/admin.py.
"""

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.http import HttpResponseRedirect

from inventory.models import MAX_ORDER_QUANTITY, PurchaseOrder, PurchaseOrderLine, Supplier
from inventory.purchasing import (
    LineIn,
    purchase_order_cancel,
    purchase_order_create,
    purchase_order_delete,
    purchase_order_mark_ordered,
    purchase_order_receive,
    purchase_order_update,
    supplier_create,
    supplier_delete,
    supplier_update,
)
from mechanic_shop.core.admin import ParentGatedInline, act_on_each
from mechanic_shop.core.admin import refusal_message as _message
from mechanic_shop.core.exceptions import Conflict

Status = PurchaseOrder.Status
SUPPLIER_FIELDS = ("name", "email", "phone_number")


class PurchaseRefused(Exception):
    """A service refused part of an admin save: the save rolls back and the page shows the message."""


@admin.register(Supplier)
class SupplierAdmin(admin.ModelAdmin):
    list_display = ["id", "name", "email", "phone_number", "updated_at"]
    search_fields = ["name", "email"]
    ordering = ["id"]
    readonly_fields = ["created_at", "updated_at"]
    fields = ["name", "email", "phone_number", "created_at", "updated_at"]

    def save_model(self, request, obj, form, change):
        values = {name: form.cleaned_data[name] for name in SUPPLIER_FIELDS if name in form.cleaned_data}
        if not change:
            obj.pk = supplier_create(**values).pk
            obj.refresh_from_db()
            return
        changes = {name: value for name, value in values.items() if name in form.changed_data}
        if changes:
            supplier_update(supplier=Supplier.objects.get(pk=obj.pk), **changes)

    def delete_model(self, request, obj):
        supplier_delete(supplier=obj)

    def delete_queryset(self, request, queryset):
        for supplier in queryset:
            supplier_delete(supplier=supplier)


class PurchaseOrderLineForm(forms.ModelForm):
    quantity = forms.IntegerField(min_value=1, max_value=MAX_ORDER_QUANTITY)
    unit_cost = forms.DecimalField(
        required=False, min_value=0, max_digits=10, decimal_places=2, help_text="Blank: the part's cost (0.00 unknown)."
    )

    class Meta:
        model = PurchaseOrderLine
        fields = ["part", "quantity", "unit_cost"]


class PurchaseOrderLineInline(ParentGatedInline):
    """The order's lines: changed only while it is a draft, with the order's permissions (not the line model's)."""

    model = PurchaseOrderLine
    form = PurchaseOrderLineForm
    fields = ["part", "quantity", "unit_cost", "received_quantity", "line_total"]
    readonly_fields = ["received_quantity", "line_total"]
    autocomplete_fields = ["part"]
    extra = 1
    verbose_name = "line"
    verbose_name_plural = "Parts on this order"

    view_permission = "inventory.view_purchaseorder"

    def can_edit(self, request, obj) -> bool:
        if obj is None:
            return request.user.has_perm("inventory.add_purchaseorder")
        return request.user.has_perm("inventory.change_purchaseorder") and obj.status == Status.DRAFT

    def get_extra(self, request, obj=None, **kwargs):
        return 1 if self.can_edit(request, obj) else 0

    @admin.display(description="Line total")
    def line_total(self, obj):
        return obj.line_total if obj.pk else None


@admin.register(PurchaseOrder)
class PurchaseOrderAdmin(admin.ModelAdmin):
    inlines = [PurchaseOrderLineInline]
    list_display = ["id", "supplier", "status", "ordered_at", "received_at", "created_at"]
    list_select_related = ["supplier"]
    list_filter = ["status", "supplier"]
    search_fields = ["supplier__name"]
    ordering = ["-id"]
    actions = ["mark_ordered", "receive_everything_due", "cancel_orders"]
    fields = ["supplier", "status", "ordered_at", "received_at", "created_at", "updated_at"]

    def get_readonly_fields(self, request, obj=None):
        fixed = ["status", "ordered_at", "received_at", "created_at", "updated_at"]
        return fixed if obj is None or obj.status == Status.DRAFT else ["supplier", *fixed]

    def has_delete_permission(self, request, obj=None):
        # A received or partially received order is the history of the stock its receipts added.
        if obj is not None and obj.status in (Status.PARTIALLY_RECEIVED, Status.RECEIVED):
            return False
        return super().has_delete_permission(request, obj)

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        # The admin's own view runs a POST in a transaction: a refusal leaving it rolls all of the save back.
        try:
            return super().changeform_view(request, object_id, form_url, extra_context)
        except PurchaseRefused as refusal:
            self.message_user(request, f"Not saved: {refusal}", level=messages.ERROR)
            return HttpResponseRedirect(request.get_full_path())

    # --- Saving through the services (inside the admin's transaction) --------------------------------------------

    def save_model(self, request, obj, form, change):
        try:
            if not change:
                obj.pk = purchase_order_create(supplier=form.cleaned_data["supplier"]).pk
                obj.refresh_from_db()
            elif "supplier" in form.changed_data:
                purchase_order_update(order=obj, supplier=form.cleaned_data["supplier"])
        except (Conflict, ValidationError) as exc:
            raise PurchaseRefused(_message(exc)) from exc

    def save_formset(self, request, form, formset, change):
        if formset.model is not PurchaseOrderLine:
            super().save_formset(request, form, formset, change)
            return
        # What the change message reads (formset.save() would set these; the service writes instead).
        formset.new_objects, formset.changed_objects, formset.deleted_objects = [], [], []
        lines, touched = [], False
        for line_form in formset.forms:
            line = line_form.instance
            if line_form in formset.deleted_forms:
                if line.pk:
                    formset.deleted_objects.append(line)
                    touched = True
                continue
            if not line_form.has_changed():
                if line.pk:  # kept as it is
                    lines.append(LineIn(part_id=line.part_id, quantity=line.quantity, unit_cost=line.unit_cost))
                continue  # else an empty extra row
            data = line_form.cleaned_data
            lines.append(LineIn(part_id=data["part"].pk, quantity=data["quantity"], unit_cost=data.get("unit_cost")))
            touched = True
            if line.pk:
                formset.changed_objects.append((line, line_form.changed_data))
            else:
                formset.new_objects.append(line)
        if not touched:
            return
        try:
            purchase_order_update(order=form.instance, lines=lines)
        except (Conflict, ValidationError) as exc:
            raise PurchaseRefused(_message(exc)) from exc

    def delete_model(self, request, obj):
        purchase_order_delete(order=obj)

    def delete_queryset(self, request, queryset):
        kept = []
        for order in queryset:
            try:
                purchase_order_delete(order=order)
            except Conflict:
                kept.append(f"#{order.pk}")
        if kept:
            self.message_user(request, f"Received orders are kept: {', '.join(kept)}.", level=messages.WARNING)

    # --- List actions --------------------------------------------------------------------------------------------

    def _each(self, request, queryset, move, label: str):
        act_on_each(self, request, queryset.order_by("id"), move, f"purchase order(s) {label}")

    @admin.action(description="Mark ordered", permissions=["change"])
    def mark_ordered(self, request, queryset):
        self._each(request, queryset, lambda order: purchase_order_mark_ordered(order=order), "marked ordered")

    @admin.action(description="Receive everything due", permissions=["change"])
    def receive_everything_due(self, request, queryset):
        self._each(
            request, queryset, lambda order: purchase_order_receive(order=order, by=request.user), "received in full"
        )

    @admin.action(description="Cancel", permissions=["change"])
    def cancel_orders(self, request, queryset):
        self._each(request, queryset, lambda order: purchase_order_cancel(order=order), "cancelled")
