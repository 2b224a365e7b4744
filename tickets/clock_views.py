"""The time clock: POST /service-tickets/{id}/clock-in and /clock-out, GET /service-tickets/{id}/time-entries.

Who may: staff by the ticket's model permissions (`change_serviceticket` to clock any mechanic of the ticket in or
out, `view_serviceticket` to read its entries), and, with no model permission, a staff account linked to a mechanic
(`Mechanic.user`) for itself on its own tickets: those it is assigned to or has clocked time on (so it can still clock
out of a ticket it was taken off). Anything else is a 403; an unknown ticket a 404.
"""

from django.shortcuts import get_object_or_404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import mixins, serializers, status
from rest_framework.decorators import action
from rest_framework.exceptions import PermissionDenied
from rest_framework.permissions import BasePermission
from rest_framework.response import Response

from mechanic_shop.accounts.authentication import is_staff_caller
from mechanic_shop.api.callers import STAFF
from mechanic_shop.api.filters import SyncFilter
from mechanic_shop.api.viewsets import ShopGenericViewSet
from mechanics.models import Mechanic
from tickets.models import ServiceTicket, TimeEntry
from tickets.serializers import ClockSerializer, TimeEntrySerializer
from tickets.services import clock_in, clock_out

CHANGE, VIEW = "tickets.change_serviceticket", "tickets.view_serviceticket"
TICKET_ID = OpenApiParameter("ticket_id", OpenApiTypes.INT, OpenApiParameter.PATH, description="The ticket's id.")


def linked_mechanic(request) -> Mechanic | None:
    """The mechanic linked to the calling staff account (looked up once per request), or None."""
    if not hasattr(request, "_linked_mechanic"):
        request._linked_mechanic = Mechanic.objects.filter(user=request.user).only("id").first()
    return request._linked_mechanic


class TimeClockPermission(BasePermission):
    """Staff holding the view's `model_perm`, or a staff account linked to a mechanic (the view then keeps it to
    itself on its own tickets)."""

    callers = frozenset({STAFF})

    def has_permission(self, request, view) -> bool:
        if not is_staff_caller(request):
            return False
        return request.user.has_perm(view.model_perm) or linked_mechanic(request) is not None


class TicketClockMixin:
    """The ticket in the path, and the checks for a linked mechanic acting with no model permission."""

    model_perm = CHANGE
    permission_classes = [TimeClockPermission]

    def get_ticket(self) -> ServiceTicket:
        return get_object_or_404(ServiceTicket.objects.all(), pk=self.kwargs["ticket_id"])

    def check_own_ticket(self, ticket: ServiceTicket, mechanic: Mechanic | None = None) -> None:
        """Without the model permission, only the caller's own mechanic, on its own tickets."""
        if self.request.user.has_perm(self.model_perm):
            return
        own = linked_mechanic(self.request)
        if own is None or (mechanic is not None and mechanic.pk != own.pk):
            raise PermissionDenied(f"Without {self.model_perm} an account may clock only its own mechanic.")
        mine = (
            ticket.mechanic_links.filter(mechanic_id=own.pk).exists()
            or ticket.time_entries.filter(mechanic_id=own.pk).exists()
        )
        if not mine:
            raise PermissionDenied(f"Ticket #{ticket.pk} is not one of this mechanic's tickets.")


CLOCK_ERRORS = {
    400: OpenApiResponse(description="The mechanic is unknown, inactive or not assigned to the ticket."),
    403: OpenApiResponse(
        description="No `change_serviceticket`, and not the caller's own mechanic on one of its tickets."
    ),
    404: OpenApiResponse(description="No such ticket."),
}


@extend_schema(parameters=[TICKET_ID])
class TicketClockViewSet(TicketClockMixin, ShopGenericViewSet):
    """POST /service-tickets/{ticket_id}/clock-in and /clock-out."""

    queryset = TimeEntry.objects.all()  # the model, for the schema
    serializer_class = TimeEntrySerializer
    filter_backends = []

    def _mechanic(self, ticket: ServiceTicket) -> Mechanic:
        payload = ClockSerializer(data=self.request.data)
        payload.is_valid(raise_exception=True)
        mechanic = payload.validated_data.get("mechanic")
        self.check_own_ticket(ticket, mechanic)
        if mechanic is None:
            mechanic = linked_mechanic(self.request)
            if mechanic is None:
                raise serializers.ValidationError(
                    {"mechanic_id": ["This field is required: this account is not linked to a mechanic."]}
                )
        return mechanic

    @extend_schema(
        summary="Clock a mechanic in on the ticket",
        request=ClockSerializer,
        responses={
            201: TimeEntrySerializer,
            **CLOCK_ERRORS,
            409: OpenApiResponse(
                description="The ticket is closed, the mechanic is already clocked in (on the ticket named), or the "
                "ticket requires approval and has no approved estimate yet."
            ),
        },
    )
    @action(detail=False, methods=["post"], url_path="clock-in")
    def clock_in(self, request, ticket_id=None):
        """Start the mechanic's clock on this ticket; an `open` ticket moves to `in_progress`."""
        ticket = self.get_ticket()
        entry = clock_in(ticket=ticket, mechanic=self._mechanic(ticket))
        return Response(TimeEntrySerializer(entry).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        summary="Clock a mechanic out of the ticket",
        request=ClockSerializer,
        responses={
            200: TimeEntrySerializer,
            **CLOCK_ERRORS,
            409: OpenApiResponse(description="The ticket is closed, or the mechanic is not clocked in on it."),
        },
    )
    @action(detail=False, methods=["post"], url_path="clock-out")
    def clock_out(self, request, ticket_id=None):
        """End the mechanic's open entry on this ticket."""
        ticket = self.get_ticket()
        entry = clock_out(ticket=ticket, mechanic=self._mechanic(ticket))
        return Response(TimeEntrySerializer(entry).data)


@extend_schema_view(
    list=extend_schema(
        summary="A ticket's time entries",
        description="Oldest first. Staff with `tickets.view_serviceticket`; a mechanic's linked account on its own "
        "tickets.",
        parameters=[TICKET_ID],
        responses={
            200: TimeEntrySerializer(many=True),
            403: OpenApiResponse(description="No `view_serviceticket`, and not one of the caller's tickets."),
            404: OpenApiResponse(description="No such ticket."),
        },
    )
)
class TicketTimeEntriesViewSet(TicketClockMixin, mixins.ListModelMixin, ShopGenericViewSet):
    """GET /service-tickets/{ticket_id}/time-entries: paginated, oldest first, two queries whatever the page size."""

    model_perm = VIEW
    queryset = TimeEntry.objects.all()  # the model, for the schema
    serializer_class = TimeEntrySerializer
    filter_backends = [SyncFilter]

    def get_queryset(self):
        ticket = self.get_ticket()
        self.check_own_ticket(ticket)
        return TimeEntry.objects.filter(ticket=ticket).order_by("started_at", "id")
