"""Every write to customers, their logins and passwords, and the list cache: the API, the admin and the management
commands all call these."""

import datetime
import functools
import re
import uuid
from contextlib import AbstractContextManager
from typing import TYPE_CHECKING, Any

from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import check_password, make_password
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from customers import vins
from customers.models import Customer, Vehicle
from customers.vins import decode_vin
from mechanic_shop.core.exceptions import Conflict
from mechanic_shop.core.generations import bump_generation
from mechanic_shop.core.integrity import check_unique, unique_violation_as
from mechanic_shop.core.validators import vin_validator

if TYPE_CHECKING:
    # The user model get_user_model() gives (AUTH_USER_MODEL is Django's own), as a name annotations can use.
    from django.contrib.auth.models import User as AuthUser

# The customer list's cached pages are fresh while this generation stands (every customer change bumps it).
LIST_GENERATION_KEY = "customers:list:generation"
User = get_user_model()


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
    # Stored lower-case, so the unique index answers.
    check_unique(Customer.objects.filter(email=email), instance=customer, errors=EMAIL_TAKEN)
    return email


def _email_race_as_taken() -> AbstractContextManager[None]:
    """A write in which another request's commit of the same email (after customer_check_email passed) answers as
    the check would."""
    return unique_violation_as({"email": EMAIL_TAKEN})


@transaction.atomic
def customer_create(
    *, name: str, email: str, phone_number: str, password: str | None = None, notify_by_email: bool = True
) -> Customer:
    """Add a customer; with a password it gets a login (the password is validated first)."""
    email = customer_check_email(email=email)
    if password is not None:
        customer_validate_password(password=password, name=name, email=email)
    with _email_race_as_taken():
        customer = Customer.objects.create(
            name=name, email=email, phone_number=phone_number, notify_by_email=notify_by_email
        )
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


# Vehicles ----------------------------------------------------------------------------------------------------------

VIN_TAKEN = {"vin": ["A vehicle with this VIN already exists."]}
WRONG_CHECK_DIGIT = (
    "This VIN's check digit (position 9) is wrong: a North American VIN (first character 1-5) must carry it."
)
# Letters, digits and '-' (after the spaces are taken out): what plates are made of in the shop's markets, and
# nothing that could break a search or a label.
LICENSE_PLATE_CHARACTERS = re.compile(r"^[A-Z0-9-]*$")
LICENSE_PLATE_MAX = 15


def vehicle_normalize_vin(vin: str) -> str:
    """The VIN as stored (trimmed, upper-case); ValidationError on `vin` when it is not of a VIN's form."""
    vin = vin.strip().upper()
    try:
        vin_validator(vin)
    except ValidationError as exc:
        raise ValidationError({"vin": list(exc.messages)}) from exc
    return vin


def vehicle_normalize_plate(plate: str) -> str:
    """The plate as stored (upper-case, no spaces); ValidationError on `license_plate` for a bad one."""
    plate = "".join(plate.split()).upper()
    if len(plate) > LICENSE_PLATE_MAX:
        raise ValidationError(
            {"license_plate": [f"A license plate has at most {LICENSE_PLATE_MAX} characters, spaces not counted."]}
        )
    if not LICENSE_PLATE_CHARACTERS.match(plate):
        raise ValidationError({"license_plate": ["A license plate has only letters, digits and '-'."]})
    return plate


def vehicle_check_year(year: int | None) -> None:
    """ValidationError on `year` unless it is empty or 1900 to next year."""
    last = datetime.date.today().year + 1
    if year is not None and not 1900 <= year <= last:
        raise ValidationError({"year": [f"Enter a year from 1900 to {last}."]})


def _decode_into(vehicle: Vehicle, *, strict: bool) -> None:
    """Set the VIN's decoded fields on `vehicle`; `strict` refuses a wrong North American check digit."""
    decoded = decode_vin(vehicle.vin)
    if strict and decoded.vin_check == vins.INVALID:
        raise ValidationError({"vin": [WRONG_CHECK_DIGIT]})
    vehicle.vin_check = decoded.vin_check
    vehicle.manufacturer = decoded.manufacturer
    vehicle.model_year = decoded.model_year


def _clean_vehicle_fields(changes: dict[str, Any]) -> None:
    """Normalize and check the owner-editable fields in `changes`, in place."""
    if "license_plate" in changes:
        changes["license_plate"] = vehicle_normalize_plate(changes["license_plate"] or "")
    if "year" in changes:
        vehicle_check_year(changes["year"])
    for field in ("make", "model"):
        if field in changes:
            changes[field] = (changes[field] or "").strip()
            if len(changes[field]) > 50:
                raise ValidationError({field: ["Enter at most 50 characters."]})


