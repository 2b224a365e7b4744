from inventory.filters import PartFilterSet
from inventory.models import Part
from inventory.serializers import PartSerializer
from inventory.services import part_create, part_delete, part_update
from mechanic_shop.api.viewsets import ShopModelViewSet


class PartViewSet(ShopModelViewSet):
    """The parts inventory (staff, by model permissions)."""

    queryset = Part.objects.all()
    serializer_class = PartSerializer
    filterset_class = PartFilterSet
    search_fields = ["name"]
    ordering_fields = ["id", "name", "price", "quantity_in_stock"]
    ordering = ["id"]

    def perform_create(self, serializer):
        serializer.instance = part_create(by=self.request.user, **serializer.validated_data)

    def perform_update(self, serializer):
        serializer.instance = part_update(part=serializer.instance, by=self.request.user, **serializer.validated_data)

    def perform_destroy(self, instance):
        part_delete(part=instance)
