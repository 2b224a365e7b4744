"""The estimate endpoints: the shop's list of estimates, the customer's JSON endpoints by link (no login), the
tracking link, and the customer's HTML pages (`/approve/{token}`, the HTML face of `/track/{token}`).

The customer's endpoints take no token at all (no authentication classes: a token sent is ignored), count against
the anonymous rate limits by client IP, and answer 404 to a token that does not verify, whatever is wrong with it.
"""

from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db.models import Prefetch
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.csrf import csrf_protect
from django.views.decorators.http import require_http_methods
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import mixins, serializers
from rest_framework.decorators import action
from rest_framework.renderers import TemplateHTMLRenderer
from rest_framework.response import Response

from mechanic_shop.accounts.permissions import AnyCaller, StaffModelPermissions
from mechanic_shop.api.fields import iso_timestamp
from mechanic_shop.api.filters import SyncFilter
from mechanic_shop.api.pagination import PAGE_PARAMS
from mechanic_shop.api.renderers import ORJSONRenderer
from mechanic_shop.api.throttling import PUBLIC_LINK_THROTTLES, client_ip
from mechanic_shop.api.viewsets import ShopGenericViewSet
from mechanic_shop.core.exceptions import Conflict
from mechanic_shop.core.prepared import PreparedPage
from tickets.estimate_serializers import (
    ApproveSerializer,
    DeclineSerializer,
    EstimateDecisionSerializer,
    EstimateListQuerySerializer,
    EstimateSerializer,
    PublicEstimateSerializer,
    decision_json,
    estimate_representations,
    estimate_rows,
    public_estimate_json,
)
from tickets.estimates import estimate_approve, estimate_decline
from tickets.links import TOKEN_PATTERN, estimate_id_from_token, ticket_from_tracking_token
from tickets.models import Estimate, EstimateLine, ServiceTicket

TOKEN_PARAMETER = OpenApiParameter(
    "token", OpenApiTypes.STR, OpenApiParameter.PATH, description="The signed token of the customer's link."
)
BAD_TOKEN = OpenApiResponse(description="The token was tampered with, or belongs to nothing.")
UNDECIDABLE = OpenApiResponse(
    description="The estimate is expired, superseded or already decided (the first decision stands), or its ticket "
    "is closed."
)


def estimates_with_lines():
    return Estimate.objects.prefetch_related(Prefetch("lines", queryset=EstimateLine.objects.order_by("id")))


def filter_estimates(queryset, params: dict):
    status = params.get("status")
    now = timezone.now()
    if status == "expired":
        queryset = queryset.filter(status=Estimate.Status.PENDING, expires_at__lte=now)
    elif status == Estimate.Status.PENDING:
        queryset = queryset.filter(status=status, expires_at__gt=now)
    elif status:
        queryset = queryset.filter(status=status)
    if "has_declined" in params:
        queryset = queryset.filter(has_declined=params["has_declined"])
    if "ticket_id" in params:
        queryset = queryset.filter(ticket_id=params["ticket_id"])
    return queryset


class TicketViewPermission(StaffModelPermissions):
    """Staff by the ticket's model permissions (view_serviceticket to read estimates)."""

    def _queryset(self, view):
        return ServiceTicket.objects.all()


