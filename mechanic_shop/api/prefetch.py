"""One trip to Redis for what every request reads and counts (docs/decisions/0028-one-trip-to-redis-per-request.md).

A staff request used to go to Redis once per thing it needed: each rate-limit counter (INCR), its permission set
with the permission generation, and a list's generation. Each is a network round trip, and together they were most
of a cached page's time. Right after authentication (ShopViewSetMixin.perform_authentication, or for a cached
page's hit before DRF, api/caching.py) `read_ahead` sends them all in one Lua script call (EVALSHA) and keeps the
answers on the request, where the throttles (api/throttling.py) and the generation reads (core/prefetch.py,
core/generations.py) take them instead of asking Redis again:

- each counter the request's throttles will check: `SET key 0 EX ttl NX` (the window's expiry, set exactly once,
  by whichever request opens the window) then `INCR key` — atomic in Redis (a script runs whole), so limits stay
  exact across workers and servers; keys as django-redis makes them (`cache.make_key`), values raw integers as
  it stores them;
- the keys the layers above ask for every authenticated user (the permission generation and set:
  accounts/backends.py), decoded with django-redis's own decode (pickled values, raw integers);
- the generations the view names for its action (`prefetch_generations`, e.g. the customer list's).

Only for an authenticated caller, and only when the default cache is django-redis; with the local-memory caches
(no REDIS_URL) nothing changes, and anonymous requests count after their permissions as before. If the
throttle cache is another Redis server (THROTTLE_REDIS_URL), its counters go in a second call to it: two trips.
If Redis cannot be reached, the request fails open as the IGNORE_EXCEPTIONS caches do: no limit counted, generations
read as a constant, permissions computed from the database — and no further try within the request.

A request refused by its permissions (401, 403) never reached its throttles, so was never counted: `give_back`
(ShopViewSetMixin.permission_denied) takes back what was counted ahead for it, in one more trip on that path only.
"""

import contextlib
import logging
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.core.cache import caches
from redis.commands.core import Script
from redis.exceptions import RedisError

from mechanic_shop.api.throttling import (
    THROTTLE_CACHE,
    Counted,
    ShopRateThrottle,
    clock,
    counter_key,
    keep_counted,
    take_all_counted,
)
from mechanic_shop.core import prefetch
from mechanic_shop.core.actors import current_request
from mechanic_shop.core.generations import in_process_cache

if TYPE_CHECKING:
    from django.http import HttpRequest
    from rest_framework.request import Request
    from rest_framework.throttling import BaseThrottle
    from rest_framework.views import APIView

logger = logging.getLogger("mechanic_shop.cache")


def _redis_client(alias: str) -> Any:
    """django-redis's client of the cache `alias`, or None for any other backend."""
    client = getattr(caches[alias], "client", None)
    return client if client is not None and hasattr(client, "get_client") else None


def read_ahead(view: "APIView", request: "Request | HttpRequest") -> None:
    """Read and count, in one trip, what this request will ask Redis for; keep the answers on the request (DRF's
    or, before DRF, the Django request: api/caching.py)."""
    django_request: HttpRequest = getattr(request, "_request", request)
    if current_request.get() is not django_request:  # answers are found through the request being served
        return
    # The local-memory caches, told from the settings: asking for the cache object is a context-local lookup.
    if in_process_cache():
        return
    default = _redis_client("default")
    if default is None:
        return
    user = request.user
    if user is None or not user.is_authenticated or not user.is_active:
        # An anonymous caller: its counters are counted by the throttles as before, after the permissions — so a
        # refused anonymous request (401) still costs no trip at all.
        return
    keys = list(getattr(view, "prefetch_generations", {}).get(getattr(view, "action", None), ()))
    for user_keys in prefetch.USER_KEYS:
        keys.extend(user_keys(user))
    counters = counters_of(view.get_throttles(), request)
    cache = caches["default"]
    now = clock()
    names = [counter_key(name, now, window) for _, window, name in counters]
    counter_keys = [caches[THROTTLE_CACHE].make_key(name) for name in names]
    throttle = default if _same_server() else _redis_client(THROTTLE_CACHE)
    here = counters if throttle is default else []
    found: Sequence[Any] = ()
    counts: Sequence[Any] = ()
    try:
        answers = _read_and_count(default, [cache.make_key(key) for key in keys], here, counter_keys)
        found, counts = answers[: len(keys)], answers[len(keys) :]
    except (RedisError, OSError) as exc:
        logger.warning("Redis unreachable, request served without it: %s", exc)
        found = [prefetch.UNREACHABLE] * len(keys)
        counts = [None] * len(counters)
    if throttle is not default and throttle is not None and counters:
        # THROTTLE_REDIS_URL names another server: a second trip.
        try:
            counts = _read_and_count(throttle, [], counters, counter_keys)
        except (RedisError, OSError) as exc:
            logger.warning("Redis (throttle) unreachable, request served without it: %s", exc)
            counts = [None] * len(counters)
    prefetch.keep(
        django_request,
        {
            key: value if value is None or value is prefetch.UNREACHABLE else default.decode(value)
            for key, value in zip(keys, found, strict=True)
        },
    )
    if throttle is not None:
        counted: Counted = {}
        for (_, _, name), count, key in zip(counters, counts, names, strict=True):
            counted.setdefault(name, []).append((now, None if count is None else int(count), key))
        keep_counted(django_request, counted)


