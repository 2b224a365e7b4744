"""Who is calling: anonymous, a customer (token from /customers/login) or staff (token from /auth/token).

Every token carries a `role` claim set when it was issued; refresh and rotation copy it. A customer token never
grants staff rights even if the account behind it were later made staff, and a staff token is only staff while
its account still has `is_staff`.
"""

import functools
import time
from typing import TYPE_CHECKING, Any, cast

from django.contrib.auth import get_user_model
from django.core.signals import setting_changed
from django.db import connections, router
from django.dispatch import receiver
from django.utils.translation import gettext_lazy as _
from rest_framework_simplejwt.authentication import JWTAuthentication
from rest_framework_simplejwt.exceptions import AuthenticationFailed, InvalidToken
from rest_framework_simplejwt.settings import api_settings

from mechanic_shop.core.prepared import driver_sql, fetch

if TYPE_CHECKING:
    from django.contrib.auth.base_user import AbstractBaseUser
    from django.contrib.auth.models import User as AuthUser
    from rest_framework.request import Request
    from rest_framework_simplejwt.tokens import Token

ROLE_CLAIM = "role"
ROLE_CUSTOMER = "customer"
ROLE_STAFF = "staff"


BEARER = b"Bearer"
BEARER_EXPECTED = "Send the access token as `Authorization: Bearer <token>`; no other scheme is accepted."

# How many verified tokens a worker remembers (about 1 MB); when full it starts over.
VERIFIED_TOKENS_MAX = 4096

# What a request needs of its user; the other columns load on first access (Django's deferred fields).
USER_COLUMNS = {"id", "is_active", "is_staff", "is_superuser"}


@functools.cache
def _user_model() -> "type[AuthUser]":
    """`get_user_model()`, looked up once: DRF makes an authenticator for every request, and SimpleJWT's looks the model
    up by its dotted name each time (through the settings and the app registry), as did `get_user` again."""
    return get_user_model()


@receiver(setting_changed)
def _forget_user_model(*, setting: str, **kwargs: Any) -> None:
    if setting == "AUTH_USER_MODEL":  # a test may swap it: the model, and the SELECT built for it
        _user_model.cache_clear()
        ShopJWTAuthentication._user_sql.clear()


class ShopJWTAuthentication(JWTAuthentication):
    """SimpleJWT bearer tokens; the user's row is read, and checked active, on every request.

    Reading the row each time is what refuses a deactivated or deleted account at once, so it stays. What goes is
    the ORM's per-call work: the query is one fixed statement, so it is built once per database and run as such
    (on the driver's cursor while no one listens to queries: core/prepared.py's `fetch`); and decoding and verifying
    the same token again on every request (docs/decisions/0002-jwt-user-lookup-and-verified-tokens.md).
    """

    www_authenticate_realm = "mechanic-shop"
    # By database: the SELECT, as the driver takes it, and the columns' names.
    _user_sql: dict[str, tuple[str, str | None, list[str]]] = {}
    # Tokens this process has verified (signature, type, claims), by their exact bytes: (expiry, token). A client
    # sends the same token on every request until it expires; verifying those same bytes again gives the same
    # answer, so only the expiry is checked again. A token that failed is never remembered.
    _verified: dict[bytes, tuple[float, "Token"]] = {}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        # JWTAuthentication's own __init__ only sets user_model, through get_user_model().
        super(JWTAuthentication, self).__init__(*args, **kwargs)
        self.user_model = _user_model()

    def get_raw_token(self, header: bytes) -> bytes | None:
        # SimpleJWT takes a header with another scheme (`Token …`, `Basic …`) for no credentials at all, so the
        # client would hear "credentials were not provided" about a token it did send. Say what is expected instead.
        # The scheme is case-insensitive (RFC 9110, 11.1): `bearer <token>` is a Bearer token.
        parts = header.split()
        if parts and parts[0].lower() != BEARER.lower():
            raise AuthenticationFailed(BEARER_EXPECTED, code="bad_authorization_header")
        if parts:
            parts[0] = BEARER
        return super().get_raw_token(b" ".join(parts))

    def get_validated_token(self, raw_token: bytes) -> "Token":
        remembered = self._verified.get(raw_token)
        if remembered is not None and time.time() < remembered[0]:
            return remembered[1]
        token = super().get_validated_token(raw_token)
        if len(self._verified) >= VERIFIED_TOKENS_MAX:
            self._verified.clear()
        self._verified[raw_token] = (token["exp"], token)
        return token

    # SimpleJWT annotates the return with a type variable nothing binds, which no concrete return type matches.
    def get_user(self, validated_token: "Token") -> "AbstractBaseUser":  # type: ignore[override]
        if api_settings.CHECK_REVOKE_TOKEN or not api_settings.CHECK_USER_IS_ACTIVE:
            return super().get_user(validated_token)  # settings this fast path does not implement
        try:
            user_id = int(validated_token[api_settings.USER_ID_CLAIM])
        except (KeyError, TypeError, ValueError) as exc:
            # A lazy string, as SimpleJWT's own get_user sends (its annotation says str).
            raise InvalidToken(cast(str, _("Token contained no recognizable user identification"))) from exc
        user_model = self.user_model
        alias = router.db_for_read(user_model)
        sql, driver, names = self._select_user_sql(user_model, alias)
        rows = fetch(connections[alias], sql, [user_id], driver, size=1)
        if not rows:
            raise AuthenticationFailed(cast(str, _("User not found")), code="user_not_found")
        values = [value if name == "id" else bool(value) for name, value in zip(names, rows[0], strict=True)]
        user = user_model.from_db(alias, names, values)
        if not user.is_active:
            raise AuthenticationFailed(cast(str, _("User is inactive")), code="user_inactive")
        return user

    @classmethod
    def _select_user_sql(cls, user_model: "type[AuthUser]", alias: str) -> tuple[str, str | None, list[str]]:
        """The SELECT for one user by id on database `alias`, as Django's cursor and the driver take it, and its
        columns' names in the model's field order (the order Model.from_db expects)."""
        if alias not in cls._user_sql:
            quote = connections[alias].ops.quote_name
            fields = [field for field in user_model._meta.concrete_fields if field.attname in USER_COLUMNS]
            # A concrete field always has a column (the stubs allow None, for the others).
            columns = ", ".join(quote(cast(str, field.column)) for field in fields)
            pk = quote(cast(str, user_model._meta.pk.column))
            sql = f"SELECT {columns} FROM {quote(user_model._meta.db_table)} WHERE {pk} = %s"
            driver = driver_sql(connections[alias], sql)
            cls._user_sql[alias] = (sql, driver, [field.attname for field in fields])
        return cls._user_sql[alias]


class BearerChallengeMixin:
    """For views that authenticate no one (login, logout): their 401s still carry the Bearer challenge.

    Without an authenticator DRF turns 401 into 403, because it has no WWW-Authenticate header to send.
    """

    def get_authenticate_header(self, request: "Request") -> str:
        return ShopJWTAuthentication().authenticate_header(request)


def token_role(request: "Request") -> str | None:
    """The role claim of the request's bearer token, or None for a session or no token."""
    token = getattr(request, "auth", None)
    if token is None or not hasattr(token, "get"):
        return None
    role: str | None = token.get(ROLE_CLAIM)
    return role


def is_staff_caller(request: "Request") -> bool:
    """A staff account, by a staff token or an admin session."""
    user = request.user
    if not (user and user.is_authenticated and user.is_active and user.is_staff):
        return False
    role = token_role(request)
    if role is None:
        # No token: only a session (the admin's) gets here.
        return getattr(request, "auth", None) is None
    return role == ROLE_STAFF
