import django_filters
from django.db.models import F

from inventory.models import Part, PurchaseOrder
from mechanic_shop.api.filters import CountFilter, IdFilter


class PartFilterSet(django_filters.FilterSet):
    low_stock = CountFilter(
        field_name="quantity_in_stock", lookup_expr="lte", label="Parts with at most this many in stock."
    )
    below_reorder_level = django_filters.ChoiceFilter(
        choices=[("true", "true"), ("false", "false")],
        method="filter_below_reorder_level",
        label="`true`: the parts with a reorder level (> 0) and stock at or below it; `false`: the others.",
    )

    class Meta:
        model = Part
        fields = ["low_stock", "below_reorder_level"]

    def filter_below_reorder_level(self, queryset, name, value):
        below = {"reorder_level__gt": 0, "quantity_in_stock__lte": F("reorder_level")}
        return queryset.filter(**below) if value == "true" else queryset.exclude(**below)


class PurchaseOrderFilterSet(django_filters.FilterSet):
    status = django_filters.ChoiceFilter(choices=PurchaseOrder.Status.choices, label="Orders in this status.")
    supplier_id = IdFilter(field_name="supplier", label="Orders from this supplier.")

    class Meta:
        model = PurchaseOrder
        fields = ["status", "supplier_id"]
