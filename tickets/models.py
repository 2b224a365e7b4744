from datetime import datetime
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinLengthValidator, MinValueValidator
from django.db import models
from django.db.models.functions import Now
from django.utils import timezone

from mechanic_shop.core.validators import vin_validator

# The most an odometer reading on a ticket may be.
MAX_MILEAGE = 2_000_000


class ServiceTicket(models.Model):
    """A work order: one vehicle's visit, with the mechanics on it and the parts it used."""

    class Status(models.TextChoices):
        OPEN = "open", "Open"
        IN_PROGRESS = "in_progress", "In progress"
        COMPLETED = "completed", "Completed"
        CANCELLED = "cancelled", "Cancelled"

    CLOSED_STATUSES = frozenset({Status.COMPLETED, Status.CANCELLED})

    # The vehicle's VIN, kept equal to vehicle.vin by the services (a vehicle's corrected VIN is written to its
    # tickets in the same transaction): the ticket lists filter and search it without a join.
    vin = models.CharField("VIN", max_length=17, validators=[vin_validator], db_index=True)
    # Every ticket has its vehicle (migration 0003 gave one to each ticket made before vehicles existed).
    vehicle = models.ForeignKey("customers.Vehicle", on_delete=models.PROTECT, related_name="tickets")
    mileage_in = models.PositiveIntegerField(null=True, blank=True)
    mileage_out = models.PositiveIntegerField(null=True, blank=True)
    service_date = models.DateField(db_index=True)
    description = models.TextField(max_length=1000, validators=[MinLengthValidator(1)])
    customer = models.ForeignKey("customers.Customer", on_delete=models.PROTECT, related_name="service_tickets")
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.OPEN, db_index=True)
    pickup_date = models.DateField(null=True, blank=True)
    labor_cost = models.DecimalField(
        max_digits=10, decimal_places=2, default=Decimal("0.00"), validators=[MinValueValidator(0)]
    )
    mechanics = models.ManyToManyField("mechanics.Mechanic", through="TicketMechanic", related_name="service_tickets")
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    updated_at = models.DateTimeField(auto_now=True)
    completed_at = models.DateTimeField(null=True, blank=True, editable=False)
    # Set on creation (default settings.APPROVAL_REQUIRED): the work waits for an approved estimate.
    approval_required = models.BooleanField(default=False)
    # The tracking link's generation, signed into its token: issuing a new link adds one, so every older token stops
    # matching (tickets/estimates.py).
    tracking_version = models.PositiveIntegerField(default=1, editable=False)
    # When the ticket entered its current status, and the whole seconds it spent in each status it has left: kept by
    # the status change that writes its `ticket.status_changed` event, in the same write.
    status_since = models.DateTimeField(default=timezone.now, editable=False)
    stage_durations = models.JSONField(default=dict, blank=True, editable=False)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["-created_at", "-id"], name="ticket_newest_first_idx"),
            models.Index(fields=["customer", "-created_at", "-id"], name="ticket_customer_newest_idx"),
            # A vehicle's service history (newest service_date first) and the mileage order check.
            models.Index(fields=["vehicle", "-service_date", "-id"], name="ticket_vehicle_history_idx"),
            # The efficiency leaderboard: the tickets completed in a date range.
            models.Index(fields=["status", "completed_at"], name="ticket_completed_idx"),
            # ?updated_after= and ?ordering=updated_at: all tickets, a customer's, a vehicle's history.
            models.Index(fields=["updated_at", "id"], name="ticket_updated_idx"),
            models.Index(fields=["customer", "updated_at", "id"], name="ticket_customer_updated_idx"),
            models.Index(fields=["vehicle", "updated_at", "id"], name="ticket_vehicle_updated_idx"),
        ]
        constraints = [
            models.CheckConstraint(condition=models.Q(labor_cost__gte=0), name="ticket_labor_cost_not_negative"),
            models.CheckConstraint(
                condition=models.Q(pickup_date__isnull=True) | models.Q(pickup_date__gte=models.F("service_date")),
                name="ticket_pickup_not_before_service",
            ),
            models.CheckConstraint(
                condition=(models.Q(mileage_in__isnull=True) | models.Q(mileage_in__lte=MAX_MILEAGE))
                & (models.Q(mileage_out__isnull=True) | models.Q(mileage_out__lte=MAX_MILEAGE)),
                name="ticket_mileage_at_most_max",
            ),
            models.CheckConstraint(
                condition=models.Q(mileage_in__isnull=True)
                | models.Q(mileage_out__isnull=True)
                | models.Q(mileage_out__gte=models.F("mileage_in")),
                name="ticket_mileage_out_not_below_in",
            ),
        ]

    def __str__(self) -> str:
        return f"#{self.pk} {self.vin} ({self.get_status_display()})"

    @property
    def is_closed(self) -> bool:
        return self.status in self.CLOSED_STATUSES

    @property
    def parts_total(self) -> Decimal:
        # Sums the prefetched lines when the queryset prefetched them (no query per ticket).
        return sum((line.line_total for line in self.lines.all()), Decimal("0.00"))

    # Labor: the flat labor_cost (what old clients send) plus the labor lines. Like parts_total, these sum the
    # prefetched lines when the queryset prefetched them.
    @property
    def labor_total(self) -> Decimal:
        return self.labor_cost + sum((line.line_total for line in self.labor_lines.all()), Decimal("0.00"))

    @property
    def billed_hours(self) -> Decimal:
        return sum((line.hours for line in self.labor_lines.all()), Decimal("0.00"))

    @property
    def total_cost(self) -> Decimal:
        return self.labor_total + self.parts_total

    def clean(self) -> None:
        super().clean()
        if self.vin:
            self.vin = self.vin.strip().upper()
        if self.pickup_date and self.service_date and self.pickup_date < self.service_date:
            raise ValidationError({"pickup_date": "The pickup date cannot be before the service date."})