def give_back(request: "Request | HttpRequest") -> None:
    """Undo the counts taken ahead that no throttle checked: a request refused before its throttles ran (401, 403)
    is not counted, as without the trip ahead. One more trip, on refusals only."""
    give_back_keys(
        [key for entries in take_all_counted(request).values() for _, count, key in entries if count is not None]
    )


def give_back_keys(keys: list[str]) -> None:
    """Take one back from the counter at each of `keys` (the throttle cache's keys, one per count to undo)."""
    if not keys:
        return
    client = _redis_client(THROTTLE_CACHE)
    if client is None:
        cache = caches[THROTTLE_CACHE]
        for key in keys:
            # ValueError: the window ended and its counter went with it, so there is nothing to give back.
            with contextlib.suppress(ValueError):
                cache.decr(key)
        return
    try:
        pipe = client.get_client(write=True).pipeline(transaction=False)
        for key in keys:
            pipe.decr(caches[THROTTLE_CACHE].make_key(key))
        pipe.execute()
    except (RedisError, OSError) as exc:
        logger.warning("Redis unreachable, counts not given back: %s", exc)


def counters_of(throttles: "Sequence[BaseThrottle]", request: "Request | HttpRequest") -> list[tuple[int, int, str]]:
    """(limit, window, name) of each counter these throttles will check for this request."""
    if not settings.THROTTLE_ENABLED:
        return []
    found = []
    for throttle in throttles:
        counter = throttle.counter(request) if isinstance(throttle, ShopRateThrottle) else None  # type: ignore[arg-type]
        if counter is not None:
            found.append(counter)
    return found


def _same_server() -> bool:
    return bool(settings.CACHES[THROTTLE_CACHE]["LOCATION"] == settings.CACHES["default"]["LOCATION"])


# The whole read-and-count as one command: GET each of the first ARGV[1] keys (false: absent), then for each further
# key `SET key 0 EX ttl NX` (a new window's counter gets its expiry once, from whoever opens the window) and `INCR`.
# A script runs atomically, so no counter can expire between its SET and its INCR. (django-redis's own `incr` is a
# script too: EVAL is already needed.) A pipeline of the same commands measured ~1.5x the script's time.
_READ_AND_COUNT = """
local reads = tonumber(ARGV[1])
local answers = {}
for i = 1, reads do
  answers[i] = redis.call('GET', KEYS[i]) or false
end
for i = reads + 1, #KEYS do
  redis.call('SET', KEYS[i], 0, 'EX', ARGV[i - reads + 1], 'NX')
  answers[i] = redis.call('INCR', KEYS[i])
end
return answers
"""
_script: list[Script] = []  # made once, with the first client (it only keeps the source and its SHA1)


def _read_and_count(
    client: Any, reads: list[str], counters: list[tuple[int, int, str]], counter_keys: list[str]
) -> list[Any]:
    """One EVALSHA (the script is loaded on the server the first time): the values at `reads`, then the counts."""
    redis = client.get_client(write=True)
    if not _script:
        _script.append(redis.register_script(_READ_AND_COUNT))
    script = _script[0]
    keys = reads + (counter_keys if counters else [])
    ttls = [window + 1 for _, window, _ in counters]
    return list(script(keys=keys, args=[len(reads), *ttls], client=redis))
