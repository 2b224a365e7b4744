import django_filters

from inventory.models import Part
from mechanic_shop.api.filters import CountFilter


class PartFilterSet(django_filters.FilterSet):
    low_stock = CountFilter(
        field_name="quantity_in_stock", lookup_expr="lte", label="Parts with at most this many in stock."
    )

    class Meta:
        model = Part
        fields = ["low_stock"]
