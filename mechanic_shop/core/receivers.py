"""Two of Django's per-request signal receivers that do nothing in this deployment, disconnected at startup.

Django connects `reset_queries` to `request_started` and `close_caches` to `request_finished` in every project, and
both run on every request whatever they find to do:

- `reset_queries` empties each database connection's query log, which Django only writes under DEBUG (a test's
  CaptureQueriesContext keeps its own count and needs no reset);
- `close_caches` calls `close()` on each cache the request used: empty for the local-memory cache, and for
  django-redis a no-op unless CLOSE_CONNECTION asks it to drop its connections after each request.

Each reaches every connection or cache through asgiref's context-local handlers, and together they were a tenth of the
CPU instructions of `GET /` (docs/decisions/0029-detail-without-rebuilding-its-sql.md). Each stays connected where it
would do something: `reset_queries` under DEBUG, `close_caches` if any cache is another backend or asks to be closed.
"""

from typing import Any

from django.conf import settings
from django.core.cache import close_caches
from django.core.signals import request_finished, request_started
from django.db import reset_queries

# Cache backends whose close() does nothing (django-redis: unless CLOSE_CONNECTION, below).
_IDLE_CLOSE = (
    "django.core.cache.backends.locmem.LocMemCache",
    "mechanic_shop.core.caches.ShopLocMemCache",
    "django.core.cache.backends.dummy.DummyCache",
)
_REDIS = "django_redis.cache.RedisCache"


def _close_is_idle(cache: dict[str, Any]) -> bool:
    backend = cache.get("BACKEND", "")
    if backend in _IDLE_CLOSE:
        return True
    if backend == _REDIS:
        default = getattr(settings, "DJANGO_REDIS_CLOSE_CONNECTION", False)
        return not cache.get("OPTIONS", {}).get("CLOSE_CONNECTION", default)
    return False


def drop_idle_receivers() -> None:
    """Disconnect `reset_queries` and `close_caches` where they would do nothing (see the module's docstring)."""
    if not settings.DEBUG:
        request_started.disconnect(reset_queries)
    if all(_close_is_idle(cache) for cache in settings.CACHES.values()):
        request_finished.disconnect(close_caches)
