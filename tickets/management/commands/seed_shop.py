"""Demo data for the whole shop, in bulk: customers and their vehicles, mechanics, parts, and tickets in every status.

Fast enough for benchmarks (100,000 tickets on SQLite in seconds): rows are built in Python with explicit ids
and written with bulk_create in batches, inside one transaction. Signals do not fire on bulk_create, so the
customer-list cache and the cached ticket total are invalidated by hand, and the mechanics' completed-ticket
counts are computed here, as are the vehicles' summaries (ticket count, last service date, odometer).

Labor and the clock: tickets in progress or completed get labor lines (most naming one of the ticket's mechanics), and
their mechanics clocked time on them: ended entries on completed tickets, inside the ticket's working hours, and on
tickets in progress; each mechanic works at its own pace, so the efficiency leaderboard has something to rank. A few
mechanics are clocked in right now, each on one ticket in progress (never more than one open entry per mechanic).
The completed tickets' rows for that leaderboard (CompletedWork) are written from those entries and lines, as a
completion writes them.

Vehicles: every customer has one to three cars, with VINs built on real manufacturer codes (WMIs) and valid check
digits, so that they decode to their maker and model year as any VIN does (customers/vins.py). A ticket is for one of
the cars, and is the owner's, except for the few cars that changed hands: their tickets before the sale are the
previous owner's. Each car's recorded mileages rise in service_date order (then id), as the ticket rules require.
"""

import random
import time
from collections import Counter
from datetime import date, datetime, timedelta
from datetime import time as dtime
from decimal import Decimal

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction
from django.utils import timezone

from customers.models import Customer, Vehicle
from customers.services import customer_list_cache_invalidate, customer_set_password
from customers.vins import check_digit, decode_vin
from inventory.models import Part, PurchaseOrder, PurchaseOrderLine, StockMovement, Supplier
from mechanic_shop.core.generations import bump_generation
from mechanics.models import Mechanic
from tickets.leaderboard import leaderboard_changed, record_completed_work
from tickets.models import (
    CompletedWork,
    Estimate,
    EstimateLine,
    LaborLine,
    ServiceTicket,
    TicketMechanic,
    TicketPart,
    TimeEntry,
)
from tickets.services import ALL_TICKETS_COUNT_KEY

