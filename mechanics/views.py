from drf_spectacular.utils import extend_schema
from rest_framework.decorators import action

from mechanic_shop.api.viewsets import ShopModelViewSet
from mechanics.models import Mechanic
from mechanics.serializers import LeaderboardEntrySerializer, MechanicSerializer
from mechanics.services import mechanic_create, mechanic_delete, mechanic_update


class MechanicViewSet(ShopModelViewSet):
    """The shop's mechanics (staff, by model permissions)."""

    queryset = Mechanic.objects.all()
    serializer_class = MechanicSerializer
    search_fields = ["name", "email"]
    ordering_fields = ["id", "name"]
    ordering = ["id"]

    def perform_create(self, serializer):
        serializer.instance = mechanic_create(**serializer.validated_data)

    def perform_update(self, serializer):
        serializer.instance = mechanic_update(mechanic=serializer.instance, **serializer.validated_data)

    def perform_destroy(self, instance):
        mechanic_delete(mechanic=instance)

    @extend_schema(summary="Rank mechanics by completed tickets", responses=LeaderboardEntrySerializer(many=True))
    @action(
        detail=False,
        methods=["get"],
        url_path="leaderboard/most-tickets",
        serializer_class=LeaderboardEntrySerializer,
        filter_backends=[],
    )
    def leaderboard(self, request):
        """Active mechanics ranked by completed tickets, most first, ties by id."""
        # The count is kept on the mechanic by the ticket services, so this reads one index in order.
        queryset = Mechanic.objects.filter(is_active=True).order_by("-completed_ticket_count", "id")
        page = self.paginate_queryset(queryset.only("id", "name", "completed_ticket_count"))
        return self.get_paginated_response(self.get_serializer(page, many=True).data)
