from django.apps import AppConfig


class TicketsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "tickets"

    def ready(self):
        # The admin (first in INSTALLED_APPS) has registered every app's admin by now: add the tickets to the
        # customer and vehicle admins (tickets/customer_admin.py, tickets/vehicle_admin.py).
        from tickets import customer_admin, vehicle_admin  # noqa: F401
        from tickets.leaderboard import connect_receivers

        # A mechanic saved or deleted retires the cached efficiency leaderboard (its names, who is active).
        connect_receivers()
