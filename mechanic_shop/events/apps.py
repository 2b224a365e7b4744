from django.apps import AppConfig


class EventsConfig(AppConfig):
    """The timeline of every change (events), webhooks and their deliveries, and customer e-mail: written in the
    change's transaction, sent by background tasks (docs/decisions/0023-events-webhooks-and-tasks.md)."""

    name = "mechanic_shop.events"
    label = "events"
    verbose_name = "Timeline and webhooks"

    def ready(self) -> None:
        from django.db.models.signals import post_delete, post_migrate, post_save

        from mechanic_shop.events.models import Webhook
        from mechanic_shop.events.services import bump_webhooks

        # What each process remembers of the active webhooks is retired by any change to them, and by `flush`.
        post_save.connect(bump_webhooks, sender=Webhook, dispatch_uid="events.webhook_saved")
        post_delete.connect(bump_webhooks, sender=Webhook, dispatch_uid="events.webhook_deleted")
        post_migrate.connect(bump_webhooks, sender=self, dispatch_uid="events.flushed_or_migrated")