def _vin_race_as_taken() -> AbstractContextManager[None]:
    return unique_violation_as({"vin": VIN_TAKEN})


@transaction.atomic
def vehicle_create(*, vin: str, customer: Customer, **fields: Any) -> Vehicle:
    """Add a vehicle: the VIN normalized, refused with a wrong North American check digit, decoded offline."""
    vehicle = Vehicle(vin=vehicle_normalize_vin(vin), customer=customer)
    _clean_vehicle_fields(fields)
    for field, value in fields.items():
        setattr(vehicle, field, value)
    _decode_into(vehicle, strict=True)
    check_unique(Vehicle.objects.filter(vin=vehicle.vin), instance=None, errors=VIN_TAKEN)
    with _vin_race_as_taken():
        vehicle.save()
    return vehicle


@transaction.atomic
def vehicle_update(*, vehicle: Vehicle, **changes: Any) -> Vehicle:
    """Change a vehicle's fields. A changed `vin` is checked as on create, decoded again, and written to the
    vehicle's tickets' `vin` in this transaction (a ticket's `vin` is its vehicle's); a changed `customer` is how a
    car changes hands."""
    _clean_vehicle_fields(changes)
    fields = set(changes)
    if "vin" in changes:
        changes["vin"] = vehicle_normalize_vin(changes["vin"])
        if changes["vin"] == vehicle.vin:
            del changes["vin"]
            fields.discard("vin")
        else:
            check_unique(Vehicle.objects.filter(vin=changes["vin"]), instance=vehicle, errors=VIN_TAKEN)
    if "vin" in changes:
        # The VIN goes to every ticket of the car, so take their rows first, in id order, then the vehicle's: the
        # order the ticket services take them (a ticket, then its vehicle), so the two never wait on each other in
        # a circle. Under READ COMMITTED (the MySQL setting) this locks only the rows that exist; a ticket created
        # meanwhile waits for the vehicle's lock and is written below with the rest.
        list(vehicle.tickets.select_for_update().order_by("pk").values_list("pk", flat=True))
        list(Vehicle.objects.select_for_update().filter(pk=vehicle.pk).values_list("pk", flat=True))
    for field, value in changes.items():
        setattr(vehicle, field, value)
    if "vin" in changes:
        _decode_into(vehicle, strict=True)
        fields |= {"vin_check", "manufacturer", "model_year"}
    with _vin_race_as_taken():
        vehicle.save(update_fields=[*fields, "updated_at"])
    if "vin" in changes:
        # The reverse relation: customers never import tickets (the layers), yet tickets keep their vehicle's VIN.
        vehicle.tickets.update(vin=vehicle.vin)
    return vehicle


@transaction.atomic
def vehicle_delete(*, vehicle: Vehicle) -> None:
    """Delete a vehicle with no tickets; one with tickets → Conflict (the PROTECT foreign key backs this up)."""
    count = vehicle.tickets.count()
    if count:
        noun = "ticket" if count == 1 else "tickets"
        raise Conflict(f"Vehicle {vehicle.vin} has {count} service {noun}; it cannot be deleted.")
    vehicle.delete()


@transaction.atomic
def vehicle_for_ticket(*, vin: str, customer: Customer) -> Vehicle:
    """The vehicle with `vin`, or a new one owned by `customer`, for a ticket.

    Lenient, as tickets are: a North American VIN with a wrong check digit makes a vehicle with vin_check "invalid"
    for staff to correct, not an error. An existing vehicle is returned whoever owns it (a car that changed hands).
    ValidationError on `vin` only for a VIN not of a VIN's form. Two requests creating the same VIN at once get the
    same vehicle: the loser of the unique index reads the winner's row with a locking read, which sees the latest
    committed row on every database (a plain read would not under MySQL's REPEATABLE READ snapshot).
    """
    vin = vehicle_normalize_vin(vin)
    existing = Vehicle.objects.filter(vin=vin).first()
    if existing is not None:
        return existing
    vehicle = Vehicle(vin=vin, customer=customer)
    _decode_into(vehicle, strict=False)
    try:
        with transaction.atomic():  # a savepoint: the caller's transaction stays usable after a duplicate
            vehicle.save()
    except IntegrityError:
        winner = Vehicle.objects.select_for_update().filter(vin=vin).first()
        if winner is None:
            raise
        return winner
    return vehicle
