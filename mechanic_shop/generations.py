"""Generation numbers in the shared cache: the one way this project makes cached data never stale.

Cached things are stored under a key that includes a generation number; a change bumps the number, so every
worker sharing the cache (Redis) moves to new keys at its next read, while other keys (throttle counters) stay.
A change bumps twice: at once, and again when its transaction commits — a read that ran between the two may
have cached what it saw before the commit, and the second bump retires that too.
"""

from django.core.cache import cache
from django.db import transaction


def current_generation(key: str) -> int:
    """The generation at `key`, starting it at 1. If the cache is down, 1: whatever is keyed on it then misses."""
    generation = cache.get(key)
    if generation is None:
        cache.add(key, 1, timeout=None)
        generation = cache.get(key, 1)
    return generation


def bump_generation(key: str) -> None:
    """Retire everything cached under the current generation at `key`, now and again on commit."""

    def bump():
        try:
            cache.incr(key)
        except ValueError:  # no generation yet: nothing was cached under one either
            cache.add(key, 1, timeout=None)

    bump()
    transaction.on_commit(bump)


COUNT_TIMEOUT = 24 * 3600


def count_generation_key(name: str) -> str:
    return f"count:{name}:generation"


def cached_count(name: str, queryset) -> int:
    """`queryset.count()`, kept in the cache until bump_generation(count_generation_key(name)).

    For a total that only changes on a few known writes (every ticket: create and delete), where COUNT(*) itself
    is the cost — it scans an index of every row, 7 ms for 100,000 tickets on MariaDB.
    """
    key = f"count:{name}:{current_generation(count_generation_key(name))}"
    count = cache.get(key)
    if count is None:
        count = queryset.count()
        cache.set(key, count, timeout=COUNT_TIMEOUT)
    return count
