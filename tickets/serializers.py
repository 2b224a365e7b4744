from collections.abc import Mapping
from decimal import Decimal

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from customers.models import Customer, Vehicle
from customers.serializers import VinField
from mechanic_shop.api.fields import (
    IdRelatedField,
    MoneyField,
    ShopModelSerializer,
    StrictBooleanField,
    StrictCharField,
    StrictIntegerField,
)
from mechanic_shop.api.filters import MAX_ID
from mechanics.models import Mechanic
from tickets.clock import clocked_hours
from tickets.links import NO_APPROVAL, approval_summaries, tracking_url
from tickets.models import MAX_MILEAGE, LaborLine, ServiceTicket, TicketPart, TimeEntry


def mileage_field() -> StrictIntegerField:
    return StrictIntegerField(
        min_value=0,
        max_value=MAX_MILEAGE,
        allow_null=True,
        required=False,
        help_text="An odometer reading, 0 to 2,000,000. Taken in service_date order, a vehicle's never go down.",
    )


def check_mileage_order(attrs: dict, instance: ServiceTicket | None = None) -> None:
    """mileage_out is not below mileage_in (the values sent, else the ticket's)."""
    readings = {
        field: attrs[field] if field in attrs else getattr(instance, field, None)
        for field in ("mileage_in", "mileage_out")
    }
    if None not in readings.values() and readings["mileage_out"] < readings["mileage_in"]:
        raise serializers.ValidationError(
            {"mileage_out": [f"The mileage out cannot be below the mileage in ({readings['mileage_in']})."]}
        )


def vehicle_id_field(**kwargs) -> IdRelatedField:
    return IdRelatedField(
        source="vehicle",
        queryset=Vehicle.objects.all(),
        help_text="The vehicle this ticket is about. Instead of it a client may send `vin`: the vehicle with that "
        "VIN, created for the ticket's customer when there is none. Both, for two different vehicles → 400.",
        **kwargs,
    )


VEHICLE_REQUIRED = "This field is required, unless vehicle_id is sent."


class VehicleRequiredMixin:
    """`vin` or `vehicle_id` is required (on create and PUT): reported with the other fields' errors, as a missing
    `vin` always was, so an old client gets the answer it got before."""

    partial: bool

    def to_internal_value(self, data):
        missing = not self.partial and isinstance(data, Mapping) and "vin" not in data and "vehicle_id" not in data
        try:
            value = super().to_internal_value(data)
        except serializers.ValidationError as exc:
            if missing and isinstance(exc.detail, dict):
                exc.detail.setdefault("vin", [VEHICLE_REQUIRED])
            raise
        if missing:
            raise serializers.ValidationError({"vin": [VEHICLE_REQUIRED]})
        return value


VIN_HELP = "The vehicle's VIN (read: always its vehicle's). Sending one moves the ticket to the vehicle with it."


class TicketMechanicSerializer(ShopModelSerializer):
    """A mechanic assigned to a ticket."""

    class Meta:
        model = Mechanic
        fields = ["id", "name"]
        read_only_fields = fields


class TicketLineSerializer(ShopModelSerializer):
    """A part on a ticket: `id` is the part's, `unit_price` its price when first added."""

    id = serializers.IntegerField(source="part_id", read_only=True, help_text="The part's id.")
    name = StrictCharField(source="part.name", read_only=True)
    line_total = serializers.DecimalField(max_digits=None, decimal_places=2, read_only=True)

    class Meta:
        model = TicketPart
        fields = ["id", "name", "quantity", "unit_price", "line_total"]
        read_only_fields = fields


class LaborLineSerializer(ShopModelSerializer):
    """A line of labor on a ticket: `hours` × `rate` (money per hour), optionally by a mechanic on the ticket."""

    mechanic_id = serializers.IntegerField(
        read_only=True, allow_null=True, help_text="The mechanic who did the work (assigned to the ticket), or null."
    )
    hours = serializers.DecimalField(max_digits=4, decimal_places=2, read_only=True)
    rate = serializers.DecimalField(max_digits=10, decimal_places=2, read_only=True)
    line_total = serializers.DecimalField(
        max_digits=14, decimal_places=2, read_only=True, help_text="hours × rate, rounded to the cent."
    )

    class Meta:
        model = LaborLine
        fields = ["id", "description", "hours", "rate", "mechanic_id", "line_total"]
        read_only_fields = fields


