"""Every write to mechanics: the API, the admin and the management commands all call these.

A mechanic logs in with a staff account (`user`), and one account belongs to at most one mechanic; emails are
unique whatever their case (stored lower-case).
"""

from contextlib import AbstractContextManager
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import transaction

from mechanic_shop.core.integrity import check_unique, unique_violation_as
from mechanics.models import Mechanic

if TYPE_CHECKING:
    # The user model get_user_model() gives (AUTH_USER_MODEL is Django's own), as a name annotations can use.
    from django.contrib.auth.models import User as AuthUser

User = get_user_model()
EMAIL_TAKEN = {"email": ["A mechanic with this email already exists."]}
LOGIN_TAKEN = {"user_id": ["This account is already linked to a mechanic."]}


def mechanic_check_login(*, user: "AuthUser | None", mechanic: Mechanic | None = None) -> None:
    """A mechanic's login must be a staff account that no other mechanic uses; ValidationError (on `user_id`)
    otherwise."""
    if user is None:
        return
    if not user.is_staff:
        raise ValidationError({"user_id": [f"No staff account has id {user.pk}."]})
    check_unique(Mechanic.objects.filter(user=user), instance=mechanic, errors=LOGIN_TAKEN)


def mechanic_check_email(*, email: str, mechanic: Mechanic | None = None) -> str:
    """The email as stored (trimmed, lower-case); ValidationError if another mechanic has it in any case."""
    email = email.strip().lower()
    # Stored lower-case, so the unique index answers.
    check_unique(Mechanic.objects.filter(email=email), instance=mechanic, errors=EMAIL_TAKEN)
    return email


def _races_as_taken() -> AbstractContextManager[None]:
    """A write in which another request's commit of the same email or login (after the checks passed) answers as
    the checks would."""
    return unique_violation_as({"user_id": LOGIN_TAKEN, "email": EMAIL_TAKEN})


@transaction.atomic
def mechanic_create(
    *,
    name: str,
    email: str,
    phone_number: str,
    salary: Decimal = Decimal("0.00"),
    is_active: bool = True,
    user: "AuthUser | None" = None,
) -> Mechanic:
    """Add a mechanic, optionally linked to the staff account it logs in with. Without a salary (set by someone who
    may not see salaries) it earns 0.00 until someone who may sets it."""
    email = mechanic_check_email(email=email)
    mechanic_check_login(user=user)
    with _races_as_taken():
        return Mechanic.objects.create(
            name=name, email=email, phone_number=phone_number, salary=salary, is_active=is_active, user=user
        )


@transaction.atomic
def mechanic_update(*, mechanic: Mechanic, **changes: Any) -> Mechanic:
    """Change a mechanic's fields; only the fields given are written."""
    if "email" in changes:
        changes["email"] = mechanic_check_email(email=changes["email"], mechanic=mechanic)
    if "user" in changes:
        mechanic_check_login(user=changes["user"], mechanic=mechanic)
    for field, value in changes.items():
        setattr(mechanic, field, value)
    with _races_as_taken():
        mechanic.save(update_fields=[*changes, "updated_at"])
    return mechanic


@transaction.atomic
def mechanic_delete(*, mechanic: Mechanic) -> None:
    """Delete a mechanic who never worked a ticket (one who did is history: ProtectedError, answered 409)."""
    mechanic.delete()
