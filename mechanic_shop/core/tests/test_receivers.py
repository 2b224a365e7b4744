"""Django's reset_queries and close_caches are disconnected only where they would do nothing."""

import weakref

import pytest
from django.apps import apps
from django.core.cache import close_caches
from django.core.signals import request_finished, request_started
from django.db import reset_queries

from mechanic_shop.core.receivers import drop_idle_receivers

LOCMEM = {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}
REDIS = {"BACKEND": "django_redis.cache.RedisCache", "LOCATION": "redis://127.0.0.1:1/0"}


def connected(signal, receiver):
    """Whether `receiver` is among the signal's receivers (kept as weak references by default)."""
    return any(
        (ref() if isinstance(ref, weakref.ReferenceType) else ref) is receiver for _, ref, *_ in signal.receivers
    )


@pytest.fixture
def fresh_receivers():
    """Both connected, as Django connects them, and left as the startup left them."""
    was = connected(request_started, reset_queries), connected(request_finished, close_caches)
    request_started.connect(reset_queries)
    request_finished.connect(close_caches)
    yield
    for signal, receiver, keep in ((request_started, reset_queries, was[0]), (request_finished, close_caches, was[1])):
        if not keep:
            signal.disconnect(receiver)


@pytest.mark.usefixtures("fresh_receivers")
def test_startup_leaves_them_out_with_the_suite_s_settings():
    # DEBUG off, local-memory caches. (Not the state the suite runs in: CaptureQueriesContext connects reset_queries
    # again whenever it ends.)
    apps.get_app_config("mechanic_shop").ready()
    assert not connected(request_started, reset_queries)
    assert not connected(request_finished, close_caches)


@pytest.mark.usefixtures("fresh_receivers")
def test_without_debug_and_with_idle_caches_both_go(settings):
    settings.DEBUG = False
    settings.CACHES = {"default": LOCMEM, "throttle": REDIS}
    drop_idle_receivers()
    assert not connected(request_started, reset_queries)
    assert not connected(request_finished, close_caches)


@pytest.mark.usefixtures("fresh_receivers")
def test_under_debug_the_query_log_is_still_reset(settings):
    settings.DEBUG = True
    settings.CACHES = {"default": LOCMEM}
    drop_idle_receivers()
    assert connected(request_started, reset_queries)
    assert not connected(request_finished, close_caches)


@pytest.mark.usefixtures("fresh_receivers")
@pytest.mark.parametrize(
    "cache",
    [
        {**REDIS, "OPTIONS": {"CLOSE_CONNECTION": True}},
        {"BACKEND": "django.core.cache.backends.memcached.PyMemcacheCache", "LOCATION": "127.0.0.1:11211"},
    ],
)
def test_a_cache_whose_close_does_something_keeps_close_caches(settings, cache):
    settings.DEBUG = False
    settings.CACHES = {"default": LOCMEM, "other": cache}
    drop_idle_receivers()
    assert connected(request_finished, close_caches)


@pytest.mark.usefixtures("fresh_receivers")
def test_django_redis_s_global_setting_counts_too(settings):
    settings.DEBUG = False
    settings.CACHES = {"default": REDIS}
    settings.DJANGO_REDIS_CLOSE_CONNECTION = True
    drop_idle_receivers()
    assert connected(request_finished, close_caches)
