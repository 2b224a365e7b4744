"""Estimates and the customer's approval, and the ticket's tracking link.

An estimate is an immutable snapshot of a ticket's part lines, labor lines and flat labor charge, with their total.
Making one supersedes the ticket's pending estimate. The customer decides once, from the link, without logging in:
approve (declining some lines) or decline. Every service here runs in one transaction that locks the ticket's row
first, then the estimate's (the order of every ticket service), and re-reads the estimate's status under that lock,
so two decisions arriving at once are taken one after the other and the second finds the first: exactly one wins.

Declined lines leave the ticket in the approval's own transaction, through the ticket services: a part line goes back
to stock (a ledger movement), a labor line is deleted, a declined flat labor charge sets `labor_cost` to 0. The
estimate keeps them, marked declined, for the shop to follow up.
"""

from collections.abc import Iterable
from datetime import timedelta
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import Http404
from django.utils import timezone

from inventory.models import Part
from mechanic_shop.core.exceptions import Conflict
from mechanic_shop.events.services import record_event
from tickets.links import approval_url
from tickets.models import Estimate, EstimateLine, LaborLine, ServiceTicket
from tickets.notifications import notify_estimate_sent
from tickets.services import _lock, _lock_open, _touch, ticket_remove_labor_line, ticket_remove_part

Status = Estimate.Status
Kind = EstimateLine.Kind
CENT = Decimal("0.01")
SIGNED_BY_MAX = 100
REASON_MAX = 1000
USER_AGENT_MAX = 500
# The largest total an estimate stores (its money columns hold 14 digits, two of them decimals).
MAX_ESTIMATE_TOTAL = Decimal("999999999999.99")


def _snapshot(ticket: ServiceTicket) -> list[EstimateLine]:
    lines = [
        EstimateLine(
            kind=Kind.PART,
            description=line.part.name[:200],
            quantity=Decimal(line.quantity),
            unit_price=line.unit_price,
            line_total=line.line_total,
            part_id=line.part_id,
        )
        for line in ticket.lines.select_related("part").order_by("id")
    ]
    lines += [
        EstimateLine(
            kind=Kind.LABOR,
            description=line.description,
            quantity=line.hours,
            unit_price=line.rate,
            line_total=line.line_total,
            labor_line_id=line.pk,
        )
        for line in LaborLine.objects.filter(ticket=ticket).order_by("id")
    ]
    if ticket.labor_cost:
        lines.append(
            EstimateLine(
                kind=Kind.FLAT_LABOR,
                description="Labor",
                quantity=Decimal(1),
                unit_price=ticket.labor_cost,
                line_total=ticket.labor_cost,
            )
        )
    return lines


@transaction.atomic
def estimate_create(*, ticket: ServiceTicket, by: Any = None) -> Estimate:
    """Snapshot an open ticket's lines into a new pending estimate, superseding the pending one. A closed ticket is a
    Conflict; a ticket with nothing to estimate (no lines, no labor charge) a ValidationError."""
    _lock_open(ticket, "estimates")
    lines = _snapshot(ticket)
    if not lines:
        raise ValidationError(
            {"non_field_errors": [f"Ticket #{ticket.pk} has no parts, labor lines or labor cost to estimate."]}
        )
    total = sum((line.line_total for line in lines), Decimal("0.00"))
    if total > MAX_ESTIMATE_TOTAL:
        message = f"Ticket #{ticket.pk} totals {total}; an estimate holds at most {MAX_ESTIMATE_TOTAL}."
        raise ValidationError({"non_field_errors": [message]})
    now = timezone.now()
    Estimate.objects.filter(ticket=ticket, status=Status.PENDING).update(status=Status.SUPERSEDED, updated_at=now)
    estimate = Estimate.objects.create(
        ticket=ticket,
        total=total,
        created_at=now,
        expires_at=now + timedelta(days=settings.ESTIMATE_DAYS),
        created_by=by if getattr(by, "pk", None) else None,
    )
    for line in lines:
        line.estimate = estimate
    EstimateLine.objects.bulk_create(lines)
    _touch(ticket)  # its estimates changed
    record_event(
        type="estimate.sent",
        ticket_id=ticket.pk,
        data={"estimate_id": estimate.pk, "total": estimate.total, "expires_at": estimate.expires_at},
    )
    notify_estimate_sent(ticket=ticket, approval_url=approval_url(estimate.pk), total=estimate.total)
    return estimate


