"""Customer rules that touch more than one row: its login account, its password, the list cache."""

import uuid

from django.contrib.auth import get_user_model
from django.db import transaction

from customers.models import Customer
from mechanic_shop.core.generations import bump_generation, current_generation

LIST_GENERATION_KEY = "customers:list:generation"


def customer_list_cache_prefix() -> str:
    """The cache_page key prefix of the customer list; it changes whenever a customer changes."""
    return f"customers-list-{current_generation(LIST_GENERATION_KEY)}"


def customer_list_cache_invalidate() -> None:
    """Make the next customer list read fresh, on every worker that shares the cache. Throttle counts stay."""
    bump_generation(LIST_GENERATION_KEY)


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
    user.save(update_fields=["password"])  # revokes the old login's refresh tokens (mechanic_shop/accounts/signals.py)
