"""Estimates as JSON: the shop's view (staff and the ticket's customer), the customer's view by link (nothing about the
customer), and the bodies of the customer's decisions. Built from the model by hand-written functions, documented
for the schema by the serializers below.

A list of estimates is built from rows (`estimate_rows`, then `estimate_representations`): the page's estimates as
values, their lines in one prepared query (mechanic_shop/core/prepared.py), their approval links signed with the
key derived once. Model instances, `prefetch_related` and a Signer per link were two fifths of a page of ten
(decision 0037)."""

from collections import defaultdict
from collections.abc import Iterable
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db.models import QuerySet
from django.http import Http404
from django.utils import timezone
from rest_framework import serializers

from mechanic_shop.api.fields import StrictCharField, StrictIntegerField, iso_timestamp
from mechanic_shop.api.filters import MAX_ID
from mechanic_shop.core.prepared import PreparedRows
from tickets.estimates import REASON_MAX, SIGNED_BY_MAX
from tickets.links import approval_urls
from tickets.models import Estimate, EstimateLine

CENT = Decimal("0.01")
# What the shop's view reads of an estimate.
ESTIMATE_COLUMNS = (
    "id",
    "ticket_id",
    "total",
    "status",
    "expires_at",
    "approved_total",
    "decided_at",
    "signed_by",
    "decline_reason",
    "created_at",
    "updated_at",
)
LINE_COLUMNS = ("id", "kind", "description", "quantity", "unit_price", "line_total", "declined")
# A page's lines, in one query for all its estimates, in the order of their ids (SQL built once per page size).
LINE_ROWS = PreparedRows(
    lambda: EstimateLine.objects.order_by("id").values_list("estimate_id", *LINE_COLUMNS), "estimate_id"
)


def _money(value: Decimal | None) -> str | None:
    return None if value is None else str(value.quantize(CENT))


def _line(line_id, kind, description, quantity, unit_price, line_total, declined) -> dict:
    return {
        "id": line_id,
        "kind": kind,
        "description": description,
        "quantity": _money(quantity),
        "unit_price": _money(unit_price),
        "line_total": _money(line_total),
        "declined": declined,
    }


def line_json(line: EstimateLine) -> dict:
    return _line(*(getattr(line, column) for column in LINE_COLUMNS))


def estimate_rows(queryset: "QuerySet[Estimate]") -> "QuerySet[Any]":
    """The columns the shop's view needs, as a lazy values() queryset: filter and paginate it before it runs."""
    return queryset.values(*ESTIMATE_COLUMNS)


def estimate_representations(rows: Iterable[dict], request=None) -> list[dict]:
    """The shop's view of each estimate of `rows` (from `estimate_rows`), in their order: one query for their lines."""
    rows = list(rows)
    lines: dict[int, list[dict]] = defaultdict(list)
    for estimate_id, *line in LINE_ROWS.rows(row["id"] for row in rows):
        lines[estimate_id].append(_line(*line))
    url, now = approval_urls(request), timezone.now()
    return [
        {
            "id": row["id"],
            "ticket_id": row["ticket_id"],
            "lines": lines.get(row["id"], []),
            "total": _money(row["total"]),
            "status": Estimate.shown_status_of(row["status"], row["expires_at"], now),
            "expires_at": iso_timestamp(row["expires_at"]),
            "approval_url": url(row["id"]),
            "approved_total": _money(row["approved_total"]),
            "approved_at": iso_timestamp(Estimate.approved_at_of(row["status"], row["decided_at"])),
            "signed_by": row["signed_by"] or None,
            "decline_reason": row["decline_reason"] or None,
            "created_at": iso_timestamp(row["created_at"]),
            "updated_at": iso_timestamp(row["updated_at"]),
        }
        for row in rows
    ]


def estimate_json(estimate: Estimate, request=None) -> dict:
    """The shop's view of one estimate, read again by its id: a 404 if it is gone by then (its ticket deleted)."""
    shown = estimate_representations(estimate_rows(Estimate.objects.filter(pk=estimate.pk)), request)
    if not shown:
        raise Http404("No such estimate: its ticket was deleted.")
    return shown[0]


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
