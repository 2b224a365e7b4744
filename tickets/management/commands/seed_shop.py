"""Demo data for the whole shop, in bulk: customers, mechanics, parts, and tickets in every status.

Fast enough for benchmarks (100,000 tickets on SQLite in seconds): rows are built in Python with explicit ids
and written with bulk_create in batches, inside one transaction. Signals do not fire on bulk_create, so the
customer-list cache and the cached ticket total are invalidated by hand, and the mechanics' completed-ticket
counts are computed here.
"""

import random
import time
from collections import Counter
from datetime import datetime, timedelta
from datetime import time as dtime
from decimal import Decimal

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction
from django.utils import timezone

from customers.models import Customer
from customers.services import customer_list_cache_invalidate, customer_set_password
from inventory.models import Part
from mechanic_shop.core.generations import bump_generation
from mechanics.models import Mechanic
from tickets.models import ServiceTicket, TicketMechanic, TicketPart
from tickets.services import ALL_TICKETS_COUNT_KEY

DEMO_PASSWORD = "demo-mechanic-shop"
DEMO_STAFF_USERNAME = "demo"
DEMO_CUSTOMER_EMAIL = "demo.customer@example.com"
BATCH = 5000

FIRST = "Ada Ben Cleo Dev Eli Fay Gus Hana Ivo Jun Kai Lea Milo Nia Omar Pia Quin Rosa Sam Tess Uma Vic Wes Yara Zed"
LAST = "Alvarez Brooks Chen Dubois Evans Fischer Garcia Haddad Ito Jensen Kowalski Lopez Moreau Novak Okafor Patel"
SERVICES = [
    "Oil and filter change",
    "Front brake pads and rotors",
    "Rear brake pads",
    "Timing belt replacement",
    "Battery test and replacement",
    "Four-wheel alignment",
    "Coolant flush",
    "Check engine light diagnosis",
    "Spark plugs and ignition coils",
    "Air conditioning recharge",
    "Transmission fluid service",
    "Suspension noise over bumps",
    "Tire rotation and balance",
    "Pre-purchase inspection",
    "Exhaust leak repair",
]
PARTS = [
    ("Oil filter", "8.99"),
    ("Air filter", "14.50"),
    ("Cabin air filter", "18.75"),
    ("Brake pad set", "54.00"),
    ("Brake rotor", "72.40"),
    ("Spark plug", "9.25"),
    ("Ignition coil", "48.90"),
    ("Timing belt kit", "189.00"),
    ("Serpentine belt", "32.10"),
    ("Wiper blade", "12.99"),
    ("Battery 12V", "139.00"),
    ("Coolant 1 gal", "21.49"),
    ("Synthetic oil 5qt", "34.99"),
    ("Headlight bulb", "16.00"),
    ("Shock absorber", "88.60"),
    ("Tie rod end", "41.30"),
    ("Wheel bearing", "67.80"),
    ("O2 sensor", "59.95"),
    ("Thermostat", "26.40"),
    ("Water pump", "119.00"),
]
VIN_CHARS = "ABCDEFGHJKLMNPRSTUVWXYZ0123456789"
STATUSES = (
    [ServiceTicket.Status.COMPLETED] * 50
    + [ServiceTicket.Status.IN_PROGRESS] * 15
    + [ServiceTicket.Status.OPEN] * 25
    + [ServiceTicket.Status.CANCELLED] * 10
)