DEMO_PASSWORD = "demo-mechanic-shop"
DEMO_STAFF_USERNAME = "demo"
DEMO_CUSTOMER_EMAIL = "demo.customer@example.com"
BATCH = 5000
# How many tickets get a demo estimate (in turn approved, pending, declined, superseded).
ESTIMATE_SAMPLE = 40

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
LABOR = [
    "Diagnosis",
    "Remove and refit",
    "Road test",
    "Brake service",
    "Engine work",
    "Electrical fault finding",
    "Suspension work",
    "Fluids and filters",
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
VIN_LETTERS = "ABCDEFGHJKLMNPRSTUVWXYZ"
# A VIN's 10th character names its model year, 1980 onwards, and repeats every 30 years.
YEAR_CODES = "ABCDEFGHJKLMNPRSTVWXY123456789"
# Model years from 2000 (any year from there to next year decodes to itself, whatever the VIN's region) to two years
# ago (so that every car is older than its first ticket, at most 730 days ago).
FIRST_MODEL_YEAR = 2000
# (World Manufacturer Identifier, make, models, first model year). The first five are North American: their VINs
# carry a check digit.
CARS = [
    ("1HG", "Honda", ("Accord", "Civic", "Pilot"), FIRST_MODEL_YEAR),
    ("1FA", "Ford", ("Mustang", "Fusion", "Focus"), FIRST_MODEL_YEAR),
    ("1G1", "Chevrolet", ("Malibu", "Impala", "Cruze"), FIRST_MODEL_YEAR),
    ("4T1", "Toyota", ("Camry", "Corolla", "Avalon"), FIRST_MODEL_YEAR),
    ("5YJ", "Tesla", ("Model 3", "Model S", "Model Y"), 2012),
    ("JM1", "Mazda", ("Mazda3", "Mazda6", "MX-5"), FIRST_MODEL_YEAR),
    ("WBA", "BMW", ("320i", "530i", "X3"), FIRST_MODEL_YEAR),
    ("WVW", "Volkswagen", ("Golf", "Passat", "Polo"), FIRST_MODEL_YEAR),
    ("KNA", "Kia", ("Rio", "Sportage", "Ceed"), FIRST_MODEL_YEAR),
    ("YV1", "Volvo", ("S60", "XC60", "V70"), FIRST_MODEL_YEAR),
]
SUPPLIERS = [
    "Northside Auto Supply",
    "Keystone Parts Co.",
    "Delta Brake & Clutch",
    "Harbor Filters",
    "Summit Electrics",
]
# The purchase orders seeded, by status: every status, most of them received.
ORDER_STATUSES = (
    [PurchaseOrder.Status.DRAFT] * 2
    + [PurchaseOrder.Status.ORDERED] * 2
    + [PurchaseOrder.Status.PARTIALLY_RECEIVED] * 2
    + [PurchaseOrder.Status.RECEIVED] * 4
    + [PurchaseOrder.Status.CANCELLED]
)
CARS_PER_CUSTOMER = [1] * 6 + [2] * 3 + [3]  # most have one car, a few two or three
CHANGED_HANDS = 0.05  # the share of cars bought from another customer, with tickets of both owners
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
            elif any(model.objects.exists() for model in (Customer, Mechanic, Part, Supplier)):
                self.stdout.write("The shop already has data; nothing seeded (use --flush to replace it).")
                return
            counts = self._seed(rng, opts, demo_logins, demo_login_id)
        customer_list_cache_invalidate()
        bump_generation(ALL_TICKETS_COUNT_KEY)
        leaderboard_changed()
        elapsed = time.monotonic() - started
        logins = (
            f"; demo logins: staff {DEMO_STAFF_USERNAME!r}, customer {DEMO_CUSTOMER_EMAIL}, password {DEMO_PASSWORD!r}"
            + (" (logins that existed are kept as they were)" if opts["flush"] else "")
            if demo_logins
            else ""
        )
        self.stdout.write(
            f"Seeded {counts['customers']} customers with {counts['vehicles']} vehicles, "
            f"{counts['mechanics']} mechanics, {counts['parts']} parts from {counts['suppliers']} suppliers "
            f"({counts['orders']} purchase orders), "
            f"{counts['tickets']} tickets ({counts['links']} mechanic assignments, {counts['lines']} part lines, "
            f"{counts['labor']} labor lines, {counts['clock']} time entries, {counts['estimates']} estimates) "
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
            for model in (
                CompletedWork,
                EstimateLine,
                Estimate,
                TimeEntry,
                LaborLine,
                TicketPart,
                TicketMechanic,
                StockMovement,
                PurchaseOrderLine,
                PurchaseOrder,
                ServiceTicket,
                Vehicle,
                Customer,
                Mechanic,
                Part,
                Supplier,
            ):
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

        # Written after the tickets are made, with their summaries.
        vehicles, sales = self._vehicles(rng, customers, now.date())

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
        suppliers, orders, order_lines, receipts = self._purchasing(rng, parts, now)
        Supplier.objects.bulk_create(suppliers, batch_size=BATCH)
        Part.objects.bulk_create(parts, batch_size=BATCH)
        # Each part's ledger starts with its stock less what the orders below brought in, then their receipts, so
        # the chain of movements ends at the stock (the ticket lines below are history, not taken from it).
        received = Counter()
        for receipt in receipts:
            received[receipt.part_id] += receipt.delta
        StockMovement.objects.bulk_create(
            (
                StockMovement(part_id=p.id, delta=p.quantity_in_stock - received[p.id],
                              balance_after=p.quantity_in_stock - received[p.id], reason=StockMovement.Reason.INITIAL,
                              note="Seeded", created_at=now - timedelta(days=730))
                for p in parts
            ),
            batch_size=BATCH,
        )  # fmt: skip
        PurchaseOrder.objects.bulk_create(orders, batch_size=BATCH)
        PurchaseOrderLine.objects.bulk_create(order_lines, batch_size=BATCH)
        StockMovement.objects.bulk_create(receipts, batch_size=BATCH)
        part_prices = {p.id: p.price for p in parts}

        active_ids = [m.id for m in mechanics if m.is_active] or [m.id for m in mechanics]
        completed = Counter()
        tickets, links, lines = [], [], []
        labor: list[LaborLine] = []
        clock: list[TimeEntry] = []
        # Hours clocked per hour billed, per mechanic: 0.7 (fast) to 1.5 (slow).
        pace = {m.id: rng.uniform(0.7, 1.5) for m in mechanics}
        clocked_in: set[int] = set()  # the mechanics with their (one) open entry
        for i in range(1, opts["tickets"] + 1):
            status = rng.choice(STATUSES)
            service_date = (now - timedelta(days=rng.randrange(0, 730))).date()
            vehicle = rng.choice(vehicles)
            customer_id = vehicle.customer_id
            if vehicle.id in sales and service_date < sales[vehicle.id][1]:
                customer_id = sales[vehicle.id][0]
            created_at = timezone.make_aware(
                datetime.combine(service_date, dtime(hour=rng.randrange(7, 18), minute=rng.randrange(60)))
            )
            done = status == ServiceTicket.Status.COMPLETED
            tickets.append(
                ServiceTicket(
                    id=i,
                    vin=vehicle.vin,
                    vehicle_id=vehicle.id,
                    service_date=service_date,
                    description=rng.choice(SERVICES),
                    customer_id=customer_id,
                    status=status,
                    pickup_date=service_date + timedelta(days=rng.randrange(0, 4)) if done else None,
                    labor_cost=Decimal(rng.randrange(40, 900)),
                    created_at=created_at,
                    completed_at=created_at + timedelta(hours=rng.randrange(1, 72)) if done else None,
                )
            )
            assigned = rng.sample(active_ids, min(opts["mechanics_per_ticket"], len(active_ids)))
            for mechanic_id in assigned:
                links.append(TicketMechanic(ticket_id=i, mechanic_id=mechanic_id))
                if done:
                    completed[mechanic_id] += 1
            if status in (ServiceTicket.Status.IN_PROGRESS, ServiceTicket.Status.COMPLETED):
                self._labor_and_clock(rng, tickets[-1], assigned, pace, clocked_in, now, labor, clock)
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
        self._mileages_and_summaries(rng, vehicles, tickets)
        Vehicle.objects.bulk_create(vehicles, batch_size=BATCH)
        ServiceTicket.objects.bulk_create(tickets, batch_size=BATCH)
        TicketMechanic.objects.bulk_create(links, batch_size=BATCH)
        TicketPart.objects.bulk_create(lines, batch_size=BATCH)
        LaborLine.objects.bulk_create(labor, batch_size=BATCH)
        TimeEntry.objects.bulk_create(clock, batch_size=BATCH)
        record_completed_work({ticket.id: ticket.completed_at for ticket in tickets if ticket.completed_at})
        estimates = self._estimates(rng, tickets, lines, labor)

        if demo_logins and not User.objects.filter(username=DEMO_STAFF_USERNAME).exists():
            # An existing demo account is left as it is: a new password would revoke its refresh tokens.
            User.objects.create_superuser(DEMO_STAFF_USERNAME, email="", password=DEMO_PASSWORD)
        return {
            "customers": len(customers),
            "vehicles": len(vehicles),
            "mechanics": len(mechanics),
            "parts": len(parts),
            "suppliers": len(suppliers),
            "orders": len(orders),
            "tickets": len(tickets),
            "links": len(links),
            "lines": len(lines),
            "labor": len(labor),
            "clock": len(clock),
            "estimates": estimates,
        }

    def _purchasing(
        self, rng: random.Random, parts: list[Part], now: datetime
    ) -> tuple[list[Supplier], list[PurchaseOrder], list[PurchaseOrderLine], list[StockMovement]]:
        """Suppliers; each part's supplier (most have one), SKU, cost and reorder level and quantity (about one in
        five at or below its level); purchase orders in every status, and the `receipt` movements of what arrived.

        Sets the parts' fields in place (the cost of a part received is the unit cost of its last receipt) and raises
        a part's stock to what its orders brought in when that is more, so its `initial` movement is never negative.
        The receipts' balances are left for the caller, which knows each part's initial stock.
        """
        if not parts:
            return [], [], [], []
        suppliers = [
            Supplier(id=i, name=name, email=f"orders@{name.split()[0].lower()}.example.com",
                     phone_number=f"+1 (555) {rng.randrange(100, 1000)}-{rng.randrange(1000, 10000)}",
                     created_at=now - timedelta(days=730))
            for i, name in enumerate(SUPPLIERS[: max(1, min(len(SUPPLIERS), len(parts) // 4))], start=1)
        ]  # fmt: skip
        for part in parts:
            part.sku = f"SKU-{part.id:06d}"
            part.cost = (part.price * Decimal("0.6")).quantize(Decimal("0.01"))
            part.supplier_id = suppliers[part.id % len(suppliers)].id if rng.random() < 0.9 else None
            if rng.random() < 0.8:
                part.reorder_level = rng.randrange(5, 40)
                part.reorder_quantity = rng.randrange(10, 80)
                if rng.random() < 0.25:
                    part.quantity_in_stock = rng.randrange(0, part.reorder_level + 1)  # time to reorder
        by_supplier: dict[int, list[Part]] = {}
        for part in parts:
            if part.supplier_id is not None:
                by_supplier.setdefault(part.supplier_id, []).append(part)
        if not by_supplier:
            return suppliers, [], [], []
        orders, lines, receipts = [], [], []
        received = Counter()
        for i, status in enumerate(ORDER_STATUSES, start=1):
            supplier_id = rng.choice(sorted(by_supplier))
            created_at = now - timedelta(days=rng.randrange(2, 120), hours=rng.randrange(24))
            order = PurchaseOrder(id=i, supplier_id=supplier_id, status=status, created_at=created_at)
            if status != PurchaseOrder.Status.DRAFT:
                order.ordered_at = created_at + timedelta(hours=rng.randrange(1, 48))
            stocked = by_supplier[supplier_id]
            on_order = rng.sample(stocked, min(len(stocked), rng.randrange(1, 4)))
            for n, part in enumerate(sorted(on_order, key=lambda p: p.id)):
                quantity = rng.randrange(5, 60)
                line = PurchaseOrderLine(
                    order_id=i, part_id=part.id, quantity=quantity, unit_cost=part.cost or Decimal("0.00")
                )
                if status == PurchaseOrder.Status.RECEIVED:
                    line.received_quantity = quantity
                elif status == PurchaseOrder.Status.PARTIALLY_RECEIVED:
                    # The first line partly, the others in full or not yet: something came, something is due.
                    line.received_quantity = rng.randrange(1, quantity) if n == 0 else rng.choice((0, quantity))
                lines.append(line)
                if line.received_quantity:
                    arrived = order.ordered_at + timedelta(days=rng.randrange(1, 10))
                    if status == PurchaseOrder.Status.RECEIVED:
                        order.received_at = max(order.received_at or arrived, arrived)
                    receipts.append(
                        StockMovement(part_id=part.id, delta=line.received_quantity, balance_after=0,
                                      reason=StockMovement.Reason.RECEIPT, purchase_order_id=i, note="Seeded",
                                      created_at=arrived)
                    )  # fmt: skip
                    received[part.id] += line.received_quantity
                    part.cost = line.unit_cost
            orders.append(order)
        for part in parts:
            part.quantity_in_stock = max(part.quantity_in_stock, received[part.id])
        # Each part's balances in the order its receipts are written (after its initial stock).
        balance = {part.id: part.quantity_in_stock - received[part.id] for part in parts}
        for receipt in receipts:
            balance[receipt.part_id] += receipt.delta
            receipt.balance_after = balance[receipt.part_id]
        return suppliers, orders, lines, receipts

    def _labor_and_clock(
        self,
        rng: random.Random,
        ticket: ServiceTicket,
        assigned: list[int],
        pace: dict[int, float],
        clocked_in: set[int],
        now: datetime,
        labor: list[LaborLine],
        clock: list[TimeEntry],
    ) -> None:
        """One to three labor lines on a ticket in progress or completed, and its mechanics' time on it."""
        billed: Counter[int] = Counter()
        for _ in range(rng.randrange(1, 4)):
            hours = Decimal(rng.randrange(25, 400)) / 100
            mechanic_id = rng.choice(assigned) if assigned and rng.random() < 0.85 else None
            labor.append(
                LaborLine(
                    id=len(labor) + 1,  # explicit: the demo estimates' lines point at it on every database
                    ticket_id=ticket.id,
                    description=rng.choice(LABOR),
                    hours=hours,
                    rate=settings.LABOR_RATE,
                    mechanic_id=mechanic_id,
                    created_at=ticket.created_at,
                )
            )
            if mechanic_id is not None:
                billed[mechanic_id] += int(hours * 60)
        # Until the ticket was completed; for one still in progress, until a few hours ago at most.
        until = min(ticket.completed_at or now - timedelta(hours=4), now)
        for mechanic_id in assigned:
            started = ticket.created_at + timedelta(minutes=rng.randrange(0, 30))
            if (
                ticket.completed_at is None
                and mechanic_id not in clocked_in
                and ticket.created_at < now - timedelta(days=1)
                and rng.random() < 0.05
            ):
                clocked_in.add(mechanic_id)  # working on it right now: its one open entry
                started = now - timedelta(minutes=rng.randrange(5, 180))
                clock.append(TimeEntry(ticket_id=ticket.id, mechanic_id=mechanic_id, started_at=started))
                continue
            minutes = int((billed[mechanic_id] or rng.randrange(15, 90)) * pace[mechanic_id] * rng.uniform(0.8, 1.2))
            ended = min(started + timedelta(minutes=max(minutes, 1)), until)
            if ended > started:
                entry = TimeEntry(ticket_id=ticket.id, mechanic_id=mechanic_id, started_at=started)
                entry.end(ended)
                clock.append(entry)

    def _estimates(self, rng: random.Random, tickets: list, lines: list, labor: list) -> int:
        """A few estimates in each status, snapshots of tickets' lines as the estimate service makes them (bulk)."""
        # The first tickets with lines to estimate: only their lines are copied (the seed may hold 100,000 tickets).
        with_lines = {line.ticket_id for line in lines} | {work.ticket_id for work in labor}
        chosen = {t.pk for t in tickets if t.pk in with_lines}
        chosen = set(sorted(chosen)[:ESTIMATE_SAMPLE])
        by_ticket: dict[int, list[EstimateLine]] = {}
        for line in (line for line in lines if line.ticket_id in chosen):
            by_ticket.setdefault(line.ticket_id, []).append(
                EstimateLine(
                    kind="part",
                    description=f"Part #{line.part_id}",
                    quantity=Decimal(line.quantity),
                    unit_price=line.unit_price,
                    line_total=line.quantity * line.unit_price,
                    part_id=line.part_id,
                )
            )
        for work in (work for work in labor if work.ticket_id in chosen):
            by_ticket.setdefault(work.ticket_id, []).append(
                EstimateLine(
                    kind="labor",
                    description=work.description,
                    quantity=work.hours,
                    unit_price=work.rate,
                    line_total=(work.hours * work.rate).quantize(Decimal("0.01")),
                    labor_line_id=work.pk,
                )
            )
        candidates = [t for t in tickets if t.pk in by_ticket][:ESTIMATE_SAMPLE]
        now = timezone.now()
        estimates, snapshot = [], []
        for i, ticket in enumerate(candidates):
            status = ("approved", "pending", "declined", "superseded")[i % 4]
            estimate_lines = by_ticket[ticket.pk]
            total = sum((line.line_total for line in estimate_lines), Decimal("0.00"))
            estimate = Estimate(
                id=i + 1,  # explicit, as the seed's other rows: the lines need it on every database
                ticket=ticket,
                status=status,
                total=total,
                created_at=now,
                expires_at=now + timedelta(days=settings.ESTIMATE_DAYS),
            )
            if status in ("approved", "declined"):
                estimate.signed_by, estimate.decided_at = "Demo Customer", now
            if status == "approved":
                # Every other approval keeps its last line declined on paper (demo data: the ticket keeps it).
                declined = i % 8 == 0 and len(estimate_lines) > 1
                estimate.has_declined = declined
                estimate.approved_total = total - (estimate_lines[-1].line_total if declined else Decimal(0))
                estimate_lines[-1].declined = declined
            estimates.append(estimate)
            snapshot.append(estimate_lines)
        Estimate.objects.bulk_create(estimates, batch_size=BATCH)
        for estimate, estimate_lines in zip(estimates, snapshot, strict=True):
            for line in estimate_lines:
                line.estimate = estimate
        EstimateLine.objects.bulk_create([line for group in snapshot for line in group], batch_size=BATCH)
        return len(estimates)

    def _vehicles(
        self, rng: random.Random, customers: list[Customer], today: date
    ) -> tuple[list[Vehicle], dict[int, tuple[int, date]]]:
        """One to three cars per customer, with explicit ids, and the sales: {vehicle id: (previous owner, date)}."""
        vehicles, sales, vins = [], {}, set()
        for customer in customers:
            for _ in range(rng.choice(CARS_PER_CUSTOMER)):
                wmi, make, models, since = rng.choice(CARS)
                year = rng.randint(since, today.year - 2)
                vin = demo_vin(rng, wmi, year)
                while vin in vins:  # unique: the odds of drawing one twice are tiny, not nil
                    vin = demo_vin(rng, wmi, year)
                vins.add(vin)
                decoded = decode_vin(vin)
                vehicle = Vehicle(
                    id=len(vehicles) + 1,
                    vin=vin,
                    customer_id=customer.id,
                    year=year,
                    make=make,
                    model=rng.choice(models),
                    license_plate=demo_plate(rng) if rng.random() > 0.1 else "",
                    vin_check=decoded.vin_check,
                    manufacturer=decoded.manufacturer,
                    model_year=decoded.model_year,
                    created_at=customer.created_at,
                )
                vehicles.append(vehicle)
                if len(customers) > 1 and rng.random() < CHANGED_HANDS:
                    seller = rng.choice([c.id for c in rng.sample(customers, 2) if c.id != customer.id])
                    sales[vehicle.id] = (seller, today - timedelta(days=rng.randrange(30, 700)))
        return vehicles, sales

    def _mileages_and_summaries(
        self, rng: random.Random, vehicles: list[Vehicle], tickets: list[ServiceTicket]
    ) -> None:
        """Mileage in and out on each car's tickets, rising in (service_date, id) order; then each car's summary."""
        by_vehicle: dict[int, list[ServiceTicket]] = {}
        for ticket in tickets:
            by_vehicle.setdefault(ticket.vehicle_id, []).append(ticket)
        for vehicle in vehicles:
            history = sorted(by_vehicle.get(vehicle.id, ()), key=lambda t: (t.service_date, t.id))
            if not history:
                continue
            per_day = rng.uniform(20, 45)
            reading, read_on = None, date(vehicle.year, 1, 1)
            for ticket in history:
                if rng.random() < 0.05:
                    continue  # a ticket without mileage, as older clients make them
                driven = int((ticket.service_date - read_on).days * per_day * rng.uniform(0.8, 1.2))
                ticket.mileage_in = (reading or 0) + max(driven, 5)
                if ticket.status == ServiceTicket.Status.COMPLETED:
                    ticket.mileage_out = ticket.mileage_in + rng.randrange(0, 25)  # the road test
                reading, read_on = ticket.mileage_out or ticket.mileage_in, ticket.service_date
            vehicle.ticket_count = len(history)
            vehicle.last_service_date = history[-1].service_date
            vehicle.odometer = reading


def demo_vin(rng: random.Random, wmi: str, year: int) -> str:
    """A 17-character VIN on `wmi` for model `year`, with its check digit (position 9)."""
    descriptor = [rng.choice(VIN_CHARS) for _ in range(5)]  # characters 4-8
    # North American VINs tell the model year's 30-year cycle by character 7: a letter from 2010 on, else a digit.
    descriptor[3] = rng.choice(VIN_LETTERS if year >= 2010 else "0123456789")
    plant = rng.choice(VIN_LETTERS)
    vin = f"{wmi}{''.join(descriptor)}0{YEAR_CODES[(year - 1980) % 30]}{plant}{rng.randrange(10**6):06d}"
    return vin[:8] + check_digit(vin) + vin[9:]


def demo_plate(rng: random.Random) -> str:
    letters = "".join(rng.choice(VIN_LETTERS) for _ in range(3))
    return rng.choice(
        (f"{rng.randrange(1, 10)}{letters}{rng.randrange(100, 1000)}", f"{letters}{rng.randrange(1000, 10000)}")
    )