class ClockedHoursField(serializers.DecimalField):
    """`clocked_hours`: the ticket's ended time entries in hours, two decimals (reads the prefetched entries when the
    queryset prefetched `time_entries`)."""

    def __init__(self, **kwargs):
        super().__init__(max_digits=10, decimal_places=2, read_only=True, source="*", **kwargs)

    def to_representation(self, value):
        return super().to_representation(clocked_hours(sum(e.seconds or 0 for e in value.time_entries.all())))


class ServiceTicketSerializer(VehicleRequiredMixin, ShopModelSerializer):
    """A ticket as clients see it; also the body of PUT/PATCH (mechanics and parts change by their actions)."""

    vin = VinField(required=False, help_text=VIN_HELP)
    vehicle_id = vehicle_id_field(required=False)
    mileage_in = mileage_field()
    mileage_out = mileage_field()
    description = StrictCharField(max_length=1000, min_length=1)
    customer_id = IdRelatedField(source="customer", queryset=Customer.objects.all())
    status = serializers.ChoiceField(
        choices=ServiceTicket.Status.choices,
        required=False,
        error_messages={
            "invalid_choice": f'"{{input}}" is not a status; use one of: {", ".join(ServiceTicket.Status.values)}.'
        },
    )
    labor_cost = MoneyField(max_digits=10, decimal_places=2, required=False)
    pickup_date = serializers.DateField(allow_null=True, required=False)
    mechanics = TicketMechanicSerializer(many=True, read_only=True)
    parts = TicketLineSerializer(source="lines", many=True, read_only=True)
    # Sums over however many lines a ticket has carry no digit limit: a limit would turn a big ticket into a 500.
    parts_total = serializers.DecimalField(max_digits=None, decimal_places=2, read_only=True)
    labor_lines = LaborLineSerializer(many=True, read_only=True)
    labor_total = serializers.DecimalField(
        max_digits=None, decimal_places=2, read_only=True, help_text="labor_cost (a flat charge) + the labor lines."
    )
    billed_hours = serializers.DecimalField(
        max_digits=None, decimal_places=2, read_only=True, help_text="The sum of the labor lines' hours."
    )
    total_cost = serializers.DecimalField(
        max_digits=None, decimal_places=2, read_only=True, help_text="labor_total + parts_total."
    )
    clocked_hours = ClockedHoursField(help_text="The ticket's ended time entries, in hours (two decimals).")
    approval_required = serializers.BooleanField(
        read_only=True,
        help_text="Set on creation: the work cannot start (or take a clock-in) before an estimate is approved, nor "
        "complete above the approved total.",
    )
    approval_status = serializers.SerializerMethodField(
        help_text="The latest estimate still in force: none, pending, approved or declined (superseded and expired "
        "estimates do not count)."
    )
    approved_total = serializers.SerializerMethodField(
        help_text="The latest approved estimate's approved_total (a decimal string), or null."
    )
    tracking_url = serializers.SerializerMethodField(
        help_text="The customer's tracking link (no login needed); POST .../tracking-link issues a new one."
    )
    status_since = serializers.DateTimeField(read_only=True, help_text="When the ticket entered its current status.")
    stage_durations = serializers.DictField(
        child=serializers.IntegerField(),
        read_only=True,
        help_text='Whole seconds spent in each status the ticket has left, e.g. {"open": 3600}.',
    )

    class Meta:
        model = ServiceTicket
        fields = [
            "id",
            "vin",
            "vehicle_id",
            "service_date",
            "mileage_in",
            "mileage_out",
            "description",
            "customer_id",
            "status",
            "pickup_date",
            "labor_cost",
            "mechanics",
            "parts",
            "parts_total",
            "labor_lines",
            "labor_total",
            "billed_hours",
            "total_cost",
            "clocked_hours",
            "created_at",
            "updated_at",
            "completed_at",
            "approval_required",
            "approval_status",
            "approved_total",
            "tracking_url",
            "status_since",
            "stage_durations",
        ]
        read_only_fields = ["id", "created_at", "updated_at", "completed_at"]

    def validate(self, attrs):
        check_mileage_order(attrs, self.instance)
        return attrs

    def _approval(self, ticket: ServiceTicket) -> tuple[str, Decimal | None]:
        return approval_summaries([ticket.pk]).get(ticket.pk, NO_APPROVAL)

    @extend_schema_field({"type": "string", "enum": ["none", "pending", "approved", "declined"]})
    def get_approval_status(self, ticket: ServiceTicket) -> str:
        return self._approval(ticket)[0]

    @extend_schema_field({"type": "string", "format": "decimal", "nullable": True, "example": "254.00"})
    def get_approved_total(self, ticket: ServiceTicket) -> str | None:
        total = self._approval(ticket)[1]
        return None if total is None else str(total.quantize(Decimal("0.01")))

    @extend_schema_field({"type": "string", "format": "uri"})
    def get_tracking_url(self, ticket: ServiceTicket) -> str:
        return tracking_url(ticket.pk, ticket.tracking_version, self.context.get("request"))