@extend_schema_view(
    list=extend_schema(
        summary="List estimates",
        description="Newest first. `?status=approved&has_declined=true`: approvals with declined lines, the work to "
        "follow up. `?status=expired` is pending past expires_at (and `pending` excludes those). Needs "
        "`tickets.view_serviceticket`.",
        parameters=[EstimateListQuerySerializer],
        responses={200: EstimateSerializer(many=True)},
    )
)
class EstimateListViewSet(mixins.ListModelMixin, ShopGenericViewSet):
    """GET /estimates: every ticket's estimates, for the shop."""

    queryset = Estimate.objects.all()
    serializer_class = EstimateSerializer
    permission_classes = [TicketViewPermission]
    filter_backends = [SyncFilter]

    # Every estimate, newest first: with nothing but the page asked for, a page of it on a statement built once
    # (decision 0039).
    whole_list = PreparedPage(lambda: estimate_rows(Estimate.objects.order_by("-created_at", "-id")))

    def list(self, request, *args, **kwargs):
        if PAGE_PARAMS.issuperset(request.query_params):
            rows = self.whole_list.page()
        else:
            params = EstimateListQuerySerializer(data=request.query_params.dict())
            params.is_valid(raise_exception=True)
            estimates = filter_estimates(Estimate.objects.all(), params.validated_data).order_by("-created_at", "-id")
            rows = estimate_rows(self.filter_queryset(estimates))
        page = self.paginate_queryset(rows)
        return self.get_paginated_response(estimate_representations(page, request))


class PublicLinkMixin:
    """No authentication (a token sent is ignored), anyone let in, the anonymous rate limits by client IP."""

    authentication_classes: list[Any] = []
    permission_classes = [AnyCaller]
    throttle_classes = list(PUBLIC_LINK_THROTTLES)
    filter_backends: list[Any] = []
    pagination_class = None
    lookup_field = "token"
    lookup_value_regex = TOKEN_PATTERN


def estimate_for_token(token: str) -> Estimate:
    estimate_id = estimate_id_from_token(token)
    estimate = (
        estimates_with_lines().select_related("ticket__vehicle").filter(pk=estimate_id).first()
        if estimate_id is not None
        else None
    )
    if estimate is None:
        raise Http404("No such estimate.")
    return estimate


def request_facts(request: HttpRequest) -> dict[str, str]:
    return {"ip": client_ip(request), "user_agent": request.META.get("HTTP_USER_AGENT", "")}


@extend_schema_view(
    retrieve=extend_schema(
        summary="An estimate, by the customer's link",
        description="No login: the signed token is the proof. The lines, totals, shop and vehicle; nothing about the "
        "customer. Keeps answering with the estimate's status for as long as the token is valid.",
        parameters=[TOKEN_PARAMETER],
        responses={200: PublicEstimateSerializer, 404: BAD_TOKEN},
    )
)
class PublicEstimateViewSet(PublicLinkMixin, mixins.RetrieveModelMixin, ShopGenericViewSet):
    """GET /estimates/{token}, POST /estimates/{token}/approve and /decline: the customer's side."""

    queryset = Estimate.objects.none()  # the model, for the schema; the token names the estimate
    serializer_class = PublicEstimateSerializer

    def get_serializer_class(self):
        return {"approve": ApproveSerializer, "decline": DeclineSerializer}.get(self.action, PublicEstimateSerializer)

    def retrieve(self, request, *args, **kwargs):
        return Response(public_estimate_json(estimate_for_token(kwargs["token"])))

    def lock_for_precondition(self):
        # An If-Match decision: lock what the decision locks, in its order (_lock_undecided): the ticket, then the
        # estimate, so the check and the decision see one state.
        estimate_id = estimate_id_from_token(self.kwargs["token"])
        ticket_id = Estimate.objects.filter(pk=estimate_id).values_list("ticket_id", flat=True).first()
        if ticket_id is not None:
            list(ServiceTicket.objects.select_for_update().filter(pk=ticket_id).values_list("pk", flat=True))
            list(Estimate.objects.select_for_update().filter(pk=estimate_id).values_list("pk", flat=True))

    @extend_schema(
        summary="Approve an estimate, declining some lines",
        parameters=[TOKEN_PARAMETER],
        request=ApproveSerializer,
        responses={200: EstimateDecisionSerializer, 404: BAD_TOKEN, 409: UNDECIDABLE},
    )
    @action(detail=True, methods=["post"])
    def approve(self, request, token=None):
        """The declined lines leave the ticket with the approval (parts back to stock); the estimate keeps them."""
        estimate = estimate_for_token(token)
        payload = ApproveSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        estimate_approve(estimate_id=estimate.pk, **payload.validated_data, **request_facts(request))
        return Response(decision_json(estimate_for_token(token)))

    @extend_schema(
        summary="Decline an estimate",
        parameters=[TOKEN_PARAMETER],
        request=DeclineSerializer,
        responses={200: EstimateDecisionSerializer, 404: BAD_TOKEN, 409: UNDECIDABLE},
    )
    @action(detail=True, methods=["post"])
    def decline(self, request, token=None):
        estimate = estimate_for_token(token)
        payload = DeclineSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        estimate_decline(estimate_id=estimate.pk, **payload.validated_data, **request_facts(request))
        return Response(decision_json(estimate_for_token(token)))


