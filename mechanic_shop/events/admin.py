"""The admin of the timeline and the webhooks: events (read-only), webhooks with their delivery log, failed
deliveries filterable and redelivered by an action, and the e-mails sent to customers."""

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.http import HttpRequest

from mechanic_shop.core.admin import ReadOnlyModelAdmin, ViewOnlyInline
from mechanic_shop.events.models import Event, OutgoingEmail, Webhook, WebhookDelivery
from mechanic_shop.events.services import (
    check_events,
    check_url,
    webhook_create,
    webhook_redeliver,
    webhook_rotate_secret,
    webhook_update,
)


@admin.register(Event)
class EventAdmin(ReadOnlyModelAdmin):
    view_permission = "events.view_event"
    list_display = ["id", "created_at", "type", "ticket_id", "actor_kind", "actor_id"]
    list_filter = ["type", "actor_kind"]
    search_fields = ["=ticket_id", "type"]
    ordering = ["-id"]


class DeliveryInline(ViewOnlyInline):
    model = WebhookDelivery
    view_permission = "events.view_webhookdelivery"
    fields = ["event", "attempt", "status", "response_status", "error", "duration_ms", "next_attempt_at", "created_at"]
    readonly_fields = fields
    ordering = ["-id"]
    max_num = 0

    def get_queryset(self, request: HttpRequest) -> QuerySet[WebhookDelivery]:
        return super().get_queryset(request).select_related("event")


class WebhookAdminForm(forms.ModelForm):  # type: ignore[type-arg]
    """The services' own checks, so a refused URL or event type shows on the form."""

    url = forms.URLField(max_length=2000, assume_scheme="https")

    class Meta:
        model = Webhook
        fields = ["url", "events", "is_active", "description"]
        help_texts = {"events": 'A JSON list of event types, or ["*"] for all of them.'}

    def clean_url(self) -> str:
        url: str = self.cleaned_data["url"]
        try:
            check_url(url)
        except ValidationError as exc:
            raise ValidationError(exc.message_dict["url"]) from exc
        return url

    def clean_events(self) -> list[str]:
        try:
            return check_events(self.cleaned_data["events"])
        except ValidationError as exc:
            raise ValidationError(exc.message_dict["events"]) from exc


@admin.register(Webhook)
class WebhookAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    form = WebhookAdminForm
    list_display = ["id", "url", "is_active", "description", "created_at"]
    list_filter = ["is_active"]
    search_fields = ["url", "description"]
    fields = ["url", "events", "is_active", "description", "created_at"]
    readonly_fields = ["created_at"]
    inlines = [DeliveryInline]
    actions = ["rotate_secret"]

    def save_model(self, request: HttpRequest, obj: Webhook, form: Any, change: bool) -> None:
        fields = {name: form.cleaned_data[name] for name in ("url", "events", "is_active", "description")}
        try:
            if change:
                webhook_update(webhook=obj, **{name: fields[name] for name in form.changed_data if name in fields})
            else:
                created = webhook_create(**fields)
                obj.pk, obj.secret = created.pk, created.secret
                self.message_user(request, f"The webhook's secret, shown this once: {created.secret}", messages.WARNING)
        except ValidationError as exc:
            self.message_user(request, "; ".join(exc.messages), messages.ERROR)
            raise

    @admin.action(description="Rotate the secret of the selected webhooks", permissions=["change"])
    def rotate_secret(self, request: HttpRequest, queryset: QuerySet[Webhook]) -> None:
        for webhook in queryset:
            webhook_rotate_secret(webhook=webhook)
            self.message_user(request, f"New secret of {webhook.url}, shown this once: {webhook.secret}")


@admin.register(WebhookDelivery)
class WebhookDeliveryAdmin(ReadOnlyModelAdmin):
    view_permission = "events.view_webhookdelivery"
    list_display = ["id", "webhook", "event", "attempt", "status", "response_status", "error", "created_at"]
    list_filter = ["status", "webhook"]
    list_select_related = ["webhook", "event"]
    ordering = ["-id"]
    actions = ["redeliver"]

    @admin.action(description="Redeliver the selected deliveries' events now", permissions=["view"])
    def redeliver(self, request: HttpRequest, queryset: QuerySet[WebhookDelivery]) -> None:
        if not request.user.has_perm("events.change_webhook"):
            self.message_user(request, "Redelivering needs the permission to change webhooks.", messages.ERROR)
            return
        for delivery in queryset:
            webhook_redeliver(delivery=delivery)
        self.message_user(request, f"{queryset.count()} delivery(ies) queued again.")


@admin.register(OutgoingEmail)
class OutgoingEmailAdmin(ReadOnlyModelAdmin):
    view_permission = "events.view_outgoingemail"
    list_display = ["id", "to", "subject", "status", "attempts", "created_at", "sent_at"]
    list_filter = ["status"]
    search_fields = ["to", "subject", "=ticket_id"]
    ordering = ["-id"]
