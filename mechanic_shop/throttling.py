"""Rate limits (API.md §5). Two rates per scope need two classes; counts live in the default cache.

Rates are read from settings.THROTTLE_RATES on each request (DRF's own classes read theirs once at import),
and settings.THROTTLE_ENABLED switches every class off.
"""

from django.conf import settings
from rest_framework.throttling import SimpleRateThrottle


class ShopRateThrottle(SimpleRateThrottle):
    def get_rate(self):
        return settings.THROTTLE_RATES.get(self.scope)

    def allow_request(self, request, view):
        if not settings.THROTTLE_ENABLED:
            return True
        return super().allow_request(request, view)


class _PerClientIP(ShopRateThrottle):
    """Counts anonymous callers by client IP (see NUM_PROXIES)."""

    def get_cache_key(self, request, view):
        if request.user and request.user.is_authenticated:
            return None
        return self.cache_format % {"scope": self.scope, "ident": self.get_ident(request)}


class _PerAccount(ShopRateThrottle):
    """Counts authenticated callers by account, whichever server or worker they reach."""

    def get_cache_key(self, request, view):
        if not (request.user and request.user.is_authenticated):
            return None
        return self.cache_format % {"scope": self.scope, "ident": request.user.pk}


class AnonShortThrottle(_PerClientIP):
    scope = "anon_short"


class AnonLongThrottle(_PerClientIP):
    scope = "anon_long"


class UserShortThrottle(_PerAccount):
    scope = "user_short"


class UserLongThrottle(_PerAccount):
    scope = "user_long"


class LoginThrottle(ShopRateThrottle):
    """Customer login and staff token share one counter per client IP."""

    scope = "login"

    def get_cache_key(self, request, view):
        return self.cache_format % {"scope": self.scope, "ident": self.get_ident(request)}


class RegisterThrottle(_PerClientIP):
    """Self-registration (anonymous POST /customers) per client IP."""

    scope = "register"
