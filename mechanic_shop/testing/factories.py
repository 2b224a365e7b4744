"""Rows for tests to work on: staff users, customers, vehicles, mechanics and tickets.

Each `make_*` fixture is a function: call it as often as a test needs, and pass any field to override a default.
Defaults are valid and unique (names, emails, usernames), so a test only says what it cares about.
"""

import io
import itertools
from datetime import date
from decimal import Decimal

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group, Permission
from django.core.management import call_command
from model_bakery import baker

from customers.models import Vehicle
from customers.services import customer_set_password
from customers.vins import check_digit, decode_vin
from inventory.models import Part
from mechanics.models import Mechanic
from tickets.models import ServiceTicket
from tickets.services import ticket_add_part, ticket_create, ticket_set_status

CUSTOMER_PASSWORD = "Tr1cky-Gearbox-42"
VIN = "1HGCM82633A004352"
_serial = itertools.count(1)

# The status changes that bring a new (open) ticket to each status.
_STATUS_PATH = {
    ServiceTicket.Status.OPEN: [],
    ServiceTicket.Status.IN_PROGRESS: [ServiceTicket.Status.IN_PROGRESS],
    ServiceTicket.Status.COMPLETED: [ServiceTicket.Status.IN_PROGRESS, ServiceTicket.Status.COMPLETED],
    ServiceTicket.Status.CANCELLED: [ServiceTicket.Status.CANCELLED],
}


@pytest.fixture
def make_staff(db):
    """A staff user holding the given permissions, e.g. make_staff("customers.view_customer")."""

    def make(*perms: str, username: str | None = None, **fields):
        fields = {"is_staff": True, "is_active": True, **fields}
        user = baker.make(get_user_model(), username=username or f"staff{next(_serial)}", **fields)
        for perm in perms:
            app_label, codename = perm.split(".")
            user.user_permissions.add(Permission.objects.get(content_type__app_label=app_label, codename=codename))
        return user

    return make


@pytest.fixture
def make_customer(db):
    """A customer; with_login=True gives it a login with CUSTOMER_PASSWORD."""

    def make(with_login: bool = True, **fields):
        fields.setdefault("email", f"customer{next(_serial)}@example.com")
        fields.setdefault("phone_number", "555-0100")
        fields.setdefault("name", "Dana Driver")
        customer = baker.make("customers.Customer", **fields)
        if with_login:
            customer_set_password(customer=customer, password=CUSTOMER_PASSWORD)
        return customer

    return make


@pytest.fixture
def customer(make_customer):
    return make_customer()


@pytest.fixture
def other_customer(make_customer):
    return make_customer(name="Olive Other")


def valid_vin(serial: int | None = None) -> str:
    """A North American VIN with a correct check digit, unique per call (or per `serial`)."""
    serial = next(_serial) if serial is None else serial
    vin = f"1HGCM8263A{serial % 10**7:07d}"
    return vin[:8] + check_digit(vin) + vin[9:]


@pytest.fixture
def make_vehicle(make_customer):
    """A vehicle with a unique, valid VIN, decoded as the vehicle services decode it:
    make_vehicle(customer, vin=..., make="Honda"). `customer` defaults to a new customer without a login."""

    def make(customer=None, *, vin: str | None = None, **fields) -> Vehicle:
        vin = (vin or valid_vin()).upper()
        decoded = decode_vin(vin)
        fields = {
            "vin_check": decoded.vin_check,
            "manufacturer": decoded.manufacturer,
            "model_year": decoded.model_year,
            **fields,
        }
        return Vehicle.objects.create(
            customer=customer if customer is not None else make_customer(with_login=False), vin=vin, **fields
        )

    return make


@pytest.fixture
def make_mechanic(db):
    """An active mechanic with a salary of 1.00 and a unique name and email: make_mechanic(name="Mo", user=staff)."""

    def make(**fields) -> Mechanic:
        n = next(_serial)
        fields = {
            "name": f"Mechanic {n}",
            "email": f"mechanic{n}@example.com",
            "is_active": True,
            "salary": Decimal("1.00"),
            **fields,
        }
        return baker.make(Mechanic, **fields)

    return make


@pytest.fixture
def make_ticket(make_customer):
    """An open ticket made by `tickets.services.ticket_create`, as the API and the admin make them.

        make_ticket(customer, mechanics=[mo], parts=[(pads, 2), bolt], status="completed")

    `customer` defaults to a new customer without a login. `mechanics` are assigned on creation; `parts` (a Part,
    or a (Part, quantity) pair) are then added through `ticket_add_part`, taking stock; last the ticket moves along
    the lifecycle to `status` (open → in_progress → completed, or → cancelled, which returns the parts). Every ticket
    has a vehicle: `vehicle=`, else the one with `vin` (default VIN), created for the customer by the ticket services
    when there is none. `service_date` and `description` have valid defaults; `labor_cost`, `pickup_date`,
    `mileage_in` and `mileage_out` go to ticket_create.
    """

    def make(
        customer=None,
        *,
        mechanics=(),
        parts=(),
        status: str = ServiceTicket.Status.OPEN,
        vin: str | None = None,
        service_date: date | str = date(2026, 1, 1),
        description: str = "Brakes",
        **fields,
    ) -> ServiceTicket:
        if vin is None and fields.get("vehicle") is None:
            vin = VIN
        ticket = ticket_create(
            customer=customer if customer is not None else make_customer(with_login=False),
            vin=vin,
            service_date=service_date,
            description=description,
            mechanic_ids=[mechanic.pk for mechanic in mechanics],
            **fields,
        )
        for line in parts:
            part, quantity = line if isinstance(line, tuple) else (line, 1)
            assert isinstance(part, Part), part
            ticket_add_part(ticket=ticket, part=part, quantity=quantity)
        for step in _STATUS_PATH[status]:
            ticket_set_status(ticket=ticket, status=step)
        return ticket

    return make


@pytest.fixture
def make_role_user(make_staff):
    """A staff user in one of the `setup_roles` groups: make_role_user("Front desk")."""

    def make(role: str, **fields):
        if not Group.objects.filter(name=role).exists():
            call_command("setup_roles", stdout=io.StringIO())
        user = make_staff(**fields)
        user.groups.add(Group.objects.get(name=role))
        return user

    return make
