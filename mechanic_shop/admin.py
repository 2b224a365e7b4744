"""The token blacklist's tables (SimpleJWT's outstanding and blacklisted refresh tokens) for superusers only: they
are the machinery of logins, not the shop's data, and name every account's tokens."""

from django.contrib import admin
from rest_framework_simplejwt.token_blacklist.admin import BlacklistedTokenAdmin, OutstandingTokenAdmin
from rest_framework_simplejwt.token_blacklist.models import BlacklistedToken, OutstandingToken


def _is_superuser(request) -> bool:
    return request.user.is_active and request.user.is_superuser


class SuperusersOnly:
    """Whatever permissions a staff user holds on these models, only a superuser sees them."""

    def has_module_permission(self, request):
        return _is_superuser(request)

    def has_view_permission(self, request, obj=None):
        return _is_superuser(request)

    def has_change_permission(self, request, obj=None):
        return _is_superuser(request) and super().has_change_permission(request, obj)


class ShopOutstandingTokenAdmin(SuperusersOnly, OutstandingTokenAdmin):
    pass


class ShopBlacklistedTokenAdmin(SuperusersOnly, BlacklistedTokenAdmin):
    pass


# The token_blacklist app (before this one in INSTALLED_APPS) registered its own admins first.
admin.site.unregister(OutstandingToken)
admin.site.register(OutstandingToken, ShopOutstandingTokenAdmin)
admin.site.unregister(BlacklistedToken)
admin.site.register(BlacklistedToken, ShopBlacklistedTokenAdmin)
