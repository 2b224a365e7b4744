"""Estimates as JSON: the shop's view (staff and the ticket's customer), the customer's view by link (nothing about the
customer), and the bodies of the customer's decisions. Built from the model by hand-written functions, documented
for the schema by the serializers below."""

from decimal import Decimal

from django.conf import settings
from rest_framework import serializers

from mechanic_shop.api.fields import StrictCharField, StrictIntegerField, iso_timestamp
from mechanic_shop.api.filters import MAX_ID
from tickets.estimates import REASON_MAX, SIGNED_BY_MAX
from tickets.links import approval_url
from tickets.models import Estimate, EstimateLine

CENT = Decimal("0.01")


def _money(value: Decimal | None) -> str | None:
    return None if value is None else str(value.quantize(CENT))


def line_json(line: EstimateLine) -> dict:
    return {
        "id": line.pk,
        "kind": line.kind,
        "description": line.description,
        "quantity": _money(line.quantity),
        "unit_price": _money(line.unit_price),
        "line_total": _money(line.line_total),
        "declined": line.declined,
    }


def estimate_json(estimate: Estimate, request=None) -> dict:
    """The shop's view of an estimate (its lines prefetched or read here)."""
    return {
        "id": estimate.pk,
        "ticket_id": estimate.ticket_id,
        "lines": [line_json(line) for line in estimate.lines.all()],
        "total": _money(estimate.total),
        "status": estimate.shown_status,
        "expires_at": iso_timestamp(estimate.expires_at),
        "approval_url": approval_url(estimate.pk, request),
        "approved_total": _money(estimate.approved_total),
        "approved_at": iso_timestamp(estimate.approved_at),
        "signed_by": estimate.signed_by or None,
        "decline_reason": estimate.decline_reason or None,
        "created_at": iso_timestamp(estimate.created_at),
        "updated_at": iso_timestamp(estimate.updated_at),
    }


def public_estimate_json(estimate: Estimate) -> dict:
    """What the link shows: the lines, the totals, the shop and the vehicle; nothing about the customer."""
    vehicle = estimate.ticket.vehicle
    return {
        "lines": [line_json(line) for line in estimate.lines.all()],
        "total": _money(estimate.total),
        "status": estimate.shown_status,
        "expires_at": iso_timestamp(estimate.expires_at),
        "approved_total": _money(estimate.approved_total),
        "shop_name": settings.SHOP_NAME,
        "vehicle": {"vin": vehicle.vin, "make": vehicle.make, "model": vehicle.model, "year": vehicle.year},
    }


def decision_json(estimate: Estimate) -> dict:
    """The answer to a decision: the link's view, and the decision as recorded."""
    return {
        **public_estimate_json(estimate),
        "approved_at": iso_timestamp(estimate.approved_at),
        "signed_by": estimate.signed_by,
        "decline_reason": estimate.decline_reason or None,
    }


STATUS_CHOICES = [*Estimate.Status.values, "expired"]
MONEY = {"max_digits": 14, "decimal_places": 2, "read_only": True}


class EstimateLineSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True, help_text="The line's own id (for declined_line_ids).")
    kind = serializers.ChoiceField(choices=EstimateLine.Kind.values, read_only=True)
    description = serializers.CharField(read_only=True, help_text="The part's name, or the labor's description.")
    quantity = serializers.DecimalField(
        max_digits=12, decimal_places=2, read_only=True, help_text="Units of a part, hours of labor, 1 for flat labor."
    )
    unit_price = serializers.DecimalField(**MONEY)
    line_total = serializers.DecimalField(**MONEY)
    declined = serializers.BooleanField(read_only=True, help_text="Declined by the customer at approval.")


class EstimateSerializer(serializers.Serializer):
    """An estimate as the shop sees it."""

    id = serializers.IntegerField(read_only=True)
    ticket_id = serializers.IntegerField(read_only=True)
    lines = EstimateLineSerializer(many=True, read_only=True)
    total = serializers.DecimalField(**MONEY)
    status = serializers.ChoiceField(
        choices=STATUS_CHOICES, read_only=True, help_text="`expired`: pending and past expires_at."
    )
    expires_at = serializers.DateTimeField(read_only=True)
    approval_url = serializers.URLField(read_only=True, help_text="The customer's page; no login needed.")
    approved_total = serializers.DecimalField(**MONEY, allow_null=True)
    approved_at = serializers.DateTimeField(read_only=True, allow_null=True)
    signed_by = serializers.CharField(read_only=True, allow_null=True)
    decline_reason = serializers.CharField(read_only=True, allow_null=True)
    created_at = serializers.DateTimeField(read_only=True)
    updated_at = serializers.DateTimeField(read_only=True)


class VehicleBriefSerializer(serializers.Serializer):
    vin = serializers.CharField(read_only=True)
    make = serializers.CharField(read_only=True)
    model = serializers.CharField(read_only=True)
    year = serializers.IntegerField(read_only=True, allow_null=True)


class PublicEstimateSerializer(serializers.Serializer):
    """An estimate as its link shows it: nothing about the customer."""

    lines = EstimateLineSerializer(many=True, read_only=True)
    total = serializers.DecimalField(**MONEY)
    status = serializers.ChoiceField(choices=STATUS_CHOICES, read_only=True)
    expires_at = serializers.DateTimeField(read_only=True)
    approved_total = serializers.DecimalField(**MONEY, allow_null=True)
    shop_name = serializers.CharField(read_only=True)
    vehicle = VehicleBriefSerializer(read_only=True)


class EstimateDecisionSerializer(PublicEstimateSerializer):
    """The answer to approve and decline."""

    approved_at = serializers.DateTimeField(read_only=True, allow_null=True)
    signed_by = serializers.CharField(read_only=True)
    decline_reason = serializers.CharField(read_only=True, allow_null=True)


class ApproveSerializer(serializers.Serializer):
    signed_by = StrictCharField(min_length=1, max_length=SIGNED_BY_MAX, help_text="The name of who approves.")
    declined_line_ids = serializers.ListField(
        child=StrictIntegerField(min_value=1, max_value=MAX_ID),
        required=False,
        max_length=1000,
        help_text="Ids of the estimate's lines the customer declines: they leave the ticket.",
    )


class DeclineSerializer(serializers.Serializer):
    signed_by = StrictCharField(min_length=1, max_length=SIGNED_BY_MAX, help_text="The name of who declines.")
    reason = StrictCharField(max_length=REASON_MAX, required=False, allow_blank=True)


class EstimateListQuerySerializer(serializers.Serializer):
    status = serializers.ChoiceField(choices=STATUS_CHOICES, required=False)
    has_declined = serializers.BooleanField(
        required=False, help_text="`true`: approved with lines declined (work to follow up); `false`: none declined."
    )
    ticket_id = serializers.IntegerField(min_value=1, max_value=MAX_ID, required=False)
