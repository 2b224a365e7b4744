from django.contrib import admin
from django.urls import path, re_path

from customers.urls import router as customers_router
from inventory.urls import router as inventory_router
from mechanic_shop.accounts.views import LogoutView, ShopTokenRefreshView, StaffTokenView, admin_login
from mechanic_shop.api import docs, views
from mechanic_shop.api.routers import OptionalSlashRouter
from mechanic_shop.events.urls import router as events_router
from mechanics.urls import router as mechanics_router
from tickets.urls import page_patterns as ticket_pages
from tickets.urls import router as tickets_router

# One router for the whole API. `tickets` comes last: its `customers/my-tickets` route sits beside the
# customers' own, whose ids are digits only, so neither shadows the other.
api = OptionalSlashRouter()
for app_router in (customers_router, mechanics_router, inventory_router, events_router, tickets_router):
    api.registry.extend(app_router.registry)

auth_patterns = [
    re_path(r"^auth/token/?$", StaffTokenView.as_view(), name="token-obtain"),
    re_path(r"^auth/token/refresh/?$", ShopTokenRefreshView.as_view(), name="token-refresh"),
    re_path(r"^auth/logout/?$", LogoutView.as_view(), name="logout"),
]

# Public and never throttled (mechanic_shop/api/docs.py).
docs_patterns = [
    re_path(r"^api/schema/?$", docs.SchemaView.as_view(), name="schema"),
    re_path(r"^api/docs/?$", docs.SwaggerView.as_view(url_name="schema"), name="swagger-ui"),
    re_path(r"^api/redoc/?$", docs.RedocView.as_view(url_name="schema"), name="redoc"),
]

# Django tries a path against each pattern in turn, and each failed try costs about 7,000 CPU instructions: the API's
# routes come right after the two that load balancers call, before the admin's, the tokens' and the docs' (whose first
# path segments no API route uses: test_urls.py holds them apart), so a customer's detail is tried against 5 patterns
# instead of 15 (decision 0035).
urlpatterns = [
    re_path(r"^$", views.root, name="root"),
    re_path(r"^health/?$", views.health, name="health"),
    *api.urls,
    path("admin/login/", admin_login, name="admin-login-throttled"),
    path("admin/", admin.site.urls),
    *auth_patterns,
    *docs_patterns,
    *ticket_pages,
]

handler400 = "mechanic_shop.api.exceptions.json_bad_request"
handler403 = "mechanic_shop.api.exceptions.json_permission_denied"
handler404 = "mechanic_shop.api.exceptions.json_not_found"
handler500 = "mechanic_shop.api.exceptions.json_server_error"
