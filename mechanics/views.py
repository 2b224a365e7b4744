from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework.decorators import action
from rest_framework.exceptions import PermissionDenied

from mechanic_shop.api.viewsets import ShopModelViewSet
from mechanics.models import Mechanic
from mechanics.serializers import LeaderboardEntrySerializer, MechanicSerializer, may_see_salary
from mechanics.services import mechanic_create, mechanic_delete, mechanic_update

SALARY_REFUSED = "Only staff allowed to see salaries may send `salary`."
SALARY_NOTE = (
    "`salary` is in the body only for staff with `mechanics.view_mechanic_salary` (Manager, superusers); sending it "
    "without that permission → 403, and nothing changes."
)


@extend_schema_view(
    list=extend_schema(description=SALARY_NOTE),
    retrieve=extend_schema(description=SALARY_NOTE),
    create=extend_schema(description=f"{SALARY_NOTE} Created without `salary`, a mechanic earns 0.00."),
    update=extend_schema(description=SALARY_NOTE),
    partial_update=extend_schema(description=SALARY_NOTE),
)
class MechanicViewSet(ShopModelViewSet):
    """The shop's mechanics (staff, by model permissions)."""

    queryset = Mechanic.objects.all()
    serializer_class = MechanicSerializer
    search_fields = ["name", "email"]
    ordering_fields = ["id", "name", "updated_at"]
    ordering = ["id"]

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        # After the model permission checks and the body's parsing; before any validation or write.
        if request.method not in ("POST", "PUT", "PATCH"):
            return
        if isinstance(request.data, dict) and "salary" in request.data and not may_see_salary(request):
            raise PermissionDenied(SALARY_REFUSED)

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