class TicketCreateSerializer(VehicleRequiredMixin, serializers.Serializer):
    """A new ticket: it starts `open`, with the mechanics named in `mechanic_ids` (all must exist and be active), about
    the vehicle given by `vehicle_id` or `vin` (at least one of them)."""

    vin = VinField(required=False, help_text="The vehicle's VIN: the vehicle with it, else a new one for the customer.")
    vehicle_id = vehicle_id_field(required=False)
    mileage_in = mileage_field()
    mileage_out = mileage_field()
    service_date = serializers.DateField()
    description = StrictCharField(max_length=1000, min_length=1)
    customer_id = IdRelatedField(source="customer", queryset=Customer.objects.all())
    mechanic_ids = serializers.ListField(
        child=StrictIntegerField(min_value=1, max_value=MAX_ID), required=False, max_length=100
    )
    labor_cost = MoneyField(max_digits=10, decimal_places=2, required=False)
    pickup_date = serializers.DateField(allow_null=True, required=False)
    approval_required = StrictBooleanField(
        required=False,
        help_text="The work waits for an approved estimate (default: the APPROVAL_REQUIRED setting, false).",
    )

    def validate(self, attrs):
        check_mileage_order(attrs)
        return attrs


class TicketMechanicsEditSerializer(serializers.Serializer):
    """Mechanics to add to and remove from a ticket in one step; both lists are optional."""

    add_ids = serializers.ListField(
        child=StrictIntegerField(min_value=1, max_value=MAX_ID), required=False, max_length=100
    )
    remove_ids = serializers.ListField(
        child=StrictIntegerField(min_value=1, max_value=MAX_ID), required=False, max_length=100
    )

    def validate(self, attrs):
        both = sorted(set(attrs.get("add_ids", ())) & set(attrs.get("remove_ids", ())))
        if both:
            message = f"Mechanic id(s) in both add_ids and remove_ids: {', '.join(map(str, both))}."
            raise serializers.ValidationError({"add_ids": [message], "remove_ids": [message]})
        return attrs


class AddPartSerializer(serializers.Serializer):
    """Optional body of add-part: how many to take from stock (default 1)."""

    quantity = StrictIntegerField(min_value=1, max_value=1000, default=1)


class RemovePartSerializer(serializers.Serializer):
    """Optional body of remove-part: how many to give back to stock (default: all the ticket has)."""

    quantity = StrictIntegerField(min_value=1, max_value=2_147_483_647, required=False, help_text="Default: all of it.")


# --- Labor lines ---------------------------------------------------------------------------------------------------

HOURS_HELP = "Hours billed, 0.01 to 99.99 (two decimals)."


def hours_field(**kwargs) -> MoneyField:
    # MoneyField: a JSON number or a string of digits, nothing else (no "1e1", no spaces).
    return MoneyField(
        max_digits=4,
        decimal_places=2,
        min_value=Decimal("0.01"),
        max_value=Decimal("99.99"),
        help_text=HOURS_HELP,
        **kwargs,
    )


def labor_mechanic_field() -> serializers.IntegerField:
    return StrictIntegerField(
        min_value=1,
        max_value=MAX_ID,
        allow_null=True,
        required=False,
        help_text="The mechanic who does the work: one assigned to the ticket (else 400), or null.",
    )


