import re

from rest_framework import serializers

from customers.models import Customer
from mechanic_shop.api.fields import (
    IdRelatedField,
    MoneyField,
    ShopModelSerializer,
    StrictCharField,
    StrictIntegerField,
)
from mechanic_shop.api.filters import MAX_ID
from mechanics.models import Mechanic
from tickets.models import ServiceTicket, TicketPart

VIN_PATTERN = re.compile(r"^[A-HJ-NPR-Z0-9]{17}$")


class VinField(StrictCharField):
    """17 characters of A-Z and 0-9 without I, O, Q; accepted in any case, stored upper-case."""

    def __init__(self, **kwargs):
        super().__init__(max_length=17, min_length=17, **kwargs)

    def to_internal_value(self, data):
        value = super().to_internal_value(data).upper()
        if not VIN_PATTERN.match(value):
            raise serializers.ValidationError("A VIN is 17 characters of A-Z and 0-9, without I, O or Q.")
        return value


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
    line_total = serializers.DecimalField(max_digits=14, decimal_places=2, read_only=True)

    class Meta:
        model = TicketPart
        fields = ["id", "name", "quantity", "unit_price", "line_total"]
        read_only_fields = fields


class ServiceTicketSerializer(ShopModelSerializer):
    """A ticket as clients see it; also the body of PUT/PATCH (mechanics and parts change by their actions)."""

    vin = VinField()
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
    parts_total = serializers.DecimalField(max_digits=14, decimal_places=2, read_only=True)
    total_cost = serializers.DecimalField(max_digits=14, decimal_places=2, read_only=True)

    class Meta:
        model = ServiceTicket
        fields = [
            "id",
            "vin",
            "service_date",
            "description",
            "customer_id",
            "status",
            "pickup_date",
            "labor_cost",
            "mechanics",
            "parts",
            "parts_total",
            "total_cost",
            "created_at",
            "updated_at",
            "completed_at",
        ]
        read_only_fields = ["id", "created_at", "updated_at", "completed_at"]


class TicketCreateSerializer(serializers.Serializer):
    """A new ticket: it starts `open`, with the mechanics named in `mechanic_ids` (all must exist and be active)."""

    vin = VinField()
    service_date = serializers.DateField()
    description = StrictCharField(max_length=1000, min_length=1)
    customer_id = IdRelatedField(source="customer", queryset=Customer.objects.all())
    mechanic_ids = serializers.ListField(
        child=StrictIntegerField(min_value=1, max_value=MAX_ID), required=False, max_length=100
    )
    labor_cost = MoneyField(max_digits=10, decimal_places=2, required=False)
    pickup_date = serializers.DateField(allow_null=True, required=False)


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
