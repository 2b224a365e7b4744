"""Who is calling: anonymous, a customer (token from /customers/login) or staff (token from /auth/token).

Every token carries a `role` claim set when it was issued; refresh and rotation copy it. A customer token never
grants staff rights even if the account behind it were later made staff, and a staff token is only staff while
its account still has `is_staff`.
"""

from rest_framework_simplejwt.authentication import JWTAuthentication

ROLE_CLAIM = "role"
ROLE_CUSTOMER = "customer"
ROLE_STAFF = "staff"


class ShopJWTAuthentication(JWTAuthentication):
    """SimpleJWT bearer tokens; the user is loaded (and checked active) on every request."""

    www_authenticate_realm = "mechanic-shop"


class BearerChallengeMixin:
    """For views that authenticate no one (login, logout): their 401s still carry the Bearer challenge.

    Without an authenticator DRF turns 401 into 403, because it has no WWW-Authenticate header to send.
    """

    def get_authenticate_header(self, request):
        return ShopJWTAuthentication().authenticate_header(request)


def token_role(request) -> str | None:
    """The role claim of the request's bearer token, or None for a session or no token."""
    token = getattr(request, "auth", None)
    if token is None or not hasattr(token, "get"):
        return None
    return token.get(ROLE_CLAIM)


def is_staff_caller(request) -> bool:
    """A staff account, by a staff token or an admin session."""
    user = request.user
    if not (user and user.is_authenticated and user.is_active and user.is_staff):
        return False
    role = token_role(request)
    if role is None:
        # No token: only a session (the admin's) gets here.
        return getattr(request, "auth", None) is None
    return role == ROLE_STAFF


def caller_customer(request):
    """The Customer behind a customer token, or None. Cached on the request."""
    if hasattr(request, "_shop_customer"):
        return request._shop_customer
    customer = None
    user = request.user
    if user and user.is_authenticated and token_role(request) == ROLE_CUSTOMER:
        from customers.models import Customer

        customer = Customer.objects.filter(user=user).first()
    request._shop_customer = customer
    return customer


def issue_tokens(user, role: str) -> tuple[str, str]:
    """A (refresh, access) pair for `user`, both carrying `role`."""
    from rest_framework_simplejwt.tokens import RefreshToken

    refresh = RefreshToken.for_user(user)
    refresh[ROLE_CLAIM] = role
    return str(refresh), str(refresh.access_token)


def revoke_refresh_tokens(user) -> int:
    """Blacklist every outstanding refresh token of `user` (after a password change). Returns how many."""
    from rest_framework_simplejwt.token_blacklist.models import BlacklistedToken, OutstandingToken

    open_tokens = OutstandingToken.objects.filter(user=user, blacklistedtoken__isnull=True)
    created = BlacklistedToken.objects.bulk_create(
        [BlacklistedToken(token=token) for token in open_tokens], ignore_conflicts=True
    )
    return len(created)
