"""Issuing and revoking refresh/access token pairs; every token carries the caller's role."""

from typing import TYPE_CHECKING

from rest_framework_simplejwt.token_blacklist.models import BlacklistedToken, OutstandingToken
from rest_framework_simplejwt.tokens import RefreshToken

from mechanic_shop.accounts.authentication import ROLE_CLAIM

if TYPE_CHECKING:
    from django.contrib.auth.models import User as AuthUser


def issue_tokens(user: "AuthUser", role: str) -> tuple[str, str]:
    """A (refresh, access) pair for `user`, both carrying `role`."""
    refresh = RefreshToken.for_user(user)
    refresh[ROLE_CLAIM] = role
    return str(refresh), str(refresh.access_token)


def revoke_refresh_tokens(user: "AuthUser") -> int:
    """Blacklist every outstanding refresh token of `user` (after a password change). Returns how many."""
    open_tokens = OutstandingToken.objects.filter(user=user, blacklistedtoken__isnull=True)
    created = BlacklistedToken.objects.bulk_create(
        [BlacklistedToken(token=token) for token in open_tokens], ignore_conflicts=True
    )
    return len(created)
