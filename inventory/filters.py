import django_filters

from inventory.models import Part, PurchaseOrder
from mechanic_shop.api.filters import CountFilter, IdFilter


class PartFilterSet(django_filters.FilterSet):
    low_stock = CountFilter(
        field_name="quantity_in_stock", lookup_expr="lte", label="Parts with at most this many in stock."
    )

    class Meta:
        model = Part
        fields = ["low_stock"]


class PurchaseOrderFilterSet(django_filters.FilterSet):
    status = django_filters.ChoiceFilter(choices=PurchaseOrder.Status.choices, label="Orders in this status.")
    supplier_id = IdFilter(field_name="supplier", label="Orders from this supplier.")

    class Meta:
        model = PurchaseOrder
        fields = ["status", "supplier_id"]
