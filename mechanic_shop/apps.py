from django.apps import AppConfig


class MechanicShopConfig(AppConfig):
    """The project package as an app: the accounts' signals (cached permission sets, password changes) and the
    deployment checks."""

    name = "mechanic_shop"
    verbose_name = "Mechanic Shop"

    def ready(self):
        from mechanic_shop import checks  # noqa: F401  (registers the deployment checks)
        from mechanic_shop.accounts import backends, signals  # noqa: F401  (connects their signals)
