"""Answers the shared cache gave ahead of time, for the request being served.

With Redis, each cache read is a network round trip, and a request read the same few keys one by one: its
permission set and the permission generation, a list's generation. `mechanic_shop/api/prefetch.py` reads them
all (and counts the rate limits) in one trip (a Lua script) right after authentication and keeps the answers on the
request; the readers (core/generations.py, and through it accounts/backends.py) ask `answer()` first and go to the
cache only for a key that was not read ahead. Nothing is kept beyond the request, so a revoked permission or a
list write still acts at the next request: every request reads the generations again, only in one trip.
(docs/decisions/0028-one-trip-to-redis-per-request.md)

This module holds only the answers and the keys each layer asks to have read; it imports no layer above the core.
"""

from collections.abc import Callable, Iterable
from typing import Any

from mechanic_shop.core.actors import current_request

# What answer() gives for a key that was not read ahead (then read the cache as usual).
MISSING: Any = object()
# What answer() gives for a key the trip failed to read (Redis down): the reader fails open without another try.
UNREACHABLE: Any = object()

ANSWERS_ATTRIBUTE = "_shop_cache_answers"

# Keys to read ahead for an authenticated, active user (accounts/backends.py adds the permission keys); each
# function takes the user and gives cache keys of the "default" cache.
USER_KEYS: list[Callable[[Any], Iterable[str]]] = []


def keep(request: Any, answers: dict[str, Any]) -> None:
    """Keep `answers` (cache key → value, None if absent, or UNREACHABLE) on the Django request."""
    request.__dict__[ANSWERS_ATTRIBUTE] = answers


def answer(key: str) -> Any:
    """What the trip read at `key` for the request being served (None: absent), or MISSING."""
    request = current_request.get()
    if request is None:
        return MISSING
    answers = request.__dict__.get(ANSWERS_ATTRIBUTE)
    if answers is None:
        return MISSING
    return answers.get(key, MISSING)


def forget(key: str) -> None:
    """The value at `key` changed during this request (a bump): later reads go to the cache."""
    request = current_request.get()
    if request is not None:
        answers = request.__dict__.get(ANSWERS_ATTRIBUTE)
        if answers is not None:
            answers.pop(key, None)
