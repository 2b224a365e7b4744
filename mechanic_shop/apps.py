from django.apps import AppConfig


class MechanicShopConfig(AppConfig):
    """The project package as an app: its signals (cached permission sets, password changes) and system checks."""

    name = "mechanic_shop"
    verbose_name = "Mechanic Shop"

    def ready(self):
        from mechanic_shop import auth_backends, checks, signals  # noqa: F401  (connect signals, register checks)
