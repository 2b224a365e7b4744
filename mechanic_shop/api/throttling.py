"""Rate limits: fixed-window counters in the "throttle" cache, two rates per scope as two classes.

DRF's SimpleRateThrottle keeps a list of every request's timestamp and writes it back with get-then-set: each
request costs O(requests in the window) and two workers counting at once lose counts. Here each window is one
integer that the cache increments atomically (INCR in Redis), so a limit holds across every worker and server
and a request costs one cache round trip per counter — with Redis, none of its own: api/prefetch.py counts every
counter of the request in the one script call it makes after authentication; allow_request takes those counts. A
window allows at most N requests; at its boundary a client may fit up to 2N into one window's length, which is fine
for over-use protection (throttles are not a security control).

Rates come from settings.THROTTLE_RATES on each request and settings.THROTTLE_ENABLED switches every class off.
If the cache is down (Redis outage with IGNORE_EXCEPTIONS), counting fails open: requests are served.

Each count is also kept on the request, so the answer can tell the client where it stands: `RateLimit-Policy` and
`RateLimit` (the IETF draft "RateLimit header fields for HTTP"), added by ResponseHeadersMiddleware from the very
numbers the INCR returned, with no second trip to the cache. A counter the cache could not give adds nothing.

The counters have a cache alias of their own (settings.CACHES["throttle"]), never the one cached pages go to: a flood
of distinct list URLs must not push the login counters out (docs/decisions/0016-counters-apart-from-pages-and-
drained-bodies.md; how Redis must be set up: docs/operations.md, "Redis: keeping the rate-limit counters").
"""

import functools
import math
import time
from typing import TYPE_CHECKING, Any, NamedTuple

from django.conf import settings
from django.core.cache import caches
from rest_framework.throttling import BaseThrottle, SimpleRateThrottle

if TYPE_CHECKING:
    from django.core.cache.backends.base import BaseCache
    from rest_framework.request import Request
    from rest_framework.views import APIView

THROTTLE_CACHE = "throttle"
_UNKNOWN = object()


