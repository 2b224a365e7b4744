"""Events, webhooks and deliveries as the API shows them (the schema; the bodies are built in views.py and
services.event_json)."""

from rest_framework import serializers

from mechanic_shop.events.models import WebhookDelivery
from mechanic_shop.events.services import EVENT_TYPES


class ActorSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=["staff", "customer", "public", "system"])
    id = serializers.IntegerField(allow_null=True)


class EventSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    type = serializers.CharField()
    ticket_id = serializers.IntegerField(allow_null=True)
    created_at = serializers.DateTimeField()
    updated_at = serializers.DateTimeField(help_text="Always `created_at`: an event never changes.")
    actor = ActorSerializer()
    data = serializers.DictField()


class WebhookSerializer(serializers.Serializer):
    """A webhook; `secret` only in the answer that made or rotated it."""

    id = serializers.IntegerField(read_only=True)
    url = serializers.URLField(max_length=2000, help_text="http or https; a public address unless the shop allows.")
    events = serializers.ListField(
        child=serializers.CharField(max_length=40),
        min_length=1,
        max_length=len(EVENT_TYPES) + 1,
        help_text=f'Event types to send, or ["*"] for all: {", ".join(EVENT_TYPES)}.',
    )
    is_active = serializers.BooleanField(required=False, default=True)
    description = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")
    created_at = serializers.DateTimeField(read_only=True)
    updated_at = serializers.DateTimeField(read_only=True)


class WebhookWithSecretSerializer(WebhookSerializer):
    secret = serializers.CharField(read_only=True, help_text="whsec_…: keep it, it is shown only this once.")


class DeliverySerializer(serializers.ModelSerializer):
    event_type = serializers.CharField(source="event.type", read_only=True)

    class Meta:
        model = WebhookDelivery
        fields = [
            "id",
            "event_id",
            "event_type",
            "attempt",
            "status",
            "response_status",
            "error",
            "duration_ms",
            "next_attempt_at",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields
