from django.apps import AppConfig


class MechanicShopConfig(AppConfig):
    """The project package as an app: it connects the signals that keep cached permission sets fresh."""

    name = "mechanic_shop"
    verbose_name = "Mechanic Shop"

    def ready(self):
        from mechanic_shop import auth_backends  # noqa: F401  (connects the permission-cache signals)