# --- Tracking ------------------------------------------------------------------------------------------------------


def ticket_for_tracking(token: str) -> ServiceTicket | None:
    signed = ticket_from_tracking_token(token)
    if signed is None:
        return None
    ticket_id, version = signed
    return (
        ServiceTicket.objects.select_related("vehicle")
        .filter(pk=ticket_id, tracking_version=version)
        .only(
            "id",
            "status",
            "service_date",
            "pickup_date",
            "updated_at",
            "vehicle__make",
            "vehicle__model",
            "vehicle__year",
        )
        .first()
    )


def tracking_json(ticket: ServiceTicket) -> dict:
    return {
        "ticket_id": ticket.pk,
        "status": ticket.status,
        "service_date": ticket.service_date.isoformat(),
        "pickup_date": ticket.pickup_date.isoformat() if ticket.pickup_date else None,
        "vehicle": {"make": ticket.vehicle.make, "model": ticket.vehicle.model, "year": ticket.vehicle.year},
        "updated_at": iso_timestamp(ticket.updated_at),
    }


class TrackingVehicleSerializer(serializers.Serializer):
    make = serializers.CharField(read_only=True)
    model = serializers.CharField(read_only=True)
    year = serializers.IntegerField(read_only=True, allow_null=True)


class TrackingSerializer(serializers.Serializer):
    """A ticket as its tracking link shows it, and nothing more."""

    ticket_id = serializers.IntegerField(read_only=True)
    status = serializers.ChoiceField(choices=ServiceTicket.Status.choices, read_only=True)
    service_date = serializers.DateField(read_only=True)
    pickup_date = serializers.DateField(read_only=True, allow_null=True)
    vehicle = TrackingVehicleSerializer(read_only=True)
    updated_at = serializers.DateTimeField(read_only=True)


class TrackHTMLRenderer(TemplateHTMLRenderer):
    """The tracking page, for a client that prefers text/html (a phone's browser)."""

    template_name = "tickets/track.html"


@extend_schema_view(
    retrieve=extend_schema(
        summary="Track a ticket, by the customer's link",
        description="No login. JSON by default; a small HTML page for a client that prefers `text/html`. A link "
        "replaced by POST /service-tickets/{id}/tracking-link → 404.",
        parameters=[TOKEN_PARAMETER],
        responses={
            (200, "application/json"): TrackingSerializer,
            (200, "text/html"): OpenApiResponse(OpenApiTypes.STR, description="The tracking page."),
            (404, "application/json"): OpenApiResponse(
                {"$ref": "#/components/schemas/ErrorDetail"},  # the API's error body (mechanic_shop/api/schema.py)
                description="The token was tampered with, or belongs to nothing.",
            ),
            (404, "text/html"): OpenApiResponse(OpenApiTypes.STR, description="A page saying the link does not work."),
        },
    )
)
class TrackViewSet(PublicLinkMixin, mixins.RetrieveModelMixin, ShopGenericViewSet):
    """GET /track/{token}: how the car is doing."""

    queryset = ServiceTicket.objects.none()
    serializer_class = TrackingSerializer
    renderer_classes = [ORJSONRenderer, TrackHTMLRenderer]

    def retrieve(self, request, *args, **kwargs):
        ticket = ticket_for_tracking(kwargs["token"])
        html = isinstance(request.accepted_renderer, TemplateHTMLRenderer)
        if ticket is None:
            if html:
                return Response({"shop_name": shop_name()}, status=404, template_name="tickets/link_not_found.html")
            raise Http404("No such tracking link.")
        data = tracking_json(ticket)
        if html:
            return Response({"ticket": data, "shop_name": shop_name(), "status_label": ticket.get_status_display()})
        return Response(data)


