from django.apps import AppConfig


class TicketsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "tickets"

    def ready(self):
        # The admin (first in INSTALLED_APPS) has registered every app's admin by now: add the tickets to the
        # customer admin (tickets/customer_admin.py).
        from tickets import customer_admin  # noqa: F401
