from collections.abc import Sequence

from django.http import Http404
from django.shortcuts import get_object_or_404
from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import mixins, status
from rest_framework.decorators import action
from rest_framework.exceptions import PermissionDenied
from rest_framework.response import Response

from customers.models import Vehicle
from customers.permissions import IsCustomerCaller, caller_customer, visible_to_caller
from inventory.models import Part
from mechanic_shop.accounts.authentication import is_staff_caller
from mechanic_shop.accounts.permissions import IsStaffCaller, StaffChangePermissions, StaffModelPermissions
from mechanic_shop.api.filters import ShopFilterBackend, SyncFilter
from mechanic_shop.api.pagination import PAGE_PARAMS
from mechanic_shop.api.viewsets import ID_PATTERN, ShopGenericViewSet, ShopModelViewSet, ShopReadOnlyViewSet
from mechanic_shop.core.prepared import PreparedPage, PreparedRows
from mechanic_shop.events.models import Event
from mechanic_shop.events.serializers import EventSerializer
from mechanic_shop.events.services import CUSTOMER_VISIBLE_TYPES, EVENT_COLUMNS, event_row_json
from mechanics.models import Mechanic
from tickets.estimate_serializers import EstimateSerializer, estimate_json, estimate_representations, estimate_rows
from tickets.estimates import estimate_create, tracking_link_renew
from tickets.filters import ServiceTicketFilterSet
from tickets.leaderboard import GENERATION_KEY as LEADERBOARD_GENERATION_KEY
from tickets.leaderboard import cached_efficiency_leaderboard
from tickets.models import Estimate, ServiceTicket, TimeEntry
from tickets.representations import (
    TEXT_DATES_FROM_ROWS,
    prepared_ticket_pages,
    ticket_representation,
    ticket_representations,
    ticket_rows,
)
from tickets.serializers import (
    AddPartSerializer,
    EfficiencyEntrySerializer,
    EfficiencyRangeSerializer,
    LaborLineChangeSerializer,
    LaborLineCreateSerializer,
    MechanicTicketSerializer,
    MyTicketsQuerySerializer,
    RemovePartSerializer,
    ServiceTicketSerializer,
    TicketCreateSerializer,
    TicketMechanicsEditSerializer,
    TimeEntrySerializer,
)
from tickets.services import (
    ticket_add_labor_line,
    ticket_add_part,
    ticket_assign_mechanic,
    ticket_change_labor_line,
    ticket_count_all,
    ticket_create,
    ticket_delete,
    ticket_edit_mechanics,
    ticket_remove_labor_line,
    ticket_remove_mechanic,
    ticket_remove_part,
    ticket_update,
)

# Query parameters that leave a staff list holding every ticket (search does not: it narrows).
UNFILTERED_PARAMS = ShopFilterBackend.NOT_FILTERS - {"search"}
CLOSED = OpenApiResponse(description="The ticket is completed or cancelled: its mechanics and parts no longer change.")


def ticket_estimates(ticket_id: int):
    """A ticket's estimates, newest first."""
    return Estimate.objects.filter(ticket_id=ticket_id).order_by("-created_at", "-id")


# A page of a ticket's estimates with nothing but the page asked for, on a statement built once (decision 0039).
TICKET_ESTIMATES = PreparedPage(lambda ticket_id: estimate_rows(ticket_estimates(ticket_id)), takes_id=True)


def ticket_events(ticket_id: int):
    """A ticket's timeline, oldest first."""
    return Event.objects.filter(ticket_id=ticket_id).order_by("id")


# A page of a ticket's timeline as staff see it, with nothing but the page asked for, on a statement built once.
TICKET_EVENTS = PreparedPage(lambda ticket_id: ticket_events(ticket_id).values(*EVENT_COLUMNS), takes_id=True)


class ChangeTicketPermission(StaffChangePermissions):
    """Staff with the ticket's change permission, whatever the method: adding or removing a labor line changes the
    ticket (POST and DELETE would otherwise ask for add_ and delete_serviceticket)."""


