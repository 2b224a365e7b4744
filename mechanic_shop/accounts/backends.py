"""Django's ModelBackend, with each user's permission set kept in the shared cache.

Every staff request checks model permissions; ModelBackend answers that with two SQL queries per request (the
user's own permissions and its groups'; docs/decisions/0003-cached-permission-sets.md). The set is cached per user
under a generation number that any change to users' groups or permissions, groups' permissions, or the
permission and group tables bumps (signals below), so a revoked permission applies at the next request on
every worker. `is_active` and `is_superuser` are still read from the user row loaded on every request. Each process
also keeps the set it last used per user, with the entry's generation and expiry, so an unchanged generation skips
the cache read (docs/decisions/0036-a-cached-page-answered-before-drf.md).
"""

import time
from typing import TYPE_CHECKING, Any

from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend
from django.contrib.auth.models import Group, Permission
from django.core.cache import cache
from django.db.models.signals import m2m_changed, post_delete, post_save
from django.dispatch import receiver

from mechanic_shop.core import prefetch
from mechanic_shop.core.generations import bump_generation, current_generation, generation_and_cached

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser
    from django.contrib.auth.models import User as AuthUser
    from django.db.models import Model

GENERATION_KEY = "auth:perms:generation"
# Bounds how long a revoked permission could survive if a bump were ever lost (a Redis blip).
TIMEOUT = 60


def permission_set_key(user_pk: Any) -> str:
    return f"auth:perms:{user_pk}"


def _keys_to_read_ahead(user: "AuthUser") -> tuple[str, str]:
    # With Redis, both are read in the request's one trip after authentication (core/prefetch.py).
    return GENERATION_KEY, permission_set_key(user.pk)


prefetch.USER_KEYS.append(_keys_to_read_ahead)


def permissions_changed(**kwargs: Any) -> None:
    """Forget every cached permission set, now and again when the transaction commits."""
    bump_generation(GENERATION_KEY)


# The sets this process used lately, by user id: (generation, the set, until when it may be used), so a request whose
# generation has not moved skips the cache read and the unpickling (a quarter of a permission check, measured). The
# generation is still read on every request, and an entry lives no longer than the shared one: the same promises.
_RECENT: dict[Any, tuple[int, frozenset[str], float]] = {}
RECENT_MAX = 1024


def forget_recent_permission_sets() -> None:
    """Drop this process's copies (tests: a rolled-back test's user ids come back with other permissions)."""
    _RECENT.clear()


class CachedPermissionsBackend(ModelBackend):
    def get_all_permissions(self, user_obj: "AuthUser | AnonymousUser", obj: "Model | None" = None) -> set[str]:
        if not user_obj.is_active or user_obj.is_anonymous or obj is not None:
            return set()
        if not hasattr(user_obj, "_perm_cache"):
            # ModelBackend's own cache attribute on the user, which the stubs do not declare.
            user_obj._perm_cache = set(self._permissions(user_obj.pk, user_obj))  # type: ignore[attr-defined]
        return user_obj._perm_cache  # type: ignore[attr-defined, no-any-return]

    def _permissions(self, pk: Any, user_obj: "AuthUser | AnonymousUser") -> frozenset[str]:
        recent = _RECENT.get(pk)
        if recent is not None and recent[0] == current_generation(GENERATION_KEY) and time.time() < recent[2]:
            return recent[1]
        # The entry remembers the generation it was computed under (one from an older generation is recomputed) and
        # when it expires, which the copy kept in this process keeps too.
        key = permission_set_key(pk)
        generation, entry = generation_and_cached(GENERATION_KEY, key)
        if entry is not None and entry[0] == generation and len(entry) == 3:
            perms, expires = frozenset(entry[1]), entry[2]
        else:
            perms, expires = frozenset(super().get_all_permissions(user_obj)), time.time() + TIMEOUT
            cache.set(key, (generation, set(perms), expires), timeout=TIMEOUT)
        if len(_RECENT) >= RECENT_MAX:
            _RECENT.clear()
        _RECENT[pk] = (generation, perms, expires)
        return perms


User = get_user_model()
for relation in (User.groups.through, User.user_permissions.through, Group.permissions.through):
    m2m_changed.connect(permissions_changed, sender=relation, dispatch_uid=f"perms-changed-{relation.__name__}")


@receiver(post_save, sender=Group, dispatch_uid="perms-changed-group-save")
@receiver(post_delete, sender=Group, dispatch_uid="perms-changed-group-delete")
@receiver(post_save, sender=Permission, dispatch_uid="perms-changed-permission-save")
@receiver(post_delete, sender=Permission, dispatch_uid="perms-changed-permission-delete")
def _permission_tables_changed(sender: "type[Model]", **kwargs: Any) -> None:
    permissions_changed()
