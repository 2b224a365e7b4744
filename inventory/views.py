from inventory.filters import PartFilterSet
from inventory.models import Part
from inventory.serializers import PartSerializer
from mechanic_shop.api.viewsets import ShopModelViewSet


class PartViewSet(ShopModelViewSet):
    """The parts inventory (staff, by model permissions)."""

    queryset = Part.objects.all()
    serializer_class = PartSerializer
    filterset_class = PartFilterSet
    search_fields = ["name"]
    ordering_fields = ["id", "name", "price", "quantity_in_stock"]
    ordering = ["id"]