LABOR_ACTIONS = frozenset({"labor_lines", "labor_line", "tracking_link"})


class TicketListMixin:
    """Lists tickets through tickets.representations: a constant number of queries per page."""

    # The view's whole list as staff see it, by dates_as_text, its SQL built once (PreparedPage: decision 0039), and
    # the arguments it takes for this request; None: every page through the ORM.
    whole_list: dict[bool, PreparedPage] | None = None

    def whole_list_args(self) -> tuple[int, ...]:
        return ()

    def list(self, request, *args, **kwargs):
        count_hint = self.count_hint(request)
        # Staff asking for a page of everything, with nothing else in the query string: the prepared statement, which
        # stands for the view's queryset, so that is not built (decision 0045: an ORM filter, 5% of a vehicle history).
        whole = self.whole_list is not None and count_hint is not None and PAGE_PARAMS.issuperset(request.query_params)
        if not whole:
            queryset = self.filter_queryset(self.get_queryset())  # a bad filter is the 400, before a bad page size
        # A page of many tickets reads its dates as text (tickets/representations.py, decision 0034).
        dates_as_text = (self.paginator.get_page_size(request) or 0) >= TEXT_DATES_FROM_ROWS
        if whole:
            rows = self.whole_list[dates_as_text].page(*self.whole_list_args())
        else:
            rows = ticket_rows(queryset, dates_as_text=dates_as_text)
        rows.count_hint = count_hint
        page = self.paginate_queryset(rows)
        return self.get_paginated_response(ticket_representations(page, request))

    def count_hint(self, request):
        """A maintained total for the paginator instead of COUNT(*), when the list is every ticket; else None. Asked
        before the view's queryset is built (`list`): it must refuse (404) what `get_queryset` would."""
        return


class TicketListRetrieveMixin(TicketListMixin):
    """Lists and shows tickets through tickets.representations."""

    def retrieve(self, request, *args, **kwargs):
        return Response(ticket_representation(self.get_object(), reread=False, request=request))


APPROVAL_CONFLICT = OpenApiResponse(
    description="The ticket requires approval: no start before an estimate is approved, no completion above the "
    "approved total."
)


