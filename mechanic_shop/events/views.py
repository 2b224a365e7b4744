"""`/webhooks`: integrators' endpoints, their delivery log, redeliver, ping and rotate-secret (Manager: the
webhook model's permissions)."""

from django.shortcuts import get_object_or_404
from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.decorators import action
from rest_framework.response import Response

from mechanic_shop.accounts.permissions import StaffChangePermissions, StaffModelPermissions
from mechanic_shop.api.filters import SyncFilter
from mechanic_shop.api.viewsets import ID_PATTERN, ShopModelViewSet
from mechanic_shop.events.models import Webhook, WebhookDelivery
from mechanic_shop.events.serializers import DeliverySerializer, WebhookSerializer, WebhookWithSecretSerializer
from mechanic_shop.events.services import (
    webhook_create,
    webhook_delete,
    webhook_ping,
    webhook_redeliver,
    webhook_rotate_secret,
    webhook_update,
)


class WebhookViewSet(ShopModelViewSet):
    """Webhooks: every event of the types a webhook takes is POSTed to its URL, signed (Standard Webhooks)."""

    queryset = Webhook.objects.all()
    serializer_class = WebhookSerializer
    ordering = ["id"]
    ordering_fields = ["id", "created_at", "updated_at"]
    search_fields = ["url", "description"]

    def get_permissions(self):
        if self.action in ("rotate_secret", "redeliver", "ping"):
            return [StaffChangePermissions()]
        return [StaffModelPermissions()]

    def get_serializer_class(self):
        if self.action == "deliveries":
            return DeliverySerializer
        return super().get_serializer_class()

    @extend_schema(responses={201: WebhookWithSecretSerializer})
    def create(self, request, *args, **kwargs):
        payload = WebhookSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        webhook = webhook_create(**payload.validated_data)
        return Response(WebhookWithSecretSerializer(webhook).data, status=status.HTTP_201_CREATED)

    def update(self, request, *args, **kwargs):
        webhook = self.get_object()
        partial = kwargs.get("partial", False)
        payload = WebhookSerializer(webhook, data=request.data, partial=partial)
        payload.is_valid(raise_exception=True)
        webhook_update(webhook=webhook, **payload.validated_data)
        return Response(WebhookSerializer(webhook).data)

    def destroy(self, request, *args, **kwargs):
        webhook_delete(webhook=self.get_object())
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(request=None, responses={200: WebhookWithSecretSerializer})
    @action(detail=True, methods=["post"], url_path="rotate-secret")
    def rotate_secret(self, request, pk=None):
        """A new secret, shown this once; the old one no longer signs."""
        webhook = webhook_rotate_secret(webhook=self.get_object())
        return Response(WebhookWithSecretSerializer(webhook).data)

    @extend_schema(responses={200: DeliverySerializer(many=True)})
    @action(detail=True, methods=["get"], filter_backends=[SyncFilter], ordering=None)
    def deliveries(self, request, pk=None):
        """Every delivery attempt to this webhook, newest first."""
        webhook = self.get_object()
        rows = WebhookDelivery.objects.filter(webhook=webhook).select_related("event").order_by("-id")
        page = self.paginate_queryset(self.filter_queryset(rows))
        return self.get_paginated_response(DeliverySerializer(page, many=True).data)

    @extend_schema(request=None, responses={202: DeliverySerializer})
    @action(detail=True, methods=["post"], url_path=rf"deliveries/(?P<delivery_id>{ID_PATTERN})/redeliver")
    def redeliver(self, request, pk=None, delivery_id=None):
        """Send this delivery's event again, now."""
        webhook = self.get_object()
        delivery = get_object_or_404(WebhookDelivery, pk=delivery_id, webhook=webhook)
        again = webhook_redeliver(delivery=delivery)
        return Response(DeliverySerializer(again).data, status=status.HTTP_202_ACCEPTED)

    @extend_schema(request=None, responses={202: DeliverySerializer})
    @action(detail=True, methods=["post"])
    def ping(self, request, pk=None):
        """Send a `webhook.ping` event to this webhook."""
        webhook = self.get_object()
        event = webhook_ping(webhook=webhook)
        delivery = WebhookDelivery.objects.select_related("event").get(webhook=webhook, event=event)
        return Response(DeliverySerializer(delivery).data, status=status.HTTP_202_ACCEPTED)
