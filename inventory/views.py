from rest_framework import viewsets

from inventory.filters import PartFilterSet
from inventory.models import Part
from inventory.serializers import PartSerializer
from mechanic_shop.parsers import CheckedBodyMixin


class PartViewSet(CheckedBodyMixin, viewsets.ModelViewSet):
    """The parts inventory (staff, by model permissions)."""

    queryset = Part.objects.all()
    serializer_class = PartSerializer
    filterset_class = PartFilterSet
    search_fields = ["name"]
    ordering_fields = ["id", "name", "price", "quantity_in_stock"]
    ordering = ["id"]
    lookup_value_regex = r"[0-9]{1,18}"