def shop_name() -> str:
    return settings.SHOP_NAME


# --- The customer's approval page ------------------------------------------------------------------------------------


def _throttled(request: HttpRequest) -> HttpResponse | None:
    for throttle_class in PUBLIC_LINK_THROTTLES:
        throttle = throttle_class()
        if not throttle.allow_request(request, None):  # type: ignore[arg-type]
            wait = int(throttle.wait() or 1)
            return render(
                request,
                "tickets/link_message.html",
                {"shop_name": shop_name(), "title": "Too many requests", "message": "Please try again later."},
                status=429,
                headers={"Retry-After": str(wait)},
            )
    return None


@csrf_protect
@require_http_methods(["GET", "HEAD", "POST"])
def approve_page(request: HttpRequest, token: str) -> HttpResponse:
    """GET /approve/{token}: the estimate with a checkbox per line to decline it, approve and decline buttons. Its
    form posts here; the decision is recorded as by the JSON endpoints, then the page shows the result."""
    refused = _throttled(request)
    if refused is not None:
        return refused
    try:
        estimate = estimate_for_token(token)
    except Http404:
        return render(request, "tickets/link_not_found.html", {"shop_name": shop_name()}, status=404)
    errors: dict[str, Any] = {}
    status = 200
    if request.method == "POST":
        decision = request.POST.get("decision")
        serializer_class = ApproveSerializer if decision == "approve" else DeclineSerializer
        data: dict[str, Any] = {"signed_by": request.POST.get("signed_by", "")}
        if decision == "approve":
            data["declined_line_ids"] = [value for value in request.POST.getlist("decline") if value.isdigit()]
        else:
            data["reason"] = request.POST.get("reason", "")
        payload = serializer_class(data=_form_values(data))
        if decision not in ("approve", "decline"):
            errors = {"decision": ["Choose approve or decline."]}
        elif payload.is_valid():
            try:
                if decision == "approve":
                    estimate_approve(estimate_id=estimate.pk, **payload.validated_data, **request_facts(request))
                else:
                    estimate_decline(estimate_id=estimate.pk, **payload.validated_data, **request_facts(request))
            except Conflict:
                status = 409
            except ValidationError as exc:  # from the service: a line that is not the estimate's
                errors = exc.message_dict
            estimate = estimate_for_token(token)
        else:
            errors = payload.errors
        if errors:
            status = 400
    decidable = estimate.status == Estimate.Status.PENDING and not estimate.is_expired and not estimate.ticket.is_closed
    context = {
        "shop_name": shop_name(),
        "estimate": public_estimate_json(estimate),
        "decided": estimate.status in (Estimate.Status.APPROVED, Estimate.Status.DECLINED),
        "decidable": decidable,
        "errors": errors,
        "signed_by": request.POST.get("signed_by", "") if request.method == "POST" else "",
        "estimate_signed_by": estimate.signed_by,
    }
    return render(request, "tickets/approve.html", context, status=status)


def _form_values(data: dict[str, Any]) -> dict[str, Any]:
    """Form values as the JSON serializers take them (line ids as integers)."""
    if "declined_line_ids" in data:
        data["declined_line_ids"] = [int(value) for value in data["declined_line_ids"]][:1000]
    return data
