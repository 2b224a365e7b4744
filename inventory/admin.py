from django import forms
from django.contrib import admin, messages

from inventory.models import LOW_STOCK_LEVEL, MAX_STOCK, Part
from inventory.services import MAX_ADJUSTMENT, part_adjust_stock, part_create, part_delete, part_update
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
        fields = ["name", "price", "quantity_in_stock"]

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


@admin.register(Part)
class PartAdmin(admin.ModelAdmin):
    form = PartAdminForm
    list_display = ["id", "name", "price", "quantity_in_stock", "updated_at"]
    search_fields = ["name"]
    list_filter = [StockFilter, "updated_at"]
    ordering = ["id"]

    def get_readonly_fields(self, request, obj=None):
        # The starting stock is typed in when a part is added; afterwards stock only moves by a change.
        return ["quantity_in_stock", "created_at", "updated_at"] if obj else ["created_at", "updated_at"]

    def save_model(self, request, obj, form, change):
        if not change:
            created = part_create(
                name=obj.name,
                price=obj.price,
                quantity_in_stock=form.cleaned_data.get("quantity_in_stock") or 0,
                by=request.user,
            )
            obj.pk = created.pk
            obj.refresh_from_db()
            return
        # Never write back the stock level that was read when the form was opened: stock moves only by a change.
        changes = {name: form.cleaned_data[name] for name in ("name", "price") if name in form.changed_data}
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


import inventory.purchasing_admin  # noqa: E402, F401  (suppliers and purchase orders)
