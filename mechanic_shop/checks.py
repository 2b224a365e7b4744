"""Deployment checks (`manage.py check --deploy`) for settings Django's own checks do not know."""

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, cast

from django.conf import settings
from django.core.checks import Tags, Warning, register

from mechanic_shop.core.generations import in_process_cache

if TYPE_CHECKING:
    from django.apps import AppConfig
    from django.core.checks import CheckMessage

JWT_KEY_MIN_LENGTH = 32


@register(Tags.security, deploy=True)
def check_shared_cache(app_configs: Sequence["AppConfig"] | None, **kwargs: Any) -> list["CheckMessage"]:
    if in_process_cache():
        return [
            Warning(
                "REDIS_URL is not set: each gunicorn worker counts rate limits and keeps cached pages on its own.",
                hint="Set REDIS_URL so rate limits hold per account across every worker and server "
                "(docs/operations.md, 'MySQL/MariaDB and Redis').",
                id="mechanic_shop.W001",
            )
        ]
    return []


@register(Tags.security, deploy=True)
def check_jwt_signing_key(app_configs: Sequence["AppConfig"] | None, **kwargs: Any) -> list["CheckMessage"]:
    # SIMPLE_JWT mixes value types (the settings module types it as dict[str, object]); its key is a str or None.
    key = cast(str, settings.SIMPLE_JWT["SIGNING_KEY"] or "")
    problems: list[CheckMessage] = []
    if len(key) < JWT_KEY_MIN_LENGTH:
        problems.append(
            Warning(
                f"JWT_SIGNING_KEY has {len(key)} characters: an HS256 key this short can be guessed offline from "
                "any token.",
                hint=f"Use at least {JWT_KEY_MIN_LENGTH} random characters: "
                "python3 -c 'import secrets; print(secrets.token_urlsafe(50))'",
                id="mechanic_shop.W002",
            )
        )
    if key == settings.SECRET_KEY:
        problems.append(
            Warning(
                "JWT_SIGNING_KEY equals SECRET_KEY: a leak of one would give away the other.",
                hint="Generate a separate JWT_SIGNING_KEY.",
                id="mechanic_shop.W003",
            )
        )
    return problems
