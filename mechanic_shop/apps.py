from django.apps import AppConfig
from django.contrib.admin import apps as admin_apps


class MechanicShopConfig(AppConfig):
    """The project package as an app: the accounts' signals (cached permission sets, password changes), the
    deployment checks, and Django's per-request receivers that would do nothing here left out (core/receivers.py)."""

    name = "mechanic_shop"
    verbose_name = "Mechanic Shop"

    def ready(self):
        from mechanic_shop import checks  # noqa: F401  (registers the deployment checks)
        from mechanic_shop.accounts import backends, signals  # noqa: F401  (connects their signals)
        from mechanic_shop.core.receivers import drop_idle_receivers

        drop_idle_receivers()


class ShopAdminConfig(admin_apps.AdminConfig):
    """Django's admin with the shop's site (tickets/admin_site.py): INSTALLED_APPS lists it instead of
    `django.contrib.admin`."""

    # Not the app config of `mechanic_shop` itself, which Django picks from this module by the flag.
    default = False
    default_site = "tickets.admin_site.ShopAdminSite"
