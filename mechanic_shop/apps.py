from django.apps import AppConfig
from django.contrib.admin import apps as admin_apps


class MechanicShopConfig(AppConfig):
    """The project package as an app: the accounts' signals (cached permission sets, password changes) and the
    deployment checks."""

    name = "mechanic_shop"
    verbose_name = "Mechanic Shop"

    def ready(self):
        from mechanic_shop import checks  # noqa: F401  (registers the deployment checks)
        from mechanic_shop.accounts import backends, signals  # noqa: F401  (connects their signals)


class ShopAdminConfig(admin_apps.AdminConfig):
    """Django's admin with the shop's site (tickets/admin_site.py): INSTALLED_APPS lists it instead of
    `django.contrib.admin`."""

    # Not the app config of `mechanic_shop` itself, which Django picks from this module by the flag.
    default = False
    default_site = "tickets.admin_site.ShopAdminSite"
