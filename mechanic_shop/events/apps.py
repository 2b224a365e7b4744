from django.apps import AppConfig


class EventsConfig(AppConfig):
    """The timeline of every change (events), webhooks and their deliveries, and customer e-mail: written in the
    change's transaction, sent by background tasks (docs/decisions/0023-events-webhooks-and-tasks.md)."""

    name = "mechanic_shop.events"
    label = "events"
    verbose_name = "Timeline and webhooks"
