"""The admin site: named after the shop, "View site" on the API docs, and the front desk's index page.

It lives in `tickets`, the top app, because its index reads tickets and parts (tickets/dashboard.py); the admin
app config in mechanic_shop/apps.py names it by path, so no lower layer imports it
(docs/decisions/0014-the-front-desk-admin.md).
"""

from django.conf import settings
from django.contrib import admin
from django.urls import reverse_lazy

from tickets.dashboard import floor_summary


class ShopAdminSite(admin.AdminSite):
    index_title = "What is on the floor now"
    index_template = "admin/tickets/floor_index.html"
    # The public site is the API: its docs are what a "View site" link can usefully open.
    site_url = reverse_lazy("swagger-ui")

    # Read on each request, so a changed SHOP_NAME (or a test's override) shows at once.
    @property
    def site_header(self) -> str:  # type: ignore[override]
        return settings.SHOP_NAME

    @property
    def site_title(self) -> str:  # type: ignore[override]
        return f"{settings.SHOP_NAME} admin"

    def index(self, request, extra_context=None):
        return super().index(request, {"floor": floor_summary(user=request.user), **(extra_context or {})})
