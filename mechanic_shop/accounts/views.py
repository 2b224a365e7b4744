"""Staff tokens, refresh and logout, and the admin's login page under the login limit. Customer login lives with
the customers."""

import math
from datetime import timedelta
from typing import TYPE_CHECKING, Any, cast

from django.contrib import admin
from django.contrib.auth import get_user_model
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.utils import timezone
from drf_spectacular.utils import OpenApiResponse, extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.exceptions import AuthenticationFailed
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView
from rest_framework_simplejwt.exceptions import InvalidToken, TokenError
from rest_framework_simplejwt.serializers import (
    TokenObtainPairSerializer,
    TokenObtainSerializer,
    TokenRefreshSerializer,
)
from rest_framework_simplejwt.settings import api_settings
from rest_framework_simplejwt.token_blacklist.models import OutstandingToken
from rest_framework_simplejwt.tokens import RefreshToken
from rest_framework_simplejwt.views import TokenObtainPairView, TokenRefreshView

from mechanic_shop.accounts.authentication import ROLE_CLAIM, ROLE_STAFF, BearerChallengeMixin, ShopJWTAuthentication
from mechanic_shop.api.fields import StrictCharField
from mechanic_shop.api.throttling import LoginThrottle

if TYPE_CHECKING:
    from rest_framework.authentication import BaseAuthentication
    from rest_framework.request import Request
    from rest_framework_simplejwt.authentication import AuthUser as JWTUser  # SimpleJWT's type variable for a user
    from rest_framework_simplejwt.tokens import Token


