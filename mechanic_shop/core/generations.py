"""Generation numbers: the one way this project makes cached data never stale.

Cached things are stored under a key that includes a generation number; a change bumps the number, so every
process that reads the number moves to new keys at its next read, while other keys (throttle counters) stay.
A change bumps twice: at once, and again when its transaction commits — a read that ran between the two may
have cached what it saw before the commit, and the second bump retires that too.

The interface is four functions: `current_generation`, `bump_generation`, `generation_and_cached` (a generation
and one cached value in a single round trip) and `cached_count`. Where the numbers live is decided here, and
nowhere else (docs/decisions/0004-cache-generations.md):

- with a shared cache (Redis) they live in it, shared by every worker and server;
- with Django's local-memory cache each process has its own cache, but a change made in one process (a
  management command, the shell, another gunicorn worker) must still retire what every other process on the
  machine cached: there the numbers live in small files, one per number and database, whose size is the
  generation — a bump appends one byte (atomic with O_APPEND), a read is one stat().
"""

import hashlib
import os
import tempfile
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.core.cache import cache
from django.db import DEFAULT_DB_ALIAS, connection, connections, transaction

from mechanic_shop.core import prefetch

if TYPE_CHECKING:
    from django.db.models import QuerySet


def in_process_cache() -> bool:
    """Whether the default cache lives in each process's memory (not shared between processes)."""
    return str(settings.CACHES["default"]["BACKEND"]).endswith("LocMemCache")


class _SharedCacheStore:
    """Generations as integers in the shared cache. If the cache is down, a constant: whatever is keyed on it then
    misses anyway. A number read ahead for the request (core/prefetch.py) is used without another trip."""

    def current(self, key: str) -> int:
        generation = prefetch.answer(key)
        if generation is prefetch.UNREACHABLE:
            return 0
        if generation is prefetch.MISSING:
            generation = cache.get(key)
        if generation is None:
            # A new (or evicted) generation starts from the clock, never from a number an older entry may carry.
            cache.add(key, time.time_ns() // 1000, timeout=None)
            generation = cache.get(key, 0)
        return int(generation)

    def bump(self, key: str) -> None:
        try:
            cache.incr(key)
        except ValueError:  # no generation yet: nothing was cached under one either
            cache.add(key, time.time_ns() // 1000, timeout=None)

    def current_and_cached(self, generation_key: str, key: str) -> tuple[int, Any]:
        cached = prefetch.answer(key)
        if cached is not prefetch.MISSING and prefetch.answer(generation_key) is not prefetch.MISSING:
            return self.current(generation_key), (None if cached is prefetch.UNREACHABLE else cached)
        found = cache.get_many([generation_key, key])
        generation = found.get(generation_key)
        return (self.current(generation_key) if generation is None else generation), found.get(key)


class _FileStore:
    """Generations as the sizes of files shared by every process on the machine, for this database."""

    directories: dict[str, Path] = {}
    _files: dict[tuple[Any, ...], str] = {}

    def _file(self, key: str) -> str:
        # The default database's settings (the dict its connection holds), without asking for the connection itself:
        # `connection` is looked up in a context-local store on every use, twice a request here (decision 0036).
        db = connections.settings[DEFAULT_DB_ALIAS]
        identity = (db["ENGINE"], db.get("HOST"), db.get("PORT"), db["NAME"], key)
        path = self._files.get(identity)
        if path is None:
            database = "|".join(str(part) for part in identity[:4])
            directory = self.directories.get(database)
            if directory is None:
                digest = hashlib.sha256(database.encode()).hexdigest()[:16]
                directory = Path(tempfile.gettempdir()) / f"mechanic-shop-generations-{os.getuid()}" / digest
                directory.mkdir(mode=0o700, parents=True, exist_ok=True)
                self.directories[database] = directory
            path = self._files[identity] = str(directory / key.replace(":", "_"))
        return path

    def current(self, key: str) -> int:
        try:
            return os.stat(self._file(key)).st_size
        except FileNotFoundError:
            return 0

    def bump(self, key: str) -> None:
        descriptor = os.open(self._file(key), os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
        try:
            os.write(descriptor, b".")
        finally:
            os.close(descriptor)

    def current_and_cached(self, generation_key: str, key: str) -> tuple[int, Any]:
        return self.current(generation_key), cache.get(key)


_SHARED_CACHE_STORE = _SharedCacheStore()
FILE_STORE = _FileStore()


def _store() -> _SharedCacheStore | _FileStore:
    return FILE_STORE if in_process_cache() else _SHARED_CACHE_STORE


def current_generation(key: str) -> int:
    """The generation at `key`."""
    return _store().current(key)


def generation_and_cached(generation_key: str, key: str) -> tuple[int, Any]:
    """The generation at `generation_key` and the cached value at `key` (None if missing), in one round trip where
    the store allows it."""
    return _store().current_and_cached(generation_key, key)


def bump_generation(key: str) -> None:
    """Retire everything cached under the current generation at `key`, now and again on commit."""
    store = _store()
    prefetch.forget(key)
    store.bump(key)
    transaction.on_commit(lambda: store.bump(key))


def in_own_transaction() -> bool:
    """Whether the code runs inside a transaction of its own (an atomic block other than the one a test case wraps
    every test in). What is read there may include writes that roll back, and a rollback bumps no generation: so such
    reads neither come from the cache nor go into it."""
    return any(not getattr(block, "_from_testcase", False) for block in connection.atomic_blocks)


# Bounds how long a count could stay wrong if a bump were ever lost (a Redis blip): a minute, for one COUNT(*).
COUNT_TIMEOUT = 60


def count_generation_key(name: str) -> str:
    return f"count:{name}:generation"


def cached_count(name: str, queryset: "QuerySet[Any]") -> int:
    """`queryset.count()`, kept in the cache until bump_generation(count_generation_key(name)).

    For a total that only changes on a few known writes (every ticket: create and delete), where COUNT(*) itself
    is the cost (docs/decisions/0007-cached-ticket-count.md). Counted afresh inside a transaction of our own, as the
    efficiency leaderboard is read (`in_own_transaction`): what it sees may roll back.
    """
    if in_own_transaction():
        return queryset.count()
    key = f"count:{name}:{current_generation(count_generation_key(name))}"
    count: int | None = cache.get(key)
    if count is None:
        count = queryset.count()
        cache.set(key, count, timeout=COUNT_TIMEOUT)
    return count