class LaborLineCreateSerializer(serializers.Serializer):
    """A new labor line: `rate` defaults to the shop's LABOR_RATE setting."""

    description = StrictCharField(max_length=200, min_length=1)
    hours = hours_field()
    rate = MoneyField(max_digits=10, decimal_places=2, required=False, help_text="Per hour; default LABOR_RATE.")
    mechanic_id = labor_mechanic_field()


class LaborLineChangeSerializer(serializers.Serializer):
    """The labor line's fields to change; those not sent stay as they are."""

    description = StrictCharField(max_length=200, min_length=1, required=False)
    hours = hours_field(required=False)
    rate = MoneyField(max_digits=10, decimal_places=2, required=False, help_text="Per hour.")
    mechanic_id = labor_mechanic_field()


# --- The time clock ------------------------------------------------------------------------------------------------


class ClockSerializer(serializers.Serializer):
    """Body of clock-in and clock-out: the mechanic; optional for a staff account linked to a mechanic (itself)."""

    mechanic_id = IdRelatedField(
        source="mechanic",
        queryset=Mechanic.objects.all(),
        required=False,
        help_text="The mechanic clocking in or out. Default: the mechanic linked to the calling account.",
    )


class TimeEntrySerializer(ShopModelSerializer):
    """A mechanic's clocked time on a ticket; `ended_at` and `minutes` are null while the entry is open."""

    minutes = serializers.IntegerField(
        read_only=True, allow_null=True, help_text="Whole minutes clocked (rounded down); null while open."
    )

    class Meta:
        model = TimeEntry
        fields = ["id", "mechanic_id", "started_at", "ended_at", "minutes", "updated_at"]
        read_only_fields = fields


class MyTicketsQuerySerializer(serializers.Serializer):
    """The filters of /mechanics/my-tickets."""

    service_date = serializers.DateField(required=False, help_text="Only the tickets of this service date.")
    today = serializers.BooleanField(required=False, help_text="`true`: only the tickets of today's service date.")
    clocked_in = serializers.BooleanField(
        required=False, help_text="`true`: only the ticket the mechanic is clocked in on (none or one)."
    )


class MechanicTicketSerializer(ServiceTicketSerializer):
    """A ticket in /mechanics/my-tickets: the ticket JSON and the calling mechanic's open clock entry on it."""

    open_time_entry = TimeEntrySerializer(
        read_only=True, allow_null=True, help_text="The mechanic's open clock entry on this ticket, or null."
    )

    class Meta(ServiceTicketSerializer.Meta):
        fields = [*ServiceTicketSerializer.Meta.fields, "open_time_entry"]


# --- The efficiency leaderboard (GET /mechanics/leaderboard/efficiency) ---


class EfficiencyRangeSerializer(serializers.Serializer):
    """The leaderboard's query parameters: the dates the tickets were completed on, both inclusive, both optional."""

    completed_after = serializers.DateField(
        required=False, help_text="Tickets completed on this date (UTC) or later, YYYY-MM-DD."
    )
    completed_before = serializers.DateField(
        required=False, help_text="Tickets completed on this date (UTC) or earlier, YYYY-MM-DD."
    )

    def validate(self, attrs: dict) -> dict:
        after, before = attrs.get("completed_after"), attrs.get("completed_before")
        if after is not None and before is not None and before < after:
            raise serializers.ValidationError({"completed_before": ["Send a date on or after completed_after."]})
        return attrs


class EfficiencyEntrySerializer(serializers.Serializer):
    """One mechanic on the efficiency leaderboard (what `tickets.leaderboard.Standing.as_row` returns)."""

    id = serializers.IntegerField()
    name = serializers.CharField()
    billed_hours = serializers.DecimalField(
        max_digits=12, decimal_places=2, help_text="Hours of the labor lines naming this mechanic on those tickets."
    )
    clocked_hours = serializers.DecimalField(
        max_digits=12, decimal_places=2, help_text="Hours of this mechanic's ended time entries on those tickets."
    )
    efficiency = serializers.DecimalField(
        max_digits=12, decimal_places=2, help_text="billed_hours ÷ clocked_hours (from the exact clocked time)."
    )