class StaffTokenObtainSerializer(TokenObtainPairSerializer):
    """Username and password of a staff account; any other account gets the same 401 as a wrong password."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # JSON strings only, like every text field of the API (a number is not a username).
        # No longer than the column (150 for Django's User), checked before any account is looked up by it.
        max_length = getattr(get_user_model()._meta.get_field(self.username_field), "max_length", None)
        self.fields[self.username_field] = StrictCharField(write_only=True, max_length=max_length)
        self.fields["password"] = StrictCharField(
            write_only=True, trim_whitespace=False, style={"input_type": "password"}
        )

    def validate(self, attrs: dict[str, Any]) -> dict[str, str]:
        # TokenObtainSerializer's validate only authenticates (self.user, or a 401); TokenObtainPairSerializer's would
        # then issue the pair, storing its refresh token, before this could refuse a non-staff account. A refused
        # login stores no token: the staff check comes between the two.
        TokenObtainSerializer.validate(self, attrs)
        if self.user is None or not self.user.is_staff:
            raise AuthenticationFailed(self.error_messages["no_active_account"], "no_active_account")
        # get_token makes a RefreshToken (TokenObtainPairSerializer's token_class), typed as any Token.
        refresh = cast(RefreshToken, self.get_token(self.user))
        return {"refresh": str(refresh), "access": str(refresh.access_token)}

    @classmethod
    def get_token(cls, user: "JWTUser") -> "Token":
        token = super().get_token(user)
        token[ROLE_CLAIM] = ROLE_STAFF
        return token


class ShopTokenRefreshSerializer(TokenRefreshSerializer):
    """Rotates the refresh token; a deleted or deactivated account, a reused token, or a staff token of an account
    that is no longer staff answers 401."""

    def validate(self, attrs: dict[str, Any]) -> dict[str, str]:
        with transaction.atomic():
            refresh = RefreshToken(attrs["refresh"])
            # Lock the token's row so two refreshes of one token cannot both succeed.
            jti = refresh.payload.get(api_settings.JTI_CLAIM)
            outstanding = OutstandingToken.objects.select_for_update().filter(jti=jti).first()
            if outstanding is not None and hasattr(outstanding, "blacklistedtoken"):
                raise InvalidToken("Token is blacklisted")
            user_id = refresh.payload.get(api_settings.USER_ID_CLAIM)
            user = get_user_model().objects.filter(**{api_settings.USER_ID_FIELD: user_id}).first()
            if user is None or not api_settings.USER_AUTHENTICATION_RULE(user):
                raise AuthenticationFailed(self.error_messages["no_active_account"], "no_active_account")
            if refresh.payload.get(ROLE_CLAIM) != ROLE_STAFF or user.is_staff:
                return super().validate(attrs)
            # A staff token whose account is no longer staff: the chain ends here, blacklisted (committed, not rolled
            # back with the refusal), so making the account staff again cannot revive it. Demoting an account by a
            # save already revokes its tokens (mechanic_shop/accounts/signals.py); this catches a bulk UPDATE.
            refresh.blacklist()
        raise AuthenticationFailed(self.error_messages["no_active_account"], "no_active_account")


_token_pair = inline_serializer("TokenPair", {"access": serializers.CharField(), "refresh": serializers.CharField()})


@extend_schema(
    tags=["auth"],
    summary="Get a staff token pair",
    responses={200: _token_pair, 401: OpenApiResponse(description="Wrong credentials, or not a staff account.")},
)
class StaffTokenView(TokenObtainPairView):
    """Staff login: `{"username", "password"}` → `{"access", "refresh"}`."""

    serializer_class = StaffTokenObtainSerializer
    # The anonymous limits apply as everywhere, plus the login counter it shares with customer login and the admin.
    throttle_classes = [*APIView.throttle_classes, LoginThrottle]
    # SimpleJWT's TokenViewBase sets `()` unannotated, which mypy reads as the type tuple[()].
    authentication_classes: "list[type[BaseAuthentication]]" = []  # type: ignore[assignment]
    www_authenticate_realm = ShopJWTAuthentication.www_authenticate_realm


@extend_schema(
    tags=["auth"],
    summary="Refresh a token pair",
    responses={
        200: _token_pair,
        401: OpenApiResponse(description="The refresh token is malformed, expired, used or revoked."),
    },
)
class ShopTokenRefreshView(TokenRefreshView):
    """`{"refresh"}` → a new `{"access", "refresh"}`; the refresh token sent is blacklisted."""

    # As in StaffTokenView: TokenViewBase's unannotated `()` reads as the type tuple[()].
    authentication_classes: "list[type[BaseAuthentication]]" = []  # type: ignore[assignment]
    www_authenticate_realm = ShopJWTAuthentication.www_authenticate_realm


class LogoutSerializer(serializers.Serializer[Any]):
    refresh = serializers.CharField()


class LogoutView(BearerChallengeMixin, APIView):
    """`{"refresh"}` → 205: that refresh token no longer works. The token itself is the proof."""

    permission_classes = [AllowAny]
    authentication_classes = []

    @extend_schema(
        tags=["auth"],
        summary="Log out: revoke a refresh token",
        request=LogoutSerializer,
        responses={
            205: OpenApiResponse(description="Logged out."),
            401: OpenApiResponse(description="The refresh token is malformed, expired or already revoked."),
        },
    )
    def post(self, request: "Request") -> Response:
        payload = LogoutSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        try:
            RefreshToken(payload.validated_data["refresh"]).blacklist()
        except TokenError as exc:
            raise InvalidToken(str(exc)) from exc
        return Response(status=status.HTTP_205_RESET_CONTENT)


def admin_login(request: HttpRequest, extra_context: dict[str, Any] | None = None) -> HttpResponse:
    """The admin's login page, under the per-IP login limit it shares with /auth/token and /customers/login.

    Without it the admin would be a way around that limit for guessing staff passwords.
    """
    if request.method == "POST":
        throttle = LoginThrottle()
        # The throttle reads only what a Django HttpRequest has too (DRF's get_ident reads META); no DRF view here.
        if not throttle.allow_request(request, None):  # type: ignore[arg-type]
            wait = int(throttle.wait() or 1)
            context = {
                **admin.site.each_context(request),
                "title": "Too many login attempts",
                "wait": _wait_in_words(wait),
                "retry_at": timezone.now() + timedelta(seconds=wait),
            }
            return TemplateResponse(
                request, "admin/login_throttled.html", context, status=429, headers={"Retry-After": str(wait)}
            )
    return admin.site.login(request, extra_context)


def _wait_in_words(seconds: int) -> str:
    if seconds < 60:
        return f"{seconds} second{'s' if seconds != 1 else ''}"
    minutes = math.ceil(seconds / 60)
    return f"{minutes} minute{'s' if minutes != 1 else ''}"