class TicketMechanic(models.Model):
    """A mechanic assigned to a ticket. PROTECT keeps a mechanic who worked a ticket from being deleted."""

    ticket = models.ForeignKey(ServiceTicket, on_delete=models.CASCADE, related_name="mechanic_links")
    mechanic = models.ForeignKey("mechanics.Mechanic", on_delete=models.PROTECT, related_name="ticket_links")

    class Meta:
        ordering = ["id"]
        constraints = [models.UniqueConstraint(fields=["ticket", "mechanic"], name="ticket_mechanic_once")]
        indexes = [models.Index(fields=["mechanic", "ticket"], name="ticketmechanic_mechanic_idx")]

    def __str__(self) -> str:
        # By id: the admin lists these where a user without mechanics.view_mechanic may look (a ticket's delete page).
        return f"Mechanic #{self.mechanic_id} on ticket #{self.ticket_id}"


class TicketPart(models.Model):
    """A part line on a ticket; `unit_price` is the part's price when the line was first added."""

    ticket = models.ForeignKey(ServiceTicket, on_delete=models.CASCADE, related_name="lines")
    part = models.ForeignKey("inventory.Part", on_delete=models.PROTECT, related_name="ticket_lines")
    quantity = models.PositiveIntegerField(validators=[MinValueValidator(1)])
    unit_price = models.DecimalField(max_digits=10, decimal_places=2, validators=[MinValueValidator(0)])

    class Meta:
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(fields=["ticket", "part"], name="ticket_part_once"),
            models.CheckConstraint(condition=models.Q(quantity__gte=0), name="ticketpart_quantity_not_negative"),
        ]

    def __str__(self) -> str:
        return f"{self.quantity} × {self.part} on ticket #{self.ticket_id}"

    @property
    def line_total(self) -> Decimal:
        return self.quantity * self.unit_price