class Command(BaseCommand):
    help = (
        "Fill an empty database with demo data (customers, mechanics, parts, tickets). --flush replaces the data "
        "but keeps the accounts that exist, so the demo logins' tokens keep working."
    )

    def add_arguments(self, parser):
        sizes = (
            ("--customers", 50, "customers to make"),
            ("--mechanics", 8, "mechanics to make (about one in ten inactive)"),
            ("--parts", 40, "parts to stock"),
            ("--tickets", 200, "service tickets to make, in every status (needs at least one customer)"),
            ("--mechanics-per-ticket", 2, "mechanics to assign to each ticket (at most the active ones)"),
            ("--parts-per-ticket", 2, "part lines to put on each ticket not cancelled (at most the number of parts)"),
        )
        for option, default, what in sizes:
            parser.add_argument(
                option, type=int, default=default, metavar="N", help=f"How many {what}; default {default}."
            )
        parser.add_argument("--seed", type=int, default=None, help="Random seed, for repeatable data.")
        parser.add_argument(
            "--flush",
            action="store_true",
            help="Delete the shop's data first, then seed. Accounts that exist are kept: the demo staff user, and the "
            "demo customer's login (given to the new demo customer), so tokens issued before still work.",
        )
        parser.add_argument(
            "--demo-account",
            action="store_true",
            help=f"Create the demo logins ({DEMO_STAFF_USERNAME!r} staff, {DEMO_CUSTOMER_EMAIL}) even with DEBUG off.",
        )

    def handle(self, *args, **opts):
        for name in ("customers", "mechanics", "parts", "tickets", "mechanics_per_ticket", "parts_per_ticket"):
            if opts[name] < 0:
                raise CommandError(f"--{name.replace('_', '-')} cannot be negative.")
        if opts["tickets"] and not opts["customers"]:
            raise CommandError("Tickets need at least one customer.")
        started = time.monotonic()
        rng = random.Random(opts["seed"])
        demo_logins = settings.DEBUG or opts["demo_account"]
        with transaction.atomic():
            demo_login_id = None
            if opts["flush"]:
                demo_login_id = self._flush(keep_demo_login=demo_logins)
            elif Customer.objects.exists() or Mechanic.objects.exists() or Part.objects.exists():
                self.stdout.write("The shop already has data; nothing seeded (use --flush to replace it).")
                return
            counts = self._seed(rng, opts, demo_logins, demo_login_id)
        customer_list_cache_invalidate()
        bump_generation(ALL_TICKETS_COUNT_KEY)
        elapsed = time.monotonic() - started
        logins = (
            f"; demo logins: staff {DEMO_STAFF_USERNAME!r}, customer {DEMO_CUSTOMER_EMAIL}, password {DEMO_PASSWORD!r}"
            + (" (logins that existed are kept as they were)" if opts["flush"] else "")
            if demo_logins
            else ""
        )
        self.stdout.write(
            f"Seeded {counts['customers']} customers, {counts['mechanics']} mechanics, {counts['parts']} parts, "
            f"{counts['tickets']} tickets ({counts['links']} mechanic assignments, {counts['lines']} part lines) "
            f"in {elapsed:.1f}s{logins}."
        )

    def _flush(self, keep_demo_login: bool) -> int | None:
        """One DELETE per table, children first (the ORM's cascade collector would load every row).

        The logins of the deleted customers go too, except the demo customer's when the demo logins are seeded again:
        it is kept, for the new demo customer, as staff accounts are. Returns its id.
        """
        User = get_user_model()
        logins = dict(Customer.objects.exclude(user=None).values_list("user_id", "email"))
        demo_login_id = next((pk for pk, email in logins.items() if email == DEMO_CUSTOMER_EMAIL), None)
        if not keep_demo_login:
            demo_login_id = None
        login_ids = [pk for pk in logins if pk != demo_login_id]
        with connection.cursor() as cursor:
            for model in (TicketPart, TicketMechanic, ServiceTicket, Customer, Mechanic, Part):
                cursor.execute(f"DELETE FROM {connection.ops.quote_name(model._meta.db_table)}")
        for start in range(0, len(login_ids), BATCH):
            User.objects.filter(pk__in=login_ids[start : start + BATCH], is_staff=False).delete()
        return demo_login_id

    def _seed(self, rng: random.Random, opts: dict, demo_logins: bool, demo_login_id: int | None) -> dict:
        User = get_user_model()
        first, last = FIRST.split(), LAST.split()
        now = timezone.now()

        customers = []
        for i in range(1, opts["customers"] + 1):
            name = f"{rng.choice(first)} {rng.choice(last)}"
            customers.append(
                Customer(
                    id=i,
                    name=name,
                    email=f"{name.lower().replace(' ', '.')}.{i}@example.com",
                    phone_number=f"+1 (555) {rng.randrange(100, 1000)}-{rng.randrange(1000, 10000)}",
                    created_at=now - timedelta(days=rng.randrange(0, 730), seconds=rng.randrange(86400)),
                )
            )
        if customers and demo_logins:
            # The login kept by --flush, unchanged (its password too: setting it again would revoke its tokens).
            customers[0].email, customers[0].name, customers[0].user_id = (
                DEMO_CUSTOMER_EMAIL,
                "Demo Customer",
                demo_login_id,
            )
        Customer.objects.bulk_create(customers, batch_size=BATCH)
        if customers and demo_logins and demo_login_id is None:
            # The demo customer's login, made as every customer login is (customers/services.py).
            customer_set_password(customer=customers[0], password=DEMO_PASSWORD)

        mechanics = [
            Mechanic(
                id=i,
                name=f"{rng.choice(first)} {rng.choice(last)}",
                email=f"mechanic{i}@shop.example.com",
                phone_number=f"+1 (555) {rng.randrange(100, 1000)}-{rng.randrange(1000, 10000)}",
                salary=Decimal(rng.randrange(42_000, 95_000)),
                is_active=rng.random() > 0.1,
            )
            for i in range(1, opts["mechanics"] + 1)
        ]
        parts = []
        for i in range(1, opts["parts"] + 1):
            name, price = PARTS[(i - 1) % len(PARTS)]
            suffix = f" #{(i - 1) // len(PARTS) + 1}" if i > len(PARTS) else ""
            parts.append(
                Part(id=i, name=f"{name}{suffix}", price=Decimal(price), quantity_in_stock=rng.randrange(5, 500))
            )
        Part.objects.bulk_create(parts, batch_size=BATCH)
        part_prices = {p.id: p.price for p in parts}

        active_ids = [m.id for m in mechanics if m.is_active] or [m.id for m in mechanics]
        completed = Counter()
        tickets, links, lines = [], [], []
        for i in range(1, opts["tickets"] + 1):
            status = rng.choice(STATUSES)
            service_date = (now - timedelta(days=rng.randrange(0, 730))).date()
            created_at = timezone.make_aware(
                datetime.combine(service_date, dtime(hour=rng.randrange(7, 18), minute=rng.randrange(60)))
            )
            done = status == ServiceTicket.Status.COMPLETED
            tickets.append(
                ServiceTicket(
                    id=i,
                    vin="".join(rng.choice(VIN_CHARS) for _ in range(17)),
                    service_date=service_date,
                    description=rng.choice(SERVICES),
                    customer_id=rng.randrange(1, opts["customers"] + 1),
                    status=status,
                    pickup_date=service_date + timedelta(days=rng.randrange(0, 4)) if done else None,
                    labor_cost=Decimal(rng.randrange(40, 900)),
                    created_at=created_at,
                    completed_at=created_at + timedelta(hours=rng.randrange(1, 72)) if done else None,
                )
            )
            for mechanic_id in rng.sample(active_ids, min(opts["mechanics_per_ticket"], len(active_ids))):
                links.append(TicketMechanic(ticket_id=i, mechanic_id=mechanic_id))
                if done:
                    completed[mechanic_id] += 1
            if status != ServiceTicket.Status.CANCELLED and parts:
                for part_id in rng.sample(range(1, len(parts) + 1), min(opts["parts_per_ticket"], len(parts))):
                    lines.append(
                        TicketPart(
                            ticket_id=i, part_id=part_id, quantity=rng.randrange(1, 5), unit_price=part_prices[part_id]
                        )
                    )
        for mechanic in mechanics:
            mechanic.completed_ticket_count = completed[mechanic.id]
        Mechanic.objects.bulk_create(mechanics, batch_size=BATCH)
        ServiceTicket.objects.bulk_create(tickets, batch_size=BATCH)
        TicketMechanic.objects.bulk_create(links, batch_size=BATCH)
        TicketPart.objects.bulk_create(lines, batch_size=BATCH)

        if demo_logins and not User.objects.filter(username=DEMO_STAFF_USERNAME).exists():
            # An existing demo account is left as it is: a new password would revoke its refresh tokens.
            User.objects.create_superuser(DEMO_STAFF_USERNAME, email="", password=DEMO_PASSWORD)
        return {
            "customers": len(customers),
            "mechanics": len(mechanics),
            "parts": len(parts),
            "tickets": len(tickets),
            "links": len(links),
            "lines": len(lines),
        }