def _lock_undecided(estimate_id: int) -> tuple[ServiceTicket, Estimate]:
    """Lock the estimate's ticket, then the estimate, and check under the locks that it can still be decided."""
    ticket_id = Estimate.objects.filter(pk=estimate_id).values_list("ticket_id", flat=True).first()
    if ticket_id is None:
        raise Http404("No such estimate.")
    ticket = _lock(ServiceTicket(pk=ticket_id))
    estimate = Estimate.objects.select_for_update().filter(pk=estimate_id).first()
    if estimate is None:
        raise Http404("No such estimate.")
    if estimate.status != Status.PENDING:
        raise Conflict(f"This estimate is {estimate.status}; it can no longer be decided.")
    if estimate.is_expired:
        raise Conflict("This estimate has expired; ask the shop for a new one.")
    if ticket.is_closed:
        raise Conflict(f"The ticket is {ticket.status}; this estimate can no longer be decided.")
    return ticket, estimate


def _record(estimate: Estimate, *, signed_by: str, ip: str, user_agent: str) -> None:
    estimate.signed_by = signed_by
    estimate.decided_at = timezone.now()
    estimate.decided_ip = (ip or "")[:100]
    estimate.decided_user_agent = (user_agent or "")[:USER_AGENT_MAX]


def check_signed_by(signed_by: str) -> str:
    signed_by = (signed_by or "").strip()
    if not 1 <= len(signed_by) <= SIGNED_BY_MAX:
        raise ValidationError({"signed_by": [f"Sign with your name: 1 to {SIGNED_BY_MAX} characters."]})
    return signed_by


@transaction.atomic
def estimate_approve(
    *,
    estimate_id: int,
    signed_by: str,
    declined_line_ids: Iterable[int] = (),
    ip: str = "",
    user_agent: str = "",
) -> Estimate:
    """The customer approves the estimate, declining the lines named: they leave the ticket in this transaction."""
    signed_by = check_signed_by(signed_by)
    ticket, estimate = _lock_undecided(estimate_id)
    lines = list(estimate.lines.all())
    declined = set(declined_line_ids)
    unknown = sorted(declined - {line.pk for line in lines})
    if unknown:
        raise ValidationError({"declined_line_ids": [f"Not lines of this estimate: {', '.join(map(str, unknown))}."]})
    for line in lines:
        if line.pk in declined:
            line.declined = True
            _take_off(ticket, line)
    EstimateLine.objects.filter(pk__in=declined).update(declined=True)
    estimate.status = Status.APPROVED
    estimate.approved_total = sum((line.line_total for line in lines if not line.declined), Decimal("0.00"))
    estimate.has_declined = bool(declined)
    _record(estimate, signed_by=signed_by, ip=ip, user_agent=user_agent)
    estimate.save()
    _touch(ticket)  # its approval status changed
    # No signer's name, IP or user agent in the event: webhooks and the timeline carry the decision, not the person.
    record_event(
        type="estimate.approved",
        ticket_id=ticket.pk,
        data={"estimate_id": estimate.pk, "approved_total": estimate.approved_total,
              "declined_line_ids": sorted(declined)},
    )  # fmt: skip
    return estimate


def _take_off(ticket: ServiceTicket, line: EstimateLine) -> None:
    """Take a declined line off the ticket through the ticket services (what of it is still there)."""
    if line.kind == Kind.PART:
        on_ticket = ticket.lines.filter(part_id=line.part_id).values_list("quantity", flat=True).first()
        if on_ticket:
            part = Part.objects.get(pk=line.part_id)
            ticket_remove_part(ticket=ticket, part=part, quantity=min(int(line.quantity), on_ticket))
    elif line.kind == Kind.LABOR:
        if line.labor_line_id is not None and ticket.labor_lines.filter(pk=line.labor_line_id).exists():
            ticket_remove_labor_line(ticket=ticket, line_id=line.labor_line_id)
    else:
        _lock_open(ticket, "labor")
        ticket.labor_cost = Decimal("0.00")
        ticket.save(update_fields=["labor_cost", "updated_at"])


@transaction.atomic
def estimate_decline(
    *, estimate_id: int, signed_by: str, reason: str = "", ip: str = "", user_agent: str = ""
) -> Estimate:
    """The customer declines the whole estimate; the ticket is left as it is for the shop to talk it over."""
    signed_by = check_signed_by(signed_by)
    reason = (reason or "").strip()
    if len(reason) > REASON_MAX:
        raise ValidationError({"reason": [f"At most {REASON_MAX} characters."]})
    ticket, estimate = _lock_undecided(estimate_id)
    estimate.status = Status.DECLINED
    estimate.decline_reason = reason
    _record(estimate, signed_by=signed_by, ip=ip, user_agent=user_agent)
    estimate.save()
    _touch(ticket)
    record_event(type="estimate.declined", ticket_id=ticket.pk, data={"estimate_id": estimate.pk})
    return estimate


@transaction.atomic
def tracking_link_renew(*, ticket: ServiceTicket) -> ServiceTicket:
    """Issue a new tracking link for the ticket: every older link stops working."""
    _lock(ticket)
    ticket.tracking_version += 1
    ticket.save(update_fields=["tracking_version", "updated_at"])
    return ticket
