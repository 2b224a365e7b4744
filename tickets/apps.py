from django.apps import AppConfig


class TicketsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "tickets"

    def ready(self):
        # The admin (first in INSTALLED_APPS) has registered every app's admin by now: add the tickets to the
        # customer and vehicle admins (tickets/customer_admin.py, tickets/vehicle_admin.py).
        # A mechanic's name and whether it is active show on the cached efficiency leaderboard (tickets/leaderboard.py).
        from django.db.models.signals import post_delete, post_save

        from mechanics.models import Mechanic
        from tickets import customer_admin, vehicle_admin  # noqa: F401
        from tickets.leaderboard import leaderboard_changed

        post_save.connect(leaderboard_changed, sender=Mechanic, dispatch_uid="tickets.leaderboard_mechanic_saved")
        post_delete.connect(leaderboard_changed, sender=Mechanic, dispatch_uid="tickets.leaderboard_mechanic_deleted")