@extend_schema_view(
    update=extend_schema(responses={200: ServiceTicketSerializer, 409: APPROVAL_CONFLICT}),
    partial_update=extend_schema(responses={200: ServiceTicketSerializer, 409: APPROVAL_CONFLICT}),
)
class ServiceTicketViewSet(TicketListRetrieveMixin, ShopModelViewSet):
    """Service tickets: staff by model permissions; a customer reads its own."""

    queryset = ServiceTicket.objects.all()
    serializer_class = ServiceTicketSerializer
    filterset_class = ServiceTicketFilterSet
    search_fields = ["description", "vin"]
    ordering_fields = ["id", "service_date", "created_at", "status", "updated_at"]
    ordering = ["-created_at", "-id"]
    # What the filters leave of the queryset when the query string holds only the page (a test compares the SQL).
    whole_list = prepared_ticket_pages(lambda: ServiceTicket.objects.order_by("-created_at", "-id"))

    def get_permissions(self):
        if self.action in ("list", "retrieve", "events") or (
            self.action == "estimates" and self.request.method == "GET"
        ):
            return [(IsCustomerCaller | StaffModelPermissions)()]
        if self.action in LABOR_ACTIONS or self.action == "estimates":
            return [ChangeTicketPermission()]
        return [StaffModelPermissions()]

    def count_hint(self, request):
        # Staff see every ticket; with nothing in the query string that filters or searches, the page's total is
        # the count of all tickets, kept in the cache (COUNT(*) over 100,000 tickets was most of the request).
        if is_staff_caller(request) and UNFILTERED_PARAMS.issuperset(request.query_params.keys()):
            return ticket_count_all
        return None

    def get_queryset(self):
        return visible_to_caller(self.request, super().get_queryset(), owner="customer")

    def get_serializer_class(self):
        return {
            "create": TicketCreateSerializer,
            "edit": TicketMechanicsEditSerializer,
            "add_part": AddPartSerializer,
            "remove_part": RemovePartSerializer,
            "labor_lines": LaborLineCreateSerializer,
            "labor_line": LaborLineChangeSerializer,
            "estimates": EstimateSerializer,
        }.get(self.action, ServiceTicketSerializer)

    def _ticket_response(self, ticket: ServiceTicket, code: int = status.HTTP_200_OK) -> Response:
        # Re-read: the service has just changed the ticket, its mechanics or its lines.
        return Response(ticket_representation(ticket, request=self.request), status=code)

    @extend_schema(request=TicketCreateSerializer, responses={201: ServiceTicketSerializer})
    def create(self, request, *args, **kwargs):
        payload = TicketCreateSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        ticket = ticket_create(**payload.validated_data)
        return self._ticket_response(ticket, status.HTTP_201_CREATED)

    def update(self, request, *args, **kwargs):
        ticket = self.get_object()
        payload = ServiceTicketSerializer(ticket, data=request.data, partial=kwargs.get("partial", False))
        payload.is_valid(raise_exception=True)
        ticket_update(ticket=ticket, by=self.request.user, **payload.validated_data)
        return self._ticket_response(ticket)

    @extend_schema(
        responses={
            204: None,
            409: OpenApiResponse(description="The ticket is completed: it is kept as the shop's history."),
        }
    )
    def destroy(self, request, *args, **kwargs):
        ticket_delete(ticket=self.get_object(), by=self.request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(summary="The ticket's timeline", responses={200: EventSerializer(many=True)})
    @action(detail=True, methods=["get"], filter_backends=[SyncFilter])
    def events(self, request, pk=None):
        """Everything that happened to the ticket, oldest first; its customer sees the status changes and
        estimates."""
        ticket = self.get_object()
        for_customer = caller_customer(request) is not None
        if not for_customer and PAGE_PARAMS.issuperset(request.query_params):
            rows = TICKET_EVENTS.page(ticket.pk)
        else:
            events = ticket_events(ticket.pk)
            if for_customer:
                events = events.filter(type__in=CUSTOMER_VISIBLE_TYPES)
            rows = self.filter_queryset(events).values(*EVENT_COLUMNS)
        page = self.paginate_queryset(rows)
        return self.get_paginated_response([event_row_json(row, for_customer=for_customer) for row in page])

    @extend_schema(
        summary="Add and remove mechanics",
        request=TicketMechanicsEditSerializer,
        responses={
            200: ServiceTicketSerializer,
            400: OpenApiResponse(
                description="An id in both lists, or an unknown or inactive mechanic; nothing changed."
            ),
            409: CLOSED,
        },
    )
    @action(detail=True, methods=["put"])
    def edit(self, request, pk=None):
        """Add and remove mechanics in one step; on any error nothing changes."""
        ticket = self.get_object()
        payload = TicketMechanicsEditSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        ticket_edit_mechanics(ticket=ticket, **payload.validated_data)
        return self._ticket_response(ticket)

    @extend_schema(
        summary="Assign a mechanic",
        request=None,
        responses={
            200: ServiceTicketSerializer,
            400: OpenApiResponse(description="The mechanic is inactive: it cannot be newly assigned."),
            409: CLOSED,
        },
    )
    @action(detail=True, methods=["put"], url_path=rf"assign-mechanic/(?P<mechanic_id>{ID_PATTERN})")
    def assign_mechanic(self, request, pk=None, mechanic_id=None):
        """Put one mechanic on this ticket; already assigned is fine."""
        ticket = self.get_object()
        ticket_assign_mechanic(ticket=ticket, mechanic=get_object_or_404(Mechanic, pk=mechanic_id))
        return self._ticket_response(ticket)

    @extend_schema(summary="Remove a mechanic", request=None, responses={200: ServiceTicketSerializer, 409: CLOSED})
    @action(detail=True, methods=["put"], url_path=rf"remove-mechanic/(?P<mechanic_id>{ID_PATTERN})")
    def remove_mechanic(self, request, pk=None, mechanic_id=None):
        """Take one mechanic off this ticket; not assigned is fine."""
        ticket = self.get_object()
        ticket_remove_mechanic(ticket=ticket, mechanic=get_object_or_404(Mechanic, pk=mechanic_id))
        return self._ticket_response(ticket)

    @extend_schema(
        summary="Take a part from stock onto the ticket",
        request=AddPartSerializer,
        responses={
            200: ServiceTicketSerializer,
            409: OpenApiResponse(
                description="Not enough of the part in stock, or the ticket is closed; nothing changed."
            ),
        },
    )
    @action(detail=True, methods=["put"], url_path=rf"add-part/(?P<part_id>{ID_PATTERN})")
    def add_part(self, request, pk=None, part_id=None):
        """Take `quantity` (default 1) of a part from stock and put it on this ticket."""
        ticket = self.get_object()
        part = get_object_or_404(Part, pk=part_id)
        payload = AddPartSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        ticket_add_part(ticket=ticket, part=part, by=request.user, **payload.validated_data)
        return self._ticket_response(ticket)

    @extend_schema(
        summary="Give a part on the ticket back to stock",
        request=RemovePartSerializer,
        responses={
            200: ServiceTicketSerializer,
            400: OpenApiResponse(description="`quantity` is more than the ticket has of the part."),
            404: OpenApiResponse(description="No such ticket or part, or the part is not on the ticket."),
            409: CLOSED,
        },
    )
    @action(detail=True, methods=["put"], url_path=rf"remove-part/(?P<part_id>{ID_PATTERN})")
    def remove_part(self, request, pk=None, part_id=None):
        """Give `quantity` (default: all) of a part on this ticket back to stock."""
        ticket = self.get_object()
        part = get_object_or_404(Part, pk=part_id)
        payload = RemovePartSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        ticket_remove_part(ticket=ticket, part=part, by=request.user, **payload.validated_data)
        return self._ticket_response(ticket)

    # --- Labor lines ------------------------------------------------------------------------------------------------

    @extend_schema(
        summary="Add a labor line",
        request=LaborLineCreateSerializer,
        responses={
            201: ServiceTicketSerializer,
            400: OpenApiResponse(description="A field out of range, or the mechanic is not assigned to the ticket."),
            409: CLOSED,
        },
    )
    @action(detail=True, methods=["post"], url_path="labor-lines")
    def labor_lines(self, request, pk=None):
        """Add a line of labor (hours × rate, rate default LABOR_RATE) to this ticket; answers the whole ticket."""
        ticket = self.get_object()
        payload = LaborLineCreateSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        ticket_add_labor_line(ticket=ticket, **payload.validated_data)
        return self._ticket_response(ticket, status.HTTP_201_CREATED)

    @extend_schema(
        methods=["PATCH"],
        summary="Change a labor line",
        parameters=[OpenApiParameter("line_id", OpenApiTypes.INT, OpenApiParameter.PATH)],
        request=LaborLineChangeSerializer,
        responses={
            200: ServiceTicketSerializer,
            400: OpenApiResponse(description="A field out of range, or the mechanic is not assigned to the ticket."),
            404: OpenApiResponse(description="No such ticket, or the line is not on it."),
            409: CLOSED,
        },
    )
    @extend_schema(
        methods=["DELETE"],
        summary="Remove a labor line",
        parameters=[OpenApiParameter("line_id", OpenApiTypes.INT, OpenApiParameter.PATH)],
        request=None,
        responses={
            200: ServiceTicketSerializer,
            404: OpenApiResponse(description="No such ticket, or the line is not on it."),
            409: CLOSED,
        },
    )
    @action(detail=True, methods=["patch", "delete"], url_path=rf"labor-lines/(?P<line_id>{ID_PATTERN})")
    def labor_line(self, request, pk=None, line_id=None):
        """Change (PATCH) or remove (DELETE) one labor line of this ticket; answers the whole ticket."""
        ticket = self.get_object()
        if request.method == "DELETE":
            ticket_remove_labor_line(ticket=ticket, line_id=int(line_id))
        else:
            payload = LaborLineChangeSerializer(data=request.data, partial=True)
            payload.is_valid(raise_exception=True)
            ticket_change_labor_line(ticket=ticket, line_id=int(line_id), **payload.validated_data)
        return self._ticket_response(ticket)

    # --- Estimates and the tracking link ----------------------------------------------------------------------------

    @extend_schema(
        methods=["GET"],
        summary="List a ticket's estimates",
        description="Newest first; staff with view_serviceticket, or the ticket's customer.",
        request=None,
        responses={200: EstimateSerializer(many=True)},
    )
    @extend_schema(
        methods=["POST"],
        summary="Create and send an estimate",
        description="Snapshots the ticket's part lines, labor lines and flat labor_cost; supersedes its pending "
        "estimate. `approval_url` is the customer's page.",
        request=None,
        responses={
            201: EstimateSerializer,
            400: OpenApiResponse(description="The ticket has nothing to estimate (no lines, no labor cost)."),
            409: CLOSED,
        },
    )
    @action(detail=True, methods=["get", "post"], filter_backends=[SyncFilter])
    def estimates(self, request, pk=None):
        ticket = self.get_object()
        if request.method == "POST":
            estimate = estimate_create(ticket=ticket, by=request.user)
            return Response(estimate_json(estimate, request), status=status.HTTP_201_CREATED)
        if PAGE_PARAMS.issuperset(request.query_params):
            rows = TICKET_ESTIMATES.page(ticket.pk)
        else:
            rows = estimate_rows(self.filter_queryset(ticket_estimates(ticket.pk)))
        page = self.paginate_queryset(rows)
        return self.get_paginated_response(estimate_representations(page, request))

    @extend_schema(
        summary="Issue a new tracking link",
        description="The ticket's `tracking_url` changes; the old link answers 404 from now on.",
        request=None,
        responses={200: ServiceTicketSerializer},
    )
    @action(detail=True, methods=["post"], url_path="tracking-link")
    def tracking_link(self, request, pk=None):
        ticket = self.get_object()
        tracking_link_renew(ticket=ticket)
        return self._ticket_response(ticket)


@extend_schema_view(
    list=extend_schema(summary="List the calling customer's tickets"),
    retrieve=extend_schema(summary="Get one of the calling customer's tickets"),
)
class CustomerTicketsViewSet(TicketListRetrieveMixin, ShopReadOnlyViewSet):
    """GET /customers/my-tickets: the calling customer's tickets, newest first."""

    queryset = ServiceTicket.objects.none()  # the model, for the schema; get_queryset() picks the caller's
    serializer_class = ServiceTicketSerializer
    permission_classes = [IsCustomerCaller]
    filter_backends = [SyncFilter]

    def get_queryset(self):
        return ServiceTicket.objects.filter(customer=caller_customer(self.request)).order_by("-created_at", "-id")


@extend_schema_view(
    list=extend_schema(
        summary="List the tickets of the caller's mechanic",
        description="Newest first. Each ticket carries `open_time_entry`: the mechanic's open clock entry on it, or "
        "null. `?today=true` keeps today's tickets (service_date today), `?service_date=` one day's, "
        "`?clocked_in=true` the one ticket the mechanic is clocked in on (an empty page when it is not).",
        parameters=[MyTicketsQuerySerializer],
        responses={200: MechanicTicketSerializer(many=True)},
    ),
    retrieve=extend_schema(
        summary="Get one ticket of the caller's mechanic", responses={200: MechanicTicketSerializer}
    ),
)
class MechanicTicketsViewSet(TicketListRetrieveMixin, ShopReadOnlyViewSet):
    """GET /mechanics/my-tickets: the tickets of the mechanic linked to the calling staff account, each with the
    mechanic's open clock entry on it; filters for a mechanic's phone (today's tickets, the one clocked in on)."""

    queryset = ServiceTicket.objects.none()  # the model, for the schema; get_queryset() picks the caller's
    serializer_class = MechanicTicketSerializer
    permission_classes = [IsStaffCaller]
    filter_backends = [SyncFilter]

    def mechanic(self) -> Mechanic:
        mechanic = Mechanic.objects.filter(user=self.request.user).only("id").first()
        if mechanic is None:
            raise PermissionDenied("This staff account is not linked to a mechanic.")
        return mechanic

    def get_queryset(self):
        self._mechanic = mechanic = self.mechanic()
        tickets = ServiceTicket.objects.filter(mechanic_links__mechanic=mechanic)
        if self.action == "list":
            # A plain dict, not the QueryDict: DRF reads an empty value in a QueryDict as "not sent" for an optional
            # field, and `?service_date=` must be a 400 like any other malformed date.
            query = MyTicketsQuerySerializer(data=self.request.query_params.dict())
            query.is_valid(raise_exception=True)
            day = timezone.localdate() if query.validated_data.get("today") else None
            for when in {day, query.validated_data.get("service_date")} - {None}:
                tickets = tickets.filter(service_date=when)
            if query.validated_data.get("clocked_in"):
                tickets = tickets.filter(time_entries__mechanic=mechanic, time_entries__ended_at__isnull=True)
        return tickets.order_by("-created_at", "-id")

    def list(self, request, *args, **kwargs):
        response = super().list(request, *args, **kwargs)
        self._add_open_entries(response.data["results"])
        return response

    def retrieve(self, request, *args, **kwargs):
        response = super().retrieve(request, *args, **kwargs)
        self._add_open_entries([response.data])
        return response

    def _add_open_entries(self, tickets: "Sequence[dict]") -> None:
        """Each ticket's `open_time_entry`: the mechanic's open entry on it, or None (one query for the page)."""
        entries = TimeEntry.objects.filter(
            mechanic=self._mechanic, ended_at__isnull=True, ticket_id__in=[t["id"] for t in tickets]
        )
        by_ticket = {entry.ticket_id: TimeEntrySerializer(entry).data for entry in entries}
        for ticket in tickets:
            ticket["open_time_entry"] = by_ticket.get(ticket["id"])


# A vehicle's owner and ticket count by its id, the SQL built once (mechanic_shop/core/prepared.py).
VEHICLE_OWNER_ROWS = PreparedRows(lambda: Vehicle.objects.values_list("customer_id", "ticket_count"), "id")


def vehicle_tickets(vehicle_id: int):
    """Every ticket of one vehicle, newest service_date first (the (vehicle, -service_date, -id) index serves it)."""
    return ServiceTicket.objects.filter(vehicle_id=vehicle_id).order_by("-service_date", "-id")


@extend_schema_view(
    list=extend_schema(
        summary="A vehicle's service history",
        description="The vehicle's tickets, newest service_date first (then id). Staff with "
        "`tickets.view_serviceticket` see all of them; the vehicle's owner (customer token) sees only its own "
        "tickets of it. Another customer's vehicle, or no such vehicle → 404.",
        parameters=[OpenApiParameter("vehicle_id", OpenApiTypes.INT, OpenApiParameter.PATH)],
        responses={200: ServiceTicketSerializer(many=True), 404: OpenApiResponse(description="No such vehicle.")},
    ),
)
class VehicleServiceHistoryViewSet(TicketListMixin, mixins.ListModelMixin, ShopGenericViewSet):
    """GET /vehicles/{vehicle_id}/service-history: the tickets of one vehicle, newest service_date first."""

    queryset = ServiceTicket.objects.all()  # the model, for view_serviceticket and the schema
    serializer_class = ServiceTicketSerializer
    filter_backends = [SyncFilter]
    whole_list = prepared_ticket_pages(vehicle_tickets, takes_id=True)

    def whole_list_args(self) -> tuple[int, ...]:
        return (int(self.kwargs["vehicle_id"]),)

    def get_permissions(self):
        return [(IsCustomerCaller | StaffModelPermissions)()]

    def _vehicle(self) -> tuple[int, int]:
        """The vehicle's owner and ticket count, read once a request; no such vehicle → 404."""
        vehicle = self.__dict__.get("_owner_and_count")
        if vehicle is None:
            rows = VEHICLE_OWNER_ROWS.rows([int(self.kwargs["vehicle_id"])])  # (at most 18 digits: ID_PATTERN)
            if not rows:
                raise Http404("No such vehicle.")
            vehicle = self._owner_and_count = rows[0]
        return vehicle

    def get_queryset(self):
        owner_id, _ = self._vehicle()
        tickets = vehicle_tickets(int(self.kwargs["vehicle_id"]))
        if not is_staff_caller(self.request):
            customer = caller_customer(self.request)
            if customer is None or customer.pk != owner_id:
                raise Http404("No such vehicle.")  # another customer's vehicle, as if it did not exist
            # A car that changed hands: its earlier owners' tickets are theirs, not the new owner's.
            tickets = tickets.filter(customer=customer)
        return tickets

    def count_hint(self, request):
        # Staff see every ticket of the car; with nothing in the query string that filters, the page's total is the
        # vehicle's ticket_count, which every ticket write recomputes in its own transaction (tickets/services.py),
        # read with the owner (`_vehicle`) instead of a COUNT(*).
        if is_staff_caller(request) and UNFILTERED_PARAMS.issuperset(request.query_params.keys()):
            _, count = self._vehicle()
            return lambda: count
        return None


# --- The efficiency leaderboard ---


@extend_schema_view(
    list=extend_schema(
        summary="Rank mechanics by efficiency",
        description="Every active mechanic with clocked time (ended entries) on tickets completed from "
        "`completed_after` to `completed_before` (dates of `completed_at` in UTC, both inclusive, both optional): "
        "`billed_hours` sums the labor lines naming the mechanic on those tickets, `clocked_hours` its ended time "
        "entries on them, `efficiency` = billed ÷ clocked. Highest efficiency first, ties by id. Needs "
        "`mechanics.view_mechanic`, like the most-tickets leaderboard. A malformed date → 400 keyed by the parameter.",
        parameters=[EfficiencyRangeSerializer],
        responses={200: EfficiencyEntrySerializer(many=True)},
    ),
)
class EfficiencyLeaderboardViewSet(mixins.ListModelMixin, ShopGenericViewSet):
    """GET /mechanics/leaderboard/efficiency: billed against clocked hours, one query (tickets/leaderboard.py)."""

    queryset = Mechanic.objects.all()  # the model, for mechanics.view_mechanic and the schema
    serializer_class = EfficiencyEntrySerializer
    permission_classes = [StaffModelPermissions]
    filter_backends = []
    # Read in the request's one trip to Redis (mechanic_shop/api/prefetch.py): the cached board's key needs it.
    prefetch_generations = {"list": (LEADERBOARD_GENERATION_KEY,)}

    def list(self, request, *args, **kwargs):
        params = EfficiencyRangeSerializer(data=request.query_params.dict())  # `?completed_after=` → 400 too
        params.is_valid(raise_exception=True)
        # One query for every ranked mechanic (a shop's few dozen), paginated in memory: no count query. Kept in the
        # cache until a ticket is completed or a mechanic changes.
        page = self.paginate_queryset(cached_efficiency_leaderboard(**params.validated_data))
        return self.get_paginated_response([standing.as_row() for standing in page])