class ShopRateThrottle(BaseThrottle):
    scope: str = ""

    def __init__(self) -> None:
        self.wait_seconds: float | None = None
        # The counter, once worked out: a throttle is made for one request (DRF's get_throttles), and its counter is
        # asked for twice, by the count taken ahead and by allow_request.
        self._counter: tuple[int, int, str] | None | object = _UNKNOWN

    def get_rate(self) -> str | None:
        return settings.THROTTLE_RATES.get(self.scope)

    def get_ident_key(self, request: "Request") -> str | None:
        """Who is counted; None means this class does not apply to the request."""
        raise NotImplementedError

    # `view` is None for the admin's login page (mechanic_shop/accounts/views.py), which no DRF view serves.
    def allow_request(self, request: "Request", view: "APIView | None") -> bool:
        if not settings.THROTTLE_ENABLED:
            return True
        counter = self.counter(request)
        if counter is None:
            return True
        limit, duration, name = counter
        # Counted already in the request's one trip to Redis (api/prefetch.py), or now.
        counted = _take_counted(request, name)
        if counted is None:
            now = clock()
            count = _count(counter_key(name, now, duration), timeout=duration + 1)
        else:
            now, count = counted
        window = int(now // duration)
        if count is None:
            return True
        resets_in = (window + 1) * duration - now
        _note_usage(request, Usage(self.scope, limit, duration, max(0, limit - count), math.ceil(resets_in)))
        if count <= limit:
            return True
        self.wait_seconds = resets_in
        return False

    def counter(self, request: "Request") -> tuple[int, int, str] | None:
        """(limit, window in seconds, counter name) for the request; None if this class does not count it. The
        counter's key is the name and the window's number (`<name>:<int(now // window)>`)."""
        if self._counter is _UNKNOWN:
            self._counter = self._work_out_counter(request)
        return self._counter  # type: ignore[return-value]

    def _work_out_counter(self, request: "Request") -> tuple[int, int, str] | None:
        rate = self.get_rate()
        ident = self.get_ident_key(request) if rate else None
        if ident is None:
            return None
        # parse_rate never reads `self`, so no throttle is built to call it; a non-empty rate gives two ints (the
        # stubs say int | None, for no rate).
        limit: int
        duration: int
        limit, duration = SimpleRateThrottle.parse_rate(None, rate)  # type: ignore[arg-type, assignment]
        return limit, duration, f"throttle:{self.scope}:{ident}"

    def wait(self) -> float | None:
        return None if self.wait_seconds is None else max(1, math.ceil(self.wait_seconds))


def counter_key(name: str, now: float, window: int) -> str:
    """The throttle cache's key of the counter `name` in the window that holds `now` (here and in api/prefetch.py)."""
    return f"{name}:{int(now // window)}"


def clock() -> float:
    """The time windows are taken at (here and in api/prefetch.py; tests set it)."""
    return time.time()


class Usage(NamedTuple):
    """One counter as a request left it: `remaining` requests of `limit` in a window of `window` seconds, which
    ends in `resets_in` seconds. (A named tuple: made twice on every request, and cheaper than a dataclass.)"""

    scope: str
    limit: int
    window: int
    remaining: int
    resets_in: int


USAGE_ATTRIBUTE = "_shop_rate_limits"
_WINDOW_NAMES = {1: "second", 60: "minute", 3600: "hour", 86400: "day"}


def _note_usage(request: Any, usage: Usage) -> None:
    # On the Django request under DRF's, where the middleware finds it (the admin's login passes a Django request).
    target = getattr(request, "_request", request)
    noted = target.__dict__.setdefault(USAGE_ATTRIBUTE, [])
    noted.append(usage)


def rate_limit_headers(usages: "list[Usage]") -> dict[str, str]:
    """`RateLimit-Policy` (every counter the request was counted in) and `RateLimit` (the one closest to its limit:
    fewest requests left; of those, the one that resets last). Policies are named by their window; two counters
    with the same window (a per-IP login counter beside the hourly one, say) are told apart by their scope."""
    policy, names = _policy(tuple((usage.scope, usage.limit, usage.window) for usage in usages))
    nearest = 0
    for index in range(1, len(usages)):
        usage, best = usages[index], usages[nearest]
        if (usage.remaining, -usage.resets_in) < (best.remaining, -best.resets_in):
            nearest = index
    closest = usages[nearest]
    return {
        "RateLimit-Policy": policy,
        "RateLimit": f'"{names[nearest]}";r={closest.remaining};t={closest.resets_in}',
    }


@functools.lru_cache(maxsize=64)
def _policy(counters: tuple[tuple[str, int, int], ...]) -> tuple[str, tuple[str, ...]]:
    """The policy header and each counter's name, for a set of counters (the same few sets on every request)."""
    windows = [window for _, _, window in counters]
    names = tuple(
        _WINDOW_NAMES.get(window, f"{window}s")
        if windows.count(window) == 1
        else f"{scope}-{_WINDOW_NAMES.get(window, f'{window}s')}"
        for scope, _, window in counters
    )
    policy = ", ".join(
        f'"{name}";q={limit};w={window}' for name, (_, limit, window) in zip(names, counters, strict=True)
    )
    return policy, names


COUNTED_ATTRIBUTE = "_shop_counted"


# name → one (the time its window was taken at, the count or None if the cache could not count, the cache key) per
# throttle that checks the counter, in the order they check.
Counted = dict[str, list[tuple[float, int | None, str]]]


def keep_counted(request: Any, counted: Counted) -> None:
    """Counters already incremented for this request (api/prefetch.py)."""
    getattr(request, "_request", request).__dict__[COUNTED_ATTRIBUTE] = counted


def take_all_counted(request: Any) -> Counted:
    """The counters incremented ahead that no throttle has checked (api/prefetch.py gives them back)."""
    return getattr(request, "_request", request).__dict__.pop(COUNTED_ATTRIBUTE, None) or {}


def has_counted(request: Any) -> bool:
    """Whether the request's counters were counted ahead (api/prefetch.py, or `count_ahead`)."""
    return COUNTED_ATTRIBUTE in getattr(request, "_request", request).__dict__


def count_ahead(request: Any, counters: "list[tuple[int, int, str]]") -> None:
    """Count each of `counters` ((limit, window, name), as `ShopRateThrottle.counter` gives them) now, and keep the
    counts for the throttles to take, as the trip to Redis does: whoever counted them can give them back."""
    now = clock()
    cache = caches[THROTTLE_CACHE]
    counted: Counted = {}
    for _, window, name in counters:
        key = counter_key(name, now, window)
        counted.setdefault(name, []).append((now, _count(key, timeout=window + 1, cache=cache), key))
    keep_counted(request, counted)


def counted_keys(request: Any) -> list[str]:
    """The keys of the counters counted ahead for the request (each as often as it was counted), left on it."""
    counted: Counted = getattr(request, "_request", request).__dict__.get(COUNTED_ATTRIBUTE) or {}
    return [key for entries in counted.values() for _, count, key in entries if count is not None]


def forget(request: Any) -> None:
    """Drop what the throttles noted and what was counted ahead for the request: it is handed on to be counted
    again (api/caching.py gives the counts back first)."""
    target = getattr(request, "_request", request)
    target.__dict__.pop(USAGE_ATTRIBUTE, None)
    target.__dict__.pop(COUNTED_ATTRIBUTE, None)


def _take_counted(request: Any, name: str) -> tuple[float, int | None] | None:
    # Each taken once: a check beyond those counted ahead counts again, as it always did.
    counted = getattr(request, "_request", request).__dict__.get(COUNTED_ATTRIBUTE)
    if not counted or not counted.get(name):
        return None
    now, count, _key = counted[name].pop(0)
    return now, count


def _count(key: str, timeout: int, cache: "BaseCache | None" = None) -> int | None:
    """Add one to the counter at `key` and return it; None if the cache cannot count (fail open)."""
    if cache is None:
        cache = caches[THROTTLE_CACHE]
    try:
        return cache.incr(key)
    except ValueError:  # no counter yet in this window
        if cache.add(key, 1, timeout=timeout):
            return 1
        try:
            return cache.incr(key)  # another worker created it first
        except ValueError:
            return None


class _PerClientIP(ShopRateThrottle):
    """Counts anonymous callers by client IP (NUM_PROXIES decides whether X-Forwarded-For is trusted)."""

    def get_ident_key(self, request: "Request") -> str | None:
        if request.user and request.user.is_authenticated:
            return None
        return self.get_ident(request)


class _PerAccount(ShopRateThrottle):
    """Counts authenticated callers by account, whichever server or worker they reach."""

    def get_ident_key(self, request: "Request") -> str | None:
        if not (request.user and request.user.is_authenticated):
            return None
        return f"user-{request.user.pk}"


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

    def get_ident_key(self, request: "Request") -> str:
        return self.get_ident(request)


class RegisterThrottle(_PerClientIP):
    """Self-registration (anonymous POST /customers) per client IP."""

    scope = "register"


class _PublicLink(ShopRateThrottle):
    """The customer's links (an estimate to approve, a ticket to track): counted by client IP as anonymous callers,
    in the anonymous scopes' own counters, whoever calls (a link needs no token, and a token changes nothing)."""

    def get_ident_key(self, request: "Request") -> str | None:
        return self.get_ident(request)


class PublicLinkShortThrottle(_PublicLink):
    scope = "anon_short"


class PublicLinkLongThrottle(_PublicLink):
    scope = "anon_long"


PUBLIC_LINK_THROTTLES = (PublicLinkShortThrottle, PublicLinkLongThrottle)


def client_ip(request: "Request") -> str:
    """The client's IP as the throttles see it (NUM_PROXIES decides whether X-Forwarded-For is trusted)."""
    return BaseThrottle().get_ident(request)
