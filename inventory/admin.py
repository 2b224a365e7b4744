from django import forms
from django.contrib import admin, messages

from inventory.models import Part
from inventory.services import MAX_STOCK, part_adjust_stock
from mechanic_shop.core.exceptions import Conflict


class PartAdminForm(forms.ModelForm):
    stock_change = forms.IntegerField(
        required=False,
        initial=0,
        min_value=-MAX_STOCK,
        max_value=MAX_STOCK,
        help_text="Units to add (a restock) or, negative, to take away (an adjustment). Applied as a change, "
        "so it never overwrites stock taken by tickets meanwhile.",
    )

    class Meta:
        model = Part
        fields = ["name", "price", "quantity_in_stock"]


@admin.register(Part)
class PartAdmin(admin.ModelAdmin):
    form = PartAdminForm
    list_display = ["id", "name", "price", "quantity_in_stock", "updated_at"]
    search_fields = ["name"]
    list_filter = ["updated_at"]
    ordering = ["id"]

    def get_readonly_fields(self, request, obj=None):
        # The starting stock is typed in when a part is added; afterwards stock only moves by a change.
        return ["quantity_in_stock", "created_at", "updated_at"] if obj else ["created_at", "updated_at"]

    def save_model(self, request, obj, form, change):
        if change:
            # Never write back the stock level that was read when the form was opened.
            obj.save(update_fields=[f for f in form.changed_data if f in ("name", "price")] + ["updated_at"])
        else:
            obj.save()
        delta = form.cleaned_data.get("stock_change") or 0
        if change and delta:
            try:
                stock = part_adjust_stock(part=obj, delta=delta)
                self.message_user(request, f"Stock of {obj.name} changed by {delta:+d}; now {stock}.")
            except Conflict as exc:
                self.message_user(request, f"Stock not changed: {exc.detail}", level=messages.ERROR)
