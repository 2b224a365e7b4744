"""Django's local-memory cache, the cache of a deployment without Redis (and of the tests), minus one check.

Before every get, set and increment, Django's cache backends call `validate_key`, which walks the key character by
character for what memcached would refuse (over 250 characters, control characters, spaces) and warns: a portability
hint for code that may one day move to memcached. Every key here is made by this project's code, and its shared
cache is Redis, never memcached. On a staff request with the local-memory cache that walk ran five to seven times
(the permission set and its generation, two rate-limit counters, a cached page): 4% of a cached customer list's CPU
instructions, 5% of a customer's detail (docs/decisions/0035-local-memory-cache-without-key-warnings.md).
"""

from django.core.cache.backends.locmem import LocMemCache


class ShopLocMemCache(LocMemCache):
    """LocMemCache without the memcached key warnings (the class name keeps its `LocMemCache` ending, by which
    core/generations.py recognizes a per-process cache)."""

    def validate_key(self, key: str) -> None:
        return None
