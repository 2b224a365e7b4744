"""Unique values: the services' check before a write (`check_unique`), and the unique-index violation of a request
that raced past it answered as the same validation error (`unique_violation_as`).

A service checks that an email is free, then inserts. Two requests racing past the check at once both find it
free, and the database's unique index refuses the second insert with an IntegrityError. That request made the same
mistake as one that came a moment later, so it gets the same answer: the 400 the check gives, not a 409 or a 500.
"""

from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Model, QuerySet


def check_unique(same: "QuerySet[Any]", *, instance: Model | None, errors: dict[str, list[str]]) -> None:
    """ValidationError(errors) if `same` (the rows holding the value) has a row other than `instance` (None, or not
    saved yet, when creating). The unique index behind the column answers the race past this check.

        check_unique(Customer.objects.filter(email=email), instance=customer, errors=EMAIL_TAKEN)
    """
    if instance is not None and instance.pk is not None:
        same = same.exclude(pk=instance.pk)
    if same.exists():
        raise ValidationError(errors)


@contextmanager
def unique_violation_as(errors_by_column: Mapping[str, dict[str, list[str]]]) -> Iterator[None]:
    """Run the block in a savepoint; if the database refuses it for a duplicate in one of the columns named, raise
    that column's errors as a ValidationError. Any other IntegrityError goes on as it was.

        with unique_violation_as({"email": {"email": ["A customer with this email already exists."]}}):
            Customer.objects.create(...)
    """
    try:
        with transaction.atomic():  # a savepoint, so the caller's transaction stays usable
            yield
    except IntegrityError as exc:
        # The violated index ends the message on every backend this project runs on: SQLite "UNIQUE constraint
        # failed: customers_customer.email", MySQL/MariaDB "Duplicate entry '...' for key 'email'" (or
        # 'customers_customer.email'). The offending value comes before it and cannot be mistaken for it.
        index = str(exc).rsplit(None, 1)[-1] if str(exc).strip() else ""
        for column, errors in errors_by_column.items():
            if column in index:
                raise ValidationError(errors) from exc
        raise
