"""Customer rules that touch more than one row: its login account, its password, the list cache."""

import uuid

from django.contrib.auth import get_user_model
from django.core.cache import cache
from django.db import transaction

from customers.models import Customer
from mechanic_shop.authentication import revoke_refresh_tokens

LIST_GENERATION_KEY = "customers:list:generation"


def customer_list_cache_prefix() -> str:
    """The cache_page key prefix of the customer list; it changes whenever a customer changes."""
    generation = cache.get(LIST_GENERATION_KEY)
    if generation is None:
        cache.add(LIST_GENERATION_KEY, 1, timeout=None)
        generation = cache.get(LIST_GENERATION_KEY, 1)
    return f"customers-list-{generation}"


def customer_list_cache_invalidate() -> None:
    """Make the next customer list read fresh, on every worker that shares the cache. Throttle counts stay."""

    def bump():
        try:
            cache.incr(LIST_GENERATION_KEY)
        except ValueError:  # no generation yet: nothing cached under one either
            cache.add(LIST_GENERATION_KEY, 1, timeout=None)

    bump()
    # And again once the change is committed: a list read that ran between the write and the commit may have
    # cached what it saw before the change.
    transaction.on_commit(bump)


@transaction.atomic
def customer_set_password(*, customer: Customer, password: str) -> None:
    """Give `customer` a login with `password` (already validated), revoking the old login's refresh tokens."""
    user = customer.user
    if user is None:
        user = get_user_model()(username=f"customer-{uuid.uuid4().hex}", email=customer.email, is_staff=False)
        user.set_password(password)
        user.save()
        customer.user = user
        customer.save(update_fields=["user", "updated_at"])
        return
    user.set_password(password)
    user.save(update_fields=["password"])
    revoke_refresh_tokens(user)
