"""Every write to customers, their logins and passwords, and the list cache: the API, the admin and the management
commands all call these."""

import functools
import uuid
from contextlib import AbstractContextManager
from typing import TYPE_CHECKING, Any

from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import check_password, make_password
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import transaction

from customers.models import Customer
from mechanic_shop.core.generations import bump_generation, current_generation
from mechanic_shop.core.integrity import unique_violation_as

if TYPE_CHECKING:
    # The user model get_user_model() gives (AUTH_USER_MODEL is Django's own), as a name annotations can use.
    from django.contrib.auth.models import User as AuthUser

LIST_GENERATION_KEY = "customers:list:generation"
User = get_user_model()


def customer_list_cache_prefix() -> str:
    """The cache_page key prefix of the customer list; it changes whenever a customer changes."""
    return f"customers-list-{current_generation(LIST_GENERATION_KEY)}"


def customer_list_cache_invalidate() -> None:
    """Make the next customer list read fresh, on every worker that shares the cache. Throttle counts stay."""
    bump_generation(LIST_GENERATION_KEY)


def customer_validate_password(*, password: str, name: str, email: str) -> None:
    """Django's password validators, the similarity check included (to the customer's name and email);
    ValidationError on `password` naming every problem."""
    probe = User(username=email, email=email, first_name=name)
    try:
        validate_password(password, user=probe)
    except ValidationError as exc:
        raise ValidationError({"password": list(exc.messages)}) from exc


EMAIL_TAKEN = {"email": ["A customer with this email already exists."]}


def customer_check_email(*, email: str, customer: Customer | None = None) -> str:
    """The email as stored (trimmed, lower-case); ValidationError if another customer has it in any case."""
    email = email.strip().lower()
    others = Customer.objects.filter(email=email)  # stored lower-case, so the unique index answers
    if customer is not None and customer.pk is not None:
        others = others.exclude(pk=customer.pk)
    if others.exists():
        raise ValidationError(EMAIL_TAKEN)
    return email


def _email_race_as_taken() -> AbstractContextManager[None]:
    """A write in which another request's commit of the same email (after customer_check_email passed) answers as
    the check would."""
    return unique_violation_as({"email": EMAIL_TAKEN})


@transaction.atomic
def customer_create(*, name: str, email: str, phone_number: str, password: str | None = None) -> Customer:
    """Add a customer; with a password it gets a login (the password is validated first)."""
    email = customer_check_email(email=email)
    if password is not None:
        customer_validate_password(password=password, name=name, email=email)
    with _email_race_as_taken():
        customer = Customer.objects.create(name=name, email=email, phone_number=phone_number)
    if password is not None:
        customer_set_password(customer=customer, password=password)
    return customer


@transaction.atomic
def customer_update(
    *,
    customer: Customer,
    password: str | None = None,
    current_password: str | None = None,
    confirm_current_password: bool = False,
    **changes: Any,
) -> Customer:
    """Change a customer's fields and, with `password`, its password (validated against the new name and email).

    `confirm_current_password` is for a customer changing its own login: a new password, or an email that differs
    from the stored one (it is the login's name), needs `current_password`, and it must be right.
    """
    new_email = False
    if "email" in changes:
        changes["email"] = customer_check_email(email=changes["email"], customer=customer)
        new_email = changes["email"] != customer.email
    for field, value in changes.items():
        setattr(customer, field, value)
    if password is not None:
        customer_validate_password(password=password, name=customer.name, email=customer.email)
    if confirm_current_password and (password is not None or new_email):
        _check_current_password(customer, current_password)
    # Only the fields given: a full save would write back a login (`user`) set meanwhile by another request.
    with _email_race_as_taken():
        customer.save(update_fields=[*changes, "updated_at"])
    if password is not None:
        customer_set_password(customer=customer, password=password)
    return customer


def _check_current_password(customer: Customer, current: str | None) -> None:
    if not current:
        raise ValidationError({"current_password": ["Send your current password to change it."]})
    if customer.user is None or not customer.user.check_password(current):
        raise ValidationError({"current_password": ["The current password is not correct."]})


@transaction.atomic
def customer_delete(*, customer: Customer) -> None:
    """Delete a customer with no tickets (ProtectedError otherwise, answered 409); its login goes with it
    (customers/signals.py)."""
    customer.delete()


@transaction.atomic
def customer_set_password(*, customer: Customer, password: str) -> None:
    """Give `customer` a login with `password` (already validated), revoking the old login's refresh tokens."""
    user = customer.user
    if user is None:
        user = User(username=f"customer-{uuid.uuid4().hex}", email=customer.email, is_staff=False)
        user.set_password(password)
        user.save()
        customer.user = user
        customer.save(update_fields=["user", "updated_at"])
        return
    user.set_password(password)
    user.save(update_fields=["password"])  # revokes the old login's refresh tokens (mechanic_shop/accounts/signals.py)


@functools.cache
def _dummy_hash() -> str:
    return make_password("not-a-real-password")


def customer_authenticate(*, email: str, password: str) -> "AuthUser | None":
    """The active login of the customer with `email` (any case) if `password` is right, else None.

    A wrong email costs as much time as a wrong password: a password is checked against a dummy hash when no
    customer matches, so the answer's timing does not tell which emails are customers.
    """
    customer = Customer.objects.select_related("user").filter(email=email.strip().lower()).first()
    user = customer.user if customer is not None else None
    if user is None:
        check_password(password, _dummy_hash())
        return None
    if not (user.check_password(password) and user.is_active):
        return None
    return user
