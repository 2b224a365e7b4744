from django import forms
from django.contrib import admin, messages
from django.db.models import F
from django.urls import reverse
from django.utils.html import format_html, format_html_join

from inventory.models import LOW_STOCK_LEVEL, MAX_STOCK, Part, StockMovement
from inventory.services import MAX_ADJUSTMENT, part_adjust_stock, part_create, part_delete, part_update
from mechanic_shop.core.admin import ReadOnlyModelAdmin
from mechanic_shop.core.exceptions import Conflict


class PartAdminForm(forms.ModelForm):
    stock_change = forms.IntegerField(
        required=False,
        initial=0,
        min_value=-MAX_ADJUSTMENT,
        max_value=MAX_ADJUSTMENT,
        help_text="Units to add (a restock) or, negative, to take away (an adjustment). Applied as a change, "
        "so it never overwrites stock taken by tickets meanwhile.",
    )

    class Meta:
        model = Part
        fields = ["name", "sku", "price", "cost", "supplier", "reorder_level", "reorder_quantity", "quantity_in_stock"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name in ("reorder_level", "reorder_quantity"):
            if name in self.fields:  # absent when the page is read only
                self.fields[name].required = False  # empty is 0: no reordering

    def clean_reorder_level(self):
        return self.cleaned_data.get("reorder_level") or 0

    def clean_reorder_quantity(self):
        return self.cleaned_data.get("reorder_quantity") or 0

    def clean_sku(self):
        return (self.cleaned_data.get("sku") or "").strip() or None  # no SKU is NULL: unique only among real ones

    def clean_stock_change(self):
        # Refused here, on the field and before anything is saved; the service still refuses a change that a
        # concurrent one makes out of range meanwhile.
        delta = self.cleaned_data.get("stock_change") or 0
        if delta and self.instance.pk is not None:
            stock = Part.objects.filter(pk=self.instance.pk).values_list("quantity_in_stock", flat=True).get()
            if not 0 <= stock + delta <= MAX_STOCK:
                raise forms.ValidationError(
                    f"Stock is {stock:,}; changing it by {delta:+,} would take it out of 0 to {MAX_STOCK:,}."
                )
        return delta


RECENT_MOVEMENTS = 20
# What the part form writes through part_create / part_update (the stock moves only by a change).
EDITABLE = ["name", "sku", "price", "cost", "supplier", "reorder_level", "reorder_quantity"]


class StockFilter(admin.SimpleListFilter):
    """Parts low in stock (at most LOW_STOCK_LEVEL), or out of it."""

    title = "stock"
    parameter_name = "stock"

    def lookups(self, request, model_admin):
        return [("low", f"Low (at most {LOW_STOCK_LEVEL})"), ("out", "Out of stock")]

    def queryset(self, request, queryset):
        if self.value() == "low":
            return queryset.filter(quantity_in_stock__lte=LOW_STOCK_LEVEL)
        if self.value() == "out":
            return queryset.filter(quantity_in_stock=0)
        return queryset


class ReorderFilter(admin.SimpleListFilter):
    """Parts at or below their own reorder level (those with a level): what the front desk's index links to."""

    title = "reorder level"
    parameter_name = "reorder"

    def lookups(self, request, model_admin):
        return [("below", "At or below its reorder level")]

    def queryset(self, request, queryset):
        if self.value() == "below":
            return queryset.filter(reorder_level__gt=0, quantity_in_stock__lte=F("reorder_level"))
        return queryset


@admin.register(Part)
class PartAdmin(admin.ModelAdmin):
    form = PartAdminForm
    list_display = ["id", "name", "sku", "price", "quantity_in_stock", "reorder_level", "updated_at"]
    search_fields = ["name", "sku"]
    list_filter = [StockFilter, ReorderFilter, "supplier", "updated_at"]
    ordering = ["id"]

    def get_readonly_fields(self, request, obj=None):
        # The starting stock is typed in when a part is added; afterwards stock only moves by a change.
        if obj is None:
            return ["created_at", "updated_at"]
        return ["quantity_in_stock", "recent_movements", "created_at", "updated_at"]

    def get_fields(self, request, obj=None):
        fields = ["name", "sku", "price", "cost", "supplier", "reorder_level", "reorder_quantity", "quantity_in_stock"]
        if obj is None:
            return fields
        return [*fields, "stock_change", "recent_movements", "created_at", "updated_at"]

    @admin.display(description="Recent movements")
    def recent_movements(self, obj):
        """The part's last movements, newest first, read only (the ledger changes only with the stock)."""
        shown = list(obj.movements.select_related("user").order_by("-id")[:RECENT_MOVEMENTS])
        if not shown:
            return "-"
        rows = format_html_join(
            "",
            "<tr><td>{}</td><td>{:+d}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            (
                (
                    f"{m.created_at:%Y-%m-%d %H:%M}",
                    m.delta,
                    m.balance_after,
                    m.get_reason_display(),
                    f"ticket #{m.ticket_id}"
                    if m.ticket_id
                    else (f"PO #{m.purchase_order_id}" if m.purchase_order_id else ""),
                    m.note,
                )
                for m in shown
            ),
        )
        url = reverse("admin:inventory_stockmovement_changelist") + f"?part__id__exact={obj.pk}"
        return format_html(
            "<table><thead><tr><th>When</th><th>Change</th><th>Stock after</th><th>Reason</th><th>For</th>"
            '<th>Note</th></tr></thead><tbody>{}</tbody></table><p><a href="{}">All movements of this part</a></p>',
            rows,
            url,
        )

    def save_model(self, request, obj, form, change):
        if not change:
            created = part_create(
                quantity_in_stock=form.cleaned_data.get("quantity_in_stock") or 0,
                by=request.user,
                **{name: form.cleaned_data.get(name) for name in EDITABLE},
            )
            obj.pk = created.pk
            obj.refresh_from_db()
            return
        # Never write back the stock level that was read when the form was opened: stock moves only by a change.
        changes = {name: form.cleaned_data[name] for name in EDITABLE if name in form.changed_data}
        if changes:
            part_update(part=obj, by=request.user, **changes)
        delta = form.cleaned_data.get("stock_change") or 0
        if delta:
            try:
                movement = part_adjust_stock(part=obj, delta=delta, by=request.user, note="In the admin")
                self.message_user(request, f"Stock of {obj.name} changed by {delta:+d}; now {movement.balance_after}.")
            except Conflict as exc:
                self.message_user(request, f"Stock not changed: {exc.detail}", level=messages.ERROR)

    def delete_model(self, request, obj):
        part_delete(part=obj)

    def delete_queryset(self, request, queryset):
        for part in queryset:
            part_delete(part=part)


@admin.register(StockMovement)
class StockMovementAdmin(ReadOnlyModelAdmin):
    """The stock ledger, read only: it changes only with the stock (inventory/services.py). Seen with view_part."""

    view_permission = "inventory.view_part"
    list_display = ["id", "created_at", "part", "delta", "balance_after", "reason", "ticket_id", "purchase_order",
                    "user", "note"]  # fmt: skip
    list_select_related = ["part", "user"]
    list_filter = ["reason", "created_at"]
    search_fields = ["part__name", "part__sku", "note"]
    date_hierarchy = "created_at"
    ordering = ["-id"]
    list_per_page = 50
    show_full_result_count = False  # no COUNT(*) over the whole ledger on every page

    def lookup_allowed(self, lookup, value, request=None):
        return lookup == "part__id__exact" or super().lookup_allowed(lookup, value, request)


import inventory.purchasing_admin  # noqa: E402, F401  (suppliers and purchase orders)
