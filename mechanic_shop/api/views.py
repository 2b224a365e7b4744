"""Site-wide endpoints: `/` and `/health`."""

import functools
import logging
import uuid
from typing import TYPE_CHECKING, Any

from django.core.cache import DEFAULT_CACHE_ALIAS, caches
from django.db import connection
from django.http import HttpResponse
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.decorators import api_view, authentication_classes, permission_classes, throttle_classes
from rest_framework.permissions import AllowAny
from rest_framework.response import Response

from mechanic_shop.api.negotiation import plain_json_accepted
from mechanic_shop.api.throttling import THROTTLE_CACHE

if TYPE_CHECKING:
    from django.http import HttpRequest, HttpResponseBase
    from rest_framework.request import Request

logger = logging.getLogger(__name__)


@extend_schema(
    summary="Check that the API answers",
    responses=inline_serializer("Status", {"status": serializers.CharField()}),
    tags=["status"],
)
@api_view(["GET", "HEAD"])
@authentication_classes([])
@permission_classes([AllowAny])
@throttle_classes([])
def _root(request: "Request") -> Response:
    """The API answers."""
    return Response({"status": "ok"})


# What the DRF view above answers to a GET that accepts JSON (a test holds the two equal, headers and body). DRF's
# api_view keeps the methods in a set, so the order of `Allow` is the process's: taken from the view itself.
ROOT_BODY = b'{"status":"ok"}'
ROOT_HEADERS = {"Content-Type": "application/json", "Allow": ", ".join(_root.cls().allowed_methods)}


# functools.wraps copies the DRF view's attributes (its class, csrf_exempt), so the schema and Django see that view.
@functools.wraps(_root)
def root(request: "HttpRequest") -> "HttpResponseBase":
    """`GET /`, the URL uptime checks and load balancers call most. A GET that accepts JSON gets the DRF view's
    answer without DRF's request wrapping, negotiation and rendering, which were a third of it
    (docs/decisions/0031-the-root-without-drf-on-a-plain-get.md); anything else (OPTIONS, another method, another
    Accept, the browsable API in development) goes to the DRF view."""
    if request.method == "GET" and plain_json_accepted(request, len(_root.cls.renderer_classes)):
        return HttpResponse(ROOT_BODY, headers=ROOT_HEADERS)
    return _root(request)


def _database_ok() -> bool:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            row: tuple[Any, ...] | None = cursor.fetchone()
            return row == (1,)
    except Exception:
        logger.exception("Health check: the database is down")
        return False


def _cache_ok() -> bool:
    # The pages' cache and the rate-limit counters' (with Redis, one server or two: THROTTLE_REDIS_URL).
    return all([_cache_answers(DEFAULT_CACHE_ALIAS), _cache_answers(THROTTLE_CACHE)])


def _cache_answers(alias: str) -> bool:
    key, value = "health:probe", uuid.uuid4().hex
    try:
        # With Redis and IGNORE_EXCEPTIONS an outage reads as a miss, so check the value came back.
        caches[alias].set(key, value, timeout=10)
        if caches[alias].get(key) == value:
            return True
    except Exception:
        logger.exception("Health check: the cache %r raised", alias)
        return False
    logger.error("Health check: the cache %r is down (a value written could not be read back)", alias)
    return False


@extend_schema(
    summary="Check the database and the cache",
    responses={
        200: inline_serializer(
            "Health",
            {"status": serializers.CharField(), "database": serializers.CharField(), "cache": serializers.CharField()},
        ),
        503: inline_serializer(
            "HealthDown",
            {
                "status": serializers.CharField(),
                "database": serializers.CharField(),
                "cache": serializers.CharField(),
                "detail": serializers.CharField(),
            },
        ),
    },
    tags=["status"],
)
@api_view(["GET", "HEAD"])
@authentication_classes([])
@permission_classes([AllowAny])
@throttle_classes([])  # load balancers poll this; it must never be rate limited
def health(request: "Request") -> Response:
    """Checks the database and the cache: 200, or 503 naming what is down."""
    checks = {"database": _database_ok(), "cache": _cache_ok()}
    down = [name for name, ok in checks.items() if not ok]
    body = {"status": "ok" if not down else "unavailable", **{k: "ok" if v else "down" for k, v in checks.items()}}
    if down:
        body["detail"] = f"Down: {', '.join(down)}."
        return Response(body, status=503)
    return Response(body)
