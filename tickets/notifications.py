"""E-mail to customers about their tickets: rendered from templates (plain text and HTML) in the change's
transaction and queued in the outbox (mechanic_shop.events.services.email_enqueue), which a background task sends
once the change commits, retrying on failure. A customer with `notify_by_email` false gets nothing.

The estimate services send `notify_estimate_sent`; the status mails link the ticket's tracking page.
"""

from decimal import Decimal
from typing import Any

from django.conf import settings
from django.template.loader import render_to_string

from customers.models import Customer, Vehicle
from mechanic_shop.events.services import email_enqueue
from tickets.links import tracking_url
from tickets.models import ServiceTicket

Status = ServiceTicket.Status
# The statuses a customer is told about, with the words the message uses.
STATUS_NEWS: dict[str, str] = {
    Status.IN_PROGRESS: "is being worked on",
    Status.COMPLETED: "is ready",
    Status.CANCELLED: "has been cancelled",
}


def ticket_tracking_url(ticket: ServiceTicket) -> str | None:
    """The customer's page following this ticket (its current tracking link)."""
    return tracking_url(ticket.pk, ticket.tracking_version)


def _vehicle_label(vehicle: Vehicle | None, vin: str) -> str:
    if vehicle is None:
        return vin
    year = vehicle.year or vehicle.model_year
    words = [str(year) if year else "", vehicle.make or vehicle.manufacturer, vehicle.model]
    label = " ".join(word for word in words if word)
    return f"{label} ({vehicle.vin})" if label else vehicle.vin


def _send(ticket: ServiceTicket, template: str, subject: str, context: dict[str, Any]) -> None:
    customer = Customer.objects.only("name", "email", "notify_by_email").get(pk=ticket.customer_id)
    if not customer.notify_by_email:
        return
    vehicle = Vehicle.objects.filter(pk=ticket.vehicle_id).first()
    vehicle_label = _vehicle_label(vehicle, ticket.vin)
    context = {
        "shop_name": settings.SHOP_NAME,
        "customer_name": customer.name,
        "ticket": ticket,
        "vehicle": vehicle_label,
        **context,
    }
    email_enqueue(
        to=customer.email,
        subject=f"{settings.SHOP_NAME}: {subject.format(vehicle=vehicle_label)}",
        text_body=render_to_string(f"tickets/email/{template}.txt", context),
        html_body=render_to_string(f"tickets/email/{template}.html", context),
        ticket_id=ticket.pk,
    )


def notify_status_changed(ticket: ServiceTicket) -> None:
    """Tell the customer its ticket moved to in_progress, completed or cancelled (other moves send nothing)."""
    news = STATUS_NEWS.get(ticket.status)
    if news is None:
        return
    _send(
        ticket,
        "status_changed",
        f"your {{vehicle}} {news}",
        {"news": news, "status": ticket.status, "tracking_url": ticket_tracking_url(ticket)},
    )


def notify_estimate_sent(*, ticket: ServiceTicket, approval_url: str, total: Decimal | None = None) -> None:
    """Send the customer the estimate to approve (estimate_create calls it in its transaction)."""
    _send(
        ticket,
        "estimate_sent",
        "an estimate for your {vehicle}",
        {"approval_url": approval_url, "total": total},
    )