class LaborLine(models.Model):
    """A line of labor on a ticket: what was done, the hours billed for it and the hourly rate; optionally the
    mechanic who did it (one assigned to the ticket)."""

    ticket = models.ForeignKey(ServiceTicket, on_delete=models.CASCADE, related_name="labor_lines")
    description = models.CharField(max_length=200, validators=[MinLengthValidator(1)])
    hours = models.DecimalField(
        max_digits=4,
        decimal_places=2,
        validators=[MinValueValidator(Decimal("0.01")), MaxValueValidator(Decimal("99.99"))],
    )
    rate = models.DecimalField(max_digits=10, decimal_places=2, validators=[MinValueValidator(0)])
    mechanic = models.ForeignKey(
        "mechanics.Mechanic", on_delete=models.PROTECT, null=True, blank=True, related_name="labor_lines"
    )
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["id"]
        constraints = [
            models.CheckConstraint(condition=models.Q(hours__gte=Decimal("0.01")), name="laborline_hours_positive"),
            models.CheckConstraint(condition=models.Q(rate__gte=0), name="laborline_rate_not_negative"),
        ]
        indexes = [
            # A completing ticket's hours per mechanic (its CompletedWork rows), read from the index alone.
            models.Index(fields=["ticket", "mechanic", "hours"], name="laborline_billed_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.hours} h × {self.rate}: {self.description} on ticket #{self.ticket_id}"

    @property
    def line_total(self) -> Decimal:
        return (self.hours * self.rate).quantize(Decimal("0.01"))


class TimeEntry(models.Model):
    """A mechanic's clocked time on a ticket: open while `ended_at` is null. A mechanic has at most one open entry in
    the whole shop; the clock services take the mechanic's row lock to keep it so (MariaDB has no partial unique
    index to say it in the schema).

    `seconds` is the entry's length in whole seconds (rounded down), set with `ended_at` by `end()`: clocked hours
    are sums of it, a plain integer SUM on every database (a difference of timestamps is a Python function per row
    on SQLite), so the ticket, the mechanic's phone and the leaderboard all count the same seconds."""

    ticket = models.ForeignKey(ServiceTicket, on_delete=models.CASCADE, related_name="time_entries")
    mechanic = models.ForeignKey("mechanics.Mechanic", on_delete=models.PROTECT, related_name="time_entries")
    started_at = models.DateTimeField()
    ended_at = models.DateTimeField(null=True, blank=True)
    seconds = models.PositiveIntegerField(null=True, blank=True, editable=False)
    # Moves when the entry ends (bulk_update sets it by hand: auto_now does not run there).
    # The database default: rows the previous release inserts while this one migrates (docs/operations.md).
    updated_at = models.DateTimeField(auto_now=True, db_default=Now())

    class Meta:
        ordering = ["started_at", "id"]
        verbose_name_plural = "time entries"
        constraints = [
            models.CheckConstraint(
                condition=models.Q(ended_at__isnull=True) | models.Q(ended_at__gte=models.F("started_at")),
                name="timeentry_ends_after_it_starts",
            ),
            # An ended entry has its length and an open one has none: `end()` sets both.
            models.CheckConstraint(
                condition=models.Q(ended_at__isnull=True, seconds__isnull=True)
                | models.Q(ended_at__isnull=False, seconds__isnull=False),
                name="timeentry_seconds_when_ended",
            ),
        ]
        indexes = [
            # A ticket's entries, oldest first; a mechanic's open entry and its clocked time.
            models.Index(fields=["ticket", "started_at", "id"], name="timeentry_ticket_idx"),
            models.Index(fields=["mechanic", "ended_at"], name="timeentry_mechanic_idx"),
            # A ticket's clocked seconds, and per mechanic as it completes (its CompletedWork rows), from the index
            # alone.
            models.Index(fields=["ticket", "mechanic", "seconds"], name="timeentry_clocked_idx"),
            # A ticket's entries changed since a moment (?updated_after= on its time-entries).
            models.Index(fields=["ticket", "updated_at", "id"], name="timeentry_ticket_updated_idx"),
        ]

    def __str__(self) -> str:
        return f"Mechanic #{self.mechanic_id} on ticket #{self.ticket_id} from {self.started_at:%Y-%m-%d %H:%M}"

    def end(self, at: datetime) -> None:
        """Set the end (not before the start) and the whole seconds clocked; the caller saves."""
        self.ended_at = max(at, self.started_at)
        self.seconds = int((self.ended_at - self.started_at).total_seconds())

    @property
    def minutes(self) -> int | None:
        """Whole minutes clocked (rounded down); None while the entry is open."""
        return None if self.seconds is None else self.seconds // 60


class CompletedWork(models.Model):
    """What one mechanic clocked and billed on one completed ticket: the efficiency leaderboard's rows.

    Written once, as the ticket completes (`record_completed_work` in tickets/leaderboard.py, called in the completing
    transaction), from the ticket's time entries and labor lines. A completed ticket never changes again, so neither
    does its row. The board then sums one narrow row per mechanic and ticket, read in order from one index, instead
    of joining every completed ticket to its entries and lines
    (docs/decisions/0040-the-efficiency-board-kept-as-tickets-complete.md). Derived data: not shown in the admin;
    `manage.py fill_completed_work` writes the rows of a ticket completed behind the services' backs."""

    ticket = models.ForeignKey(ServiceTicket, on_delete=models.CASCADE, related_name="completed_work")
    mechanic = models.ForeignKey("mechanics.Mechanic", on_delete=models.CASCADE, related_name="completed_work")
    # The ticket's `completed_at`, copied: the board's ranges are on it.
    completed_at = models.DateTimeField()
    # The sum of the mechanic's entries' `seconds` on the ticket.
    clocked_seconds = models.PositiveBigIntegerField()
    # The sum of the mechanic's labor lines' hours on the ticket, in hundredths of an hour (exact on every database).
    billed_cents = models.PositiveBigIntegerField()

    class Meta:
        verbose_name_plural = "completed work"
        constraints = [models.UniqueConstraint(fields=["ticket", "mechanic"], name="completedwork_once")]
        indexes = [
            # The board: per mechanic (in the index's order, so no sort), the rows completed in a range, summed from
            # the index alone.
            models.Index(
                fields=["mechanic", "completed_at", "clocked_seconds", "billed_cents"], name="completedwork_board_idx"
            ),
        ]

    def __str__(self) -> str:
        return f"Mechanic #{self.mechanic_id} on completed ticket #{self.ticket_id}"


class Estimate(models.Model):
    """What the shop asks the customer to approve: an immutable snapshot of a ticket's lines and their total.

    The customer decides from a link without logging in (tickets/estimates.py). `status` holds the decision; a
    pending estimate past `expires_at` reads as `expired`."""

    class Status(models.TextChoices):
        PENDING = "pending", "Pending"
        APPROVED = "approved", "Approved"
        DECLINED = "declined", "Declined"
        SUPERSEDED = "superseded", "Superseded"

    ticket = models.ForeignKey(ServiceTicket, on_delete=models.CASCADE, related_name="estimates")
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.PENDING)
    total = models.DecimalField(max_digits=14, decimal_places=2)
    approved_total = models.DecimalField(max_digits=14, decimal_places=2, null=True, blank=True)
    # True once approved with at least one line declined: the work to follow up (indexed with the status).
    has_declined = models.BooleanField(default=False)
    signed_by = models.CharField(max_length=100, blank=True)
    decline_reason = models.CharField(max_length=1000, blank=True)
    expires_at = models.DateTimeField()
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+", editable=False
    )
    # When and from where the customer decided (approved_at is the decision's time for an approval).
    decided_at = models.DateTimeField(null=True, blank=True)
    decided_ip = models.CharField(max_length=100, blank=True)
    decided_user_agent = models.CharField(max_length=500, blank=True)
    # Moves when the estimate is decided or superseded (a queryset update sets it by hand).
    # The database default: rows the previous release inserts while this one migrates (docs/operations.md).
    updated_at = models.DateTimeField(auto_now=True, db_default=Now())

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["ticket", "-created_at", "-id"], name="estimate_ticket_idx"),
            # GET /estimates?status=approved&has_declined=true, newest first.
            models.Index(fields=["status", "has_declined", "-created_at", "-id"], name="estimate_followup_idx"),
            models.Index(fields=["-created_at", "-id"], name="estimate_newest_first_idx"),
            # ?updated_after= and ?ordering=updated_at: every estimate, and a ticket's.
            models.Index(fields=["updated_at", "id"], name="estimate_updated_idx"),
            models.Index(fields=["ticket", "updated_at", "id"], name="estimate_ticket_updated_idx"),
        ]
        constraints = [
            models.CheckConstraint(condition=models.Q(total__gte=0), name="estimate_total_not_negative"),
        ]

    def __str__(self) -> str:
        return f"Estimate #{self.pk} for ticket #{self.ticket_id} ({self.shown_status})"

    @property
    def approved_at(self) -> datetime | None:
        return self.approved_at_of(self.status, self.decided_at)

    @property
    def is_expired(self) -> bool:
        return self.shown_status_of(self.status, self.expires_at, timezone.now()) == "expired"

    @property
    def shown_status(self) -> str:
        """The status clients see: `expired` for a pending estimate past its expiry."""
        return self.shown_status_of(self.status, self.expires_at, timezone.now())

    # The two rules on their own, for a page built from rows (tickets/estimate_serializers.py) as for an instance.
    @staticmethod
    def shown_status_of(status: str, expires_at: datetime, now: datetime) -> str:
        return "expired" if status == Estimate.Status.PENDING and expires_at <= now else status

    @staticmethod
    def approved_at_of(status: str, decided_at: datetime | None) -> datetime | None:
        return decided_at if status == Estimate.Status.APPROVED else None


class EstimateLine(models.Model):
    """One line of an estimate, copied from the ticket when the estimate was made; never changed afterwards except
    `declined`, set once by the customer's approval."""

    class Kind(models.TextChoices):
        PART = "part", "Part"
        LABOR = "labor", "Labor"
        FLAT_LABOR = "flat_labor", "Flat labor"

    estimate = models.ForeignKey(Estimate, on_delete=models.CASCADE, related_name="lines")
    kind = models.CharField(max_length=20, choices=Kind.choices)
    description = models.CharField(max_length=200)
    # Units for a part, hours for labor, 1 for the flat labor charge.
    quantity = models.DecimalField(max_digits=12, decimal_places=2)
    unit_price = models.DecimalField(max_digits=12, decimal_places=2)
    line_total = models.DecimalField(max_digits=14, decimal_places=2)
    # What the line was copied from, so an approval that declines it can take it off the ticket.
    part_id = models.BigIntegerField(null=True, blank=True)
    labor_line_id = models.BigIntegerField(null=True, blank=True)
    declined = models.BooleanField(default=False)

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.description} ({self.line_total})"
