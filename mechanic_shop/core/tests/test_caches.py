"""The local-memory cache of a deployment without Redis: Django's, without the memcached key warnings."""

import warnings

import pytest
from django.core.cache import caches
from django.core.cache.backends.base import CacheKeyWarning
from django.core.cache.backends.locmem import LocMemCache

from mechanic_shop.core.caches import ShopLocMemCache
from mechanic_shop.core.generations import in_process_cache
from mechanic_shop.core.receivers import _close_is_idle

# A key memcached would refuse: Django's local-memory cache warns about it on every call.
MEMCACHED_WOULD_REFUSE = "a key with spaces " + "x" * 250


@pytest.fixture
def settings_without_redis(settings):
    settings.CACHES = {
        "default": {"BACKEND": "mechanic_shop.core.caches.ShopLocMemCache", "LOCATION": "test-caches"},
        "throttle": {"BACKEND": "mechanic_shop.core.caches.ShopLocMemCache", "LOCATION": "test-caches-throttle"},
    }
    return settings


def test_djangos_local_memory_cache_warns_on_every_call_and_ours_does_not():
    djangos, ours = LocMemCache("test-django", {}), ShopLocMemCache("test-ours", {})
    with pytest.warns(CacheKeyWarning):
        djangos.set(MEMCACHED_WOULD_REFUSE, 1)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        ours.set(MEMCACHED_WOULD_REFUSE, 1)
        assert ours.get(MEMCACHED_WOULD_REFUSE) == 1
        assert ours.incr(MEMCACHED_WOULD_REFUSE) == 2
        assert ours.get_many([MEMCACHED_WOULD_REFUSE, "missing"]) == {MEMCACHED_WOULD_REFUSE: 2}


def test_it_is_what_a_deployment_without_redis_gets_and_still_counts_as_per_process(settings_without_redis):
    assert in_process_cache()
    assert all(_close_is_idle(cache) for cache in settings_without_redis.CACHES.values())


def test_the_settings_name_it_when_there_is_no_redis(settings):
    if settings.CACHES["default"]["BACKEND"].startswith("django_redis"):
        pytest.skip("this run uses Redis")
    assert {type(caches[alias]) for alias in ("default", "throttle")} == {ShopLocMemCache}
