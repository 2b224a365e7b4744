"""The service ticket admin: the front desk's working page for a ticket.

Every change goes through the ticket services, as the API's do: the ticket's fields, its mechanics, its part lines
(stock taken and given back by ticket_add_part / ticket_remove_part), its labor lines and its status. One save is one
transaction: when a service refuses any part of it (a race the form could not see: stock taken meanwhile, a mechanic
retired), everything that save did is rolled back and the form is shown again with the error and what the user
entered (docs/decisions/0013-ticket-admin-saves-all-or-nothing.md).

What a user sees follows their model permissions, as in the API: without customers.view_customer no customer's
name, e-mail or phone (only its id); without mechanics.view_mechanic no mechanic's name.
"""

import json
from datetime import timedelta
from decimal import Decimal

from django import forms
from django.conf import settings
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.db.models import DecimalField, F, OuterRef, Q, Subquery, Sum, Value
from django.db.models.functions import Coalesce, Round
from django.forms.models import BaseInlineFormSet
from django.http import Http404
from django.urls import reverse
from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe

from customers.models import Customer
from inventory.services import MAX_STOCK
from mechanic_shop.core.admin import ParentGatedInline, ReadOnlyModelAdmin, ViewOnlyInline, act_on_each
from mechanic_shop.core.admin import refusal_message as _message
from mechanic_shop.core.exceptions import Conflict
from mechanic_shop.events.models import Event
from mechanics.models import Mechanic
from tickets import clock
from tickets.estimates import estimate_create
from tickets.links import approval_url
from tickets.models import Estimate, LaborLine, ServiceTicket, TicketPart, TimeEntry
from tickets.services import (
    ALLOWED_TRANSITIONS,
    ticket_add_labor_line,
    ticket_add_part,
    ticket_change_labor_line,
    ticket_create,
    ticket_delete,
    ticket_edit_mechanics,
    ticket_remove_labor_line,
    ticket_remove_part,
    ticket_set_status,
    ticket_update,
)

Status = ServiceTicket.Status
# The ticket's own fields, written by ticket_create / ticket_update (status, mechanics and lines have their services).
# `vin` resolves to the ticket's vehicle through the services (found by VIN, or created for the customer).
TICKET_FIELDS = ["customer", "vin", "service_date", "mileage_in", "mileage_out", "description", "pickup_date",
                 "labor_cost"]  # fmt: skip
# As much as one add-part request of the API may take.
MAX_PARTS_PER_ADD = 1000
MONEY = DecimalField(max_digits=14, decimal_places=2)
CENT = Decimal("0.01")
LABOR_LINE_FIELDS = ("description", "hours", "rate", "mechanic")
# The labor services' error keys → the labor line form's fields.
LABOR_FORM_FIELDS = {"description": "description", "hours": "hours", "rate": "rate", "mechanic_id": "mechanic"}
# Where changeform_view leaves a refusal for the form shown again.
REFUSAL_ATTR = "ticket_admin_refusal"


def change_url_for(ticket_id: int) -> str:
    return reverse("admin:tickets_serviceticket_change", args=[ticket_id])


def _can_view_customers(user) -> bool:
    return user.has_perm("customers.view_customer")


def _can_view_mechanics(user) -> bool:
    return user.has_perm("mechanics.view_mechanic")


# The services' error keys that name a field of the ticket form by another name.
SERVICE_FIELDS = {
    "mechanic_ids": "assigned_mechanics",
    "add_ids": "assigned_mechanics",
    "remove_ids": "assigned_mechanics",
}


class TicketRefused(Exception):
    """A service refused part of an admin save: the whole save rolls back and the form shows `message`.

    `line` is the prefix of the line form it concerns (e.g. "lines-1", "labor_lines-0") and `field` that form's field
    (None: the line as a whole); without `line`, `field` is the ticket form's field.
    """

    def __init__(self, message: str, *, field: str | None = None, line: str | None = None):
        super().__init__(message)
        self.message, self.field, self.line = message, field, line

    @classmethod
    def on_line(cls, exc: Exception, line: str, *, fields: dict[str, str]) -> "TicketRefused":
        """The refusal of a service for the line form `line`, on the form field its error names through `fields`
        (the service's key → the form's field), else on the line as a whole."""
        field = None
        if isinstance(exc, ValidationError) and hasattr(exc, "error_dict") and len(exc.error_dict) == 1:
            (key,) = exc.error_dict
            field = fields.get(key)
        return cls(_message(exc), field=field, line=line)

    @classmethod
    def from_service(cls, exc: Exception, *, field: str | None = None) -> "TicketRefused":
        """The refusal of a ticket service, on the form field its error names (else on `field`)."""
        if isinstance(exc, ValidationError) and hasattr(exc, "error_dict") and len(exc.error_dict) == 1:
            (key,) = exc.error_dict
            field = SERVICE_FIELDS.get(key, key)
        return cls(_message(exc), field=field)


class MechanicChoiceField(forms.ModelMultipleChoiceField):
    """Mechanics by name, or only by id for a user who may not see mechanics."""

    show_names = True

    def label_from_instance(self, obj):
        if not self.show_names:
            return f"Mechanic #{obj.pk}"
        return obj.name if obj.is_active else f"{obj.name} (inactive)"


class ServiceTicketAdminForm(forms.ModelForm):
    assigned_mechanics = MechanicChoiceField(
        queryset=Mechanic.objects.none(),
        required=False,
        widget=admin.widgets.FilteredSelectMultiple("mechanics", is_stacked=False),
        help_text="Only active mechanics can be added; a mechanic retired since stays on the tickets they worked.",
    )
    # Set per request by ServiceTicketAdmin.get_form.
    can_view_mechanics = True
    refusal: TicketRefused | None = None

    class Meta:
        model = ServiceTicket
        fields = [*TICKET_FIELDS, "status"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        ticket = self.instance
        self.loaded_status = ticket.status  # the form writes the chosen one onto the instance before it is saved
        self.current_mechanic_ids = (
            set(ticket.mechanic_links.values_list("mechanic_id", flat=True)) if ticket.pk else set()
        )
        if "assigned_mechanics" in self.fields:
            field = self.fields["assigned_mechanics"]
            # Active mechanics, and the retired ones already on the ticket (kept unless taken off).
            field.queryset = Mechanic.objects.filter(Q(is_active=True) | Q(pk__in=self.current_mechanic_ids)).order_by(
                *(("name", "id") if self.can_view_mechanics else ("id",))
            )
            field.show_names = self.can_view_mechanics
            field.initial = sorted(self.current_mechanic_ids)
        if "status" in self.fields:
            field = self.fields["status"]
            # Any status is accepted and checked in clean_status; only the moves the lifecycle allows are offered.
            field.show_hidden_initial = True  # the status the page was opened with: see clean()
            allowed = {ticket.status, *ALLOWED_TRANSITIONS[ticket.status]}
            field.widget.choices = [(value, label) for value, label in Status.choices if value in allowed]
            field.help_text = "Cancelling gives the ticket's parts back to stock."

    def _status_shown(self) -> str | None:
        """The status the page showed when it was opened (None when not known)."""
        value = self.data.get(self.add_initial_prefix("status"))
        return value if value in Status.values else None

    def clean_vin(self):
        return self.cleaned_data["vin"].strip().upper()

    def clean_status(self):
        status = self.cleaned_data["status"]
        current = self.instance.status
        if status == self._status_shown():
            return current  # left as shown: not a move, even if the ticket moved meanwhile
        if status != current and status not in ALLOWED_TRANSITIONS[current]:
            raise ValidationError(f"A ticket cannot go from {current} to {status}.")
        return status

    def clean(self):
        cleaned = super().clean()
        shown = self._status_shown()
        if (
            self.instance.pk
            and self.instance.is_closed
            and shown is not None
            and shown not in ServiceTicket.CLOSED_STATUSES
        ):
            # Its mechanics and part lines were shown editable; the page now shows them read-only.
            raise ValidationError(
                f"This ticket became {self.instance.status} while the page was open, so nothing was saved: "
                "its mechanics and parts can no longer change. Check the page and save again."
            )
        if self.refusal is not None and self.refusal.line is None:
            field = self.refusal.field if self.refusal.field in self.fields else None
            if field is None or not self.has_error(field):
                self.add_error(field, self.refusal.message)
        return cleaned


class TicketLineForm(forms.ModelForm):
    """A part line: a new one takes its quantity from stock; a changed quantity moves only the difference.

    The difference is from the quantity the page showed (a hidden initial value), so a part taken onto the ticket
    by someone else meanwhile is neither given back nor taken twice.
    """

    # Above zero (remove a line to take all of it off), and within the column (moves are checked in clean).
    quantity = forms.IntegerField(min_value=1, max_value=MAX_STOCK)

    class Meta:
        model = TicketPart
        fields = ["part", "quantity"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        quantity = self.fields["quantity"]
        quantity.show_hidden_initial = True
        if self.instance.pk:
            self.fields["part"].disabled = True  # a line's part does not change: remove the line, add another
        else:
            quantity.initial = 1

    def _quantity_shown(self) -> int:
        if not self.instance.pk:
            return 0
        field = self.fields["quantity"]
        raw = field.hidden_widget().value_from_datadict(self.data, self.files, self.add_initial_prefix("quantity"))
        try:
            shown = field.to_python(raw)
        except ValidationError:
            shown = None
        return self.instance.quantity if shown is None else shown

    def clean(self):
        cleaned = super().clean()
        part, quantity = cleaned.get("part"), cleaned.get("quantity")
        if part is None or quantity is None:
            return cleaned
        ticket_id = self.instance.ticket_id
        if not self.instance.pk and ticket_id and TicketPart.objects.filter(ticket_id=ticket_id, part=part).exists():
            self.add_error("part", f"{part.name} is already on this ticket: change the quantity on its line.")
            return cleaned
        self.quantity_change = quantity - self._quantity_shown()
        if self.quantity_change > MAX_PARTS_PER_ADD:
            self.add_error("quantity", f"At most {MAX_PARTS_PER_ADD} can be added at once.")
        elif self.quantity_change > part.quantity_in_stock:
            self.add_error(
                "quantity",
                f"Not enough {part.name} in stock: {self.quantity_change} asked, {part.quantity_in_stock} left.",
            )
        return cleaned


class TicketLineFormSet(BaseInlineFormSet):
    """Shows a refusal of the last save on the line it concerns (on the field it names, else `refused_field`), or
    for the whole inline when that line is gone or being removed."""

    refusal: TicketRefused | None = None  # set per request by WorkInline.get_formset
    refused_field: str | None = "quantity"

    def clean(self):
        super().clean()
        if self.refusal is None or self.refusal.line is None or not self.refusal.line.startswith(f"{self.prefix}-"):
            return
        for form in self.forms:
            if form.prefix == self.refusal.line and not self._should_delete_form(form):
                field = self.refusal.field if self.refusal.field in form.fields else self.refused_field
                if field is None or not form.has_error(field):
                    form.add_error(field, self.refusal.message)
                return
        raise ValidationError(self.refusal.message)


class WorkInline(ParentGatedInline):
    """Lines worked on the ticket (parts, labor): changed through the ticket services while the ticket is open, with
    the ticket's permissions (as in the API), not the line model's."""

    extra = 1

    def get_formset(self, request, obj=None, **kwargs):
        formset = super().get_formset(request, obj, **kwargs)
        return type(formset.__name__, (formset,), {"refusal": getattr(request, REFUSAL_ATTR, None)})

    view_permission = "tickets.view_serviceticket"

    def can_edit(self, request, obj) -> bool:
        if obj is None:
            return request.user.has_perm("tickets.add_serviceticket")
        return request.user.has_perm("tickets.change_serviceticket") and not obj.is_closed

    @admin.display(description="Line total")
    def line_total(self, obj):
        return obj.line_total if obj.pk else None


class TicketPartInline(WorkInline):
    """The ticket's part lines: stock is taken and given back by the ticket services."""

    model = TicketPart
    form = TicketLineForm
    formset = TicketLineFormSet
    fields = ["part", "quantity", "unit_price", "line_total"]
    readonly_fields = ["unit_price", "line_total"]
    autocomplete_fields = ["part"]
    verbose_name = "part line"
    verbose_name_plural = "Parts on this ticket"


class LaborMechanicField(forms.ModelChoiceField):
    """The mechanic of a labor line, by name, or only by id for a user who may not see mechanics."""

    show_names = True

    def label_from_instance(self, obj):
        if not self.show_names:
            return f"Mechanic #{obj.pk}"
        return obj.name if obj.is_active else f"{obj.name} (inactive)"


class LaborLineForm(forms.ModelForm):
    """A labor line. A changed line writes only the fields changed on the page (each field carries the value the page
    showed), so a change someone made meanwhile to another field is kept. A new line's rate defaults to LABOR_RATE."""

    class Meta:
        model = LaborLine
        fields = ["description", "hours", "rate", "mechanic"]
        field_classes = {"mechanic": LaborMechanicField}

    def __init__(self, *args, ticket: ServiceTicket | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        if "mechanic" not in self.fields:
            return  # shown read only
        rate = self.fields["rate"]
        rate.required = False
        rate.help_text = f"Per hour; empty: {settings.LABOR_RATE}."
        mechanic = self.fields["mechanic"]
        mechanic.help_text = "Optional: one of the ticket's mechanics (assign one and save to offer it here)."
        # The ticket's mechanics and the line's own; on a new ticket, the active mechanics (assigned in the same save).
        # The services check again that the one chosen is on the ticket when the line is written.
        offered = Q(ticket_links__ticket=ticket) if ticket is not None and ticket.pk else Q(is_active=True)
        mechanic.queryset = (
            Mechanic.objects.filter(offered | Q(pk=self.instance.mechanic_id))
            .distinct()
            .order_by(*(("name", "id") if mechanic.show_names else ("id",)))
        )
        if self.instance.pk:
            for name in LABOR_LINE_FIELDS:
                self.fields[name].show_hidden_initial = True  # changed_data: changed from the page as it was shown
        else:
            rate.initial = settings.LABOR_RATE

    def service_fields(self) -> dict:
        """By the services' names (`mechanic_id`): a new line's fields, or a line's changed ones."""
        changes = {}
        for name in [n for n in self.changed_data if n in LABOR_LINE_FIELDS] if self.instance.pk else LABOR_LINE_FIELDS:
            value = self.cleaned_data[name]
            if name == "mechanic":
                changes["mechanic_id"] = value.pk if value is not None else None
            elif name == "rate" and value is None:
                changes["rate"] = settings.LABOR_RATE
            else:
                changes[name] = value
        return changes


class LaborLineFormSet(TicketLineFormSet):
    refused_field = None

    def get_form_kwargs(self, index):
        # The ticket for every line's form, the new ones too (the formset sets their ticket only after making them).
        return {**super().get_form_kwargs(index), "ticket": self.instance}


class LaborLineInline(WorkInline):
    """The ticket's labor lines: added, changed and removed by the ticket services."""

    model = LaborLine
    form = LaborLineForm
    formset = LaborLineFormSet
    fields = ["description", "hours", "rate", "mechanic", "line_total"]
    readonly_fields = ["line_total"]
    verbose_name = "labor line"
    verbose_name_plural = "Labor on this ticket"

    def get_fields(self, request, obj=None):
        if self.can_edit(request, obj) or _can_view_mechanics(request.user):
            return self.fields
        return ["description", "hours", "rate", "mechanic_ref", "line_total"]

    def get_readonly_fields(self, request, obj=None):
        return [*self.readonly_fields, "mechanic_ref"]

    def get_formset(self, request, obj=None, **kwargs):
        formset = super().get_formset(request, obj, **kwargs)
        mechanic = formset.form.base_fields.get("mechanic")
        if mechanic is not None:
            mechanic.show_names = _can_view_mechanics(request.user)
        return formset

    @admin.display(description="Mechanic")
    def mechanic_ref(self, obj):
        return f"Mechanic #{obj.mechanic_id}" if obj.mechanic_id else "-"


class TimeEntryInline(ViewOnlyInline):
    """The ticket's time clock, read only: mechanics clock in and out through the API (their phone)."""

    model = TimeEntry
    view_permission = "tickets.view_serviceticket"
    show_change_link = False
    readonly_fields = ["mechanic_name", "mechanic_ref", "started_at", "ended_at", "minutes"]
    verbose_name = "time entry"
    verbose_name_plural = "Time clock"

    def get_fields(self, request, obj=None):
        mechanic = "mechanic_name" if _can_view_mechanics(request.user) else "mechanic_ref"
        return [mechanic, "started_at", "ended_at", "minutes"]

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("mechanic")

    @admin.display(description="Mechanic")
    def mechanic_name(self, obj):
        return obj.mechanic.name

    @admin.display(description="Mechanic")
    def mechanic_ref(self, obj):
        return f"Mechanic #{obj.mechanic_id}"

    @admin.display(description="Minutes")
    def minutes(self, obj):
        return obj.minutes if obj.minutes is not None else "clocked in"


def estimates_table(ticket: ServiceTicket):
    """A ticket's estimates, newest first, as a read-only table: status, totals, lines (declined ones marked) and the
    link of a pending one. A field of the ticket's page, not an inline: nothing of it is ever posted back."""
    rows = format_html_join(
        "",
        "<tr><td>#{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
        (
            (
                estimate.pk,
                estimate.created_at.strftime("%Y-%m-%d %H:%M"),
                estimate.shown_status,
                estimate.total,
                estimate.approved_total if estimate.approved_total is not None else "—",
                format_html_join(
                    mark_safe("<br>"),
                    "{} × {} = {}{}",
                    (
                        (line.description, line.quantity, line.line_total, " (declined)" if line.declined else "")
                        for line in estimate.lines.all()
                    ),
                ),
                format_html('<a href="{}">approval page</a>', approval_url(estimate.pk))
                if estimate.status == Estimate.Status.PENDING and not estimate.is_expired
                else "—",
            )
            for estimate in ticket.estimates.prefetch_related("lines").order_by("-created_at", "-id")
        ),
    )
    if not rows:
        return "None yet: the list action “Create and send an estimate” makes one."
    return format_html(
        '<table id="ticket-estimates"><thead><tr><th>Estimate</th><th>Created</th><th>Status</th><th>Total</th>'
        "<th>Approved</th><th>Lines</th><th>Link</th></tr></thead><tbody>{}</tbody></table>",
        rows,
    )


@admin.register(ServiceTicket)
class ServiceTicketAdmin(admin.ModelAdmin):
    form = ServiceTicketAdminForm
    list_select_related = ["customer"]
    autocomplete_fields = ["customer"]
    date_hierarchy = "service_date"
    readonly_fields = [
        "customer_ref",
        "vehicle_link",
        "mechanics_on_ticket",
        "mechanic_ids_on_ticket",
        "parts_total",
        "labor_total",
        "total_cost",
        "billed_hours",
        "clocked_hours",
        "completed_at",
        "created_at",
        "updated_at",
        "estimates",
        "stage_durations_shown",
        "timeline",
    ]
    inlines = [TicketPartInline, LaborLineInline, TimeEntryInline]
    actions = ["start_work", "complete", "cancel", "send_estimate"]
    ordering = ["-created_at", "-id"]

    # --- What each user may see -------------------------------------------------------------------------------

    def get_inlines(self, request, obj):
        if obj is None:  # a new ticket has no clock yet
            return [inline for inline in self.inlines if inline is not TimeEntryInline]
        return self.inlines

    def get_list_display(self, request):
        # The customer's name only (its e-mail is on its page, and searchable): the totals must fit beside it.
        customer = "customer_name" if _can_view_customers(request.user) else "customer_ref"
        return ["id", "vin", customer, "status", "service_date", "pickup_date", "listed_parts_total",
                "listed_labor_total", "listed_total", "created_at"]  # fmt: skip

    def get_list_filter(self, request):
        if _can_view_mechanics(request.user):
            return ["status", "mechanics", "service_date", "created_at"]
        return ["status", "service_date", "created_at"]

    def get_search_fields(self, request):
        if _can_view_customers(request.user):
            return ["vin", "description", "customer__name", "customer__email"]
        return ["vin", "description"]

    def get_queryset(self, request):
        # The totals as columns: one subquery in the list's own query, whatever the number of rows.
        lines = (
            TicketPart.objects.filter(ticket=OuterRef("pk"))
            .values("ticket")
            .annotate(total=Sum(F("quantity") * F("unit_price"), output_field=MONEY))
            .values("total")
        )
        parts_total = Coalesce(Subquery(lines, output_field=MONEY), Value(Decimal("0.00")), output_field=MONEY)
        # Each labor line's total is rounded to the cent before the sum, as LaborLine.line_total is.
        labor = (
            LaborLine.objects.filter(ticket=OuterRef("pk"))
            .values("ticket")
            .annotate(total=Sum(Round(F("hours") * F("rate"), 2), output_field=MONEY))
            .values("total")
        )
        labor_lines_total = Coalesce(Subquery(labor, output_field=MONEY), Value(Decimal("0.00")), output_field=MONEY)
        return (
            super()
            .get_queryset(request)
            .annotate(listed_parts_total=parts_total)
            .annotate(listed_labor_total=F("labor_cost") + labor_lines_total)
            .annotate(listed_total=F("listed_labor_total") + F("listed_parts_total"))
        )

    def get_fields(self, request, obj=None):
        editable = self.has_change_permission(request, obj) if obj else self.has_add_permission(request)
        customer = "customer" if editable or _can_view_customers(request.user) else "customer_ref"
        if editable and not (obj and obj.is_closed):
            mechanics = "assigned_mechanics"
        else:
            mechanics = "mechanics_on_ticket" if _can_view_mechanics(request.user) else "mechanic_ids_on_ticket"
        if obj is None:
            return [customer, "vin", "service_date", "mileage_in", "mileage_out", "description", mechanics,
                    "pickup_date", "labor_cost"]  # fmt: skip
        return [customer, "vin", "vehicle_link", "service_date", "mileage_in", "mileage_out", "description", "status",
                mechanics, "pickup_date", "parts_total", "labor_cost", "labor_total", "total_cost", "billed_hours",
                "clocked_hours", "estimates", "completed_at", "created_at", "updated_at", "stage_durations_shown",
                "timeline"]  # fmt: skip

    def get_fieldsets(self, request, obj=None):
        fields = self.get_fields(request, obj)
        totals = [
            name
            for name in ("parts_total", "labor_cost", "labor_total", "total_cost", "billed_hours", "clocked_hours")
            if name in fields
        ]
        dates = [name for name in ("completed_at", "created_at", "updated_at") if name in fields]
        history = [name for name in ("stage_durations_shown", "timeline") if name in fields]
        main = [name for name in fields if name not in totals and name not in dates and name not in history]
        fieldsets = [(None, {"fields": main}), ("Totals", {"fields": totals})]
        if dates:
            fieldsets.append(("Dates", {"fields": dates}))
        if history:
            fieldsets.append(("Timeline", {"fields": history}))
        return fieldsets

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change, **kwargs)
        attrs = {
            "can_view_mechanics": _can_view_mechanics(request.user),
            "refusal": getattr(request, REFUSAL_ATTR, None),
        }
        return type(form.__name__, (form,), attrs)

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        if db_field.name == "customer" and not _can_view_customers(request.user):
            # No picker or label that would show a customer's name: the id, as the API takes it.
            return forms.ModelChoiceField(
                queryset=Customer.objects.all(),
                widget=forms.NumberInput,
                label="Customer id",
                error_messages={"invalid_choice": "There is no customer with this id."},
            )
        return super().formfield_for_dbfield(db_field, request, **kwargs)

    @admin.display(description="Customer", ordering="customer__name")
    def customer_name(self, obj):
        return obj.customer.name

    @admin.display(description="Customer", ordering="customer_id")
    def customer_ref(self, obj):
        return f"Customer #{obj.customer_id}"

    @admin.display(description="Vehicle")
    def vehicle_link(self, obj):
        """A link to the ticket's vehicle page, by id and VIN (nothing about its owner: the vehicle's page answers
        only a user who may view vehicles)."""
        if obj.vehicle_id is None:
            return "-"
        url = reverse("admin:customers_vehicle_change", args=[obj.vehicle_id])
        return format_html('<a href="{}">Vehicle #{} ({})</a>', url, obj.vehicle_id, obj.vin)

    @admin.display(description="Mechanics")
    def mechanics_on_ticket(self, obj):
        return ", ".join(obj.mechanics.order_by("name", "id").values_list("name", flat=True)) or "-"

    @admin.display(description="Mechanics")
    def mechanic_ids_on_ticket(self, obj):
        ids = obj.mechanic_links.order_by("mechanic_id").values_list("mechanic_id", flat=True)
        return ", ".join(f"Mechanic #{pk}" for pk in ids) or "-"

    @admin.display(description="Time in each status")
    def stage_durations_shown(self, obj):
        spent = [f"{status}: {timedelta(seconds=seconds)}" for status, seconds in (obj.stage_durations or {}).items()]
        return "; ".join([*spent, f"{obj.status} since {obj.status_since:%Y-%m-%d %H:%M:%S} UTC"])

    @admin.display(description="Events")
    def timeline(self, obj):
        """Everything that happened to the ticket, oldest first (read-only: events are never edited)."""
        events = Event.objects.filter(ticket_id=obj.pk).order_by("id")
        rows = format_html_join(
            "",
            "<tr><td>{}</td><td>{}</td><td>{}</td><td><code>{}</code></td></tr>",
            (
                (
                    f"{e.created_at:%Y-%m-%d %H:%M:%S}",
                    e.type,
                    f"{e.actor_kind} #{e.actor_id}" if e.actor_id else e.actor_kind,
                    json.dumps(e.data, ensure_ascii=False),
                )
                for e in events
            ),
        )
        return format_html(
            '<table class="ticket-timeline"><thead><tr><th>When (UTC)</th><th>Event</th><th>By</th><th>Data</th>'
            "</tr></thead><tbody>{}</tbody></table>",
            rows,
        )

    @admin.display(description="Clocked hours")
    def clocked_hours(self, obj):
        seconds = obj.time_entries.filter(ended_at__isnull=False).aggregate(total=Sum("seconds"))["total"]
        return clock.clocked_hours(seconds)

    @admin.display(description="Parts total", ordering="listed_parts_total")
    def listed_parts_total(self, obj):
        return obj.listed_parts_total.quantize(CENT)  # SQLite's sum drops trailing zeros

    @admin.display(description="Labor", ordering="listed_labor_total")
    def listed_labor_total(self, obj):
        return obj.listed_labor_total.quantize(CENT)

    @admin.display(description="Total", ordering="listed_total")
    def listed_total(self, obj):
        return obj.listed_total.quantize(CENT)

    @admin.display(description="Estimates")
    def estimates(self, obj):
        return estimates_table(obj)

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        # The admin's own view runs a POST in a transaction; a TicketRefused leaving it rolls all of it back.
        try:
            return super().changeform_view(request, object_id, form_url, extra_context)
        except TicketRefused as refusal:
            # Show the same form again, bound to what was posted, with the refusal as its error (nothing is saved:
            # the form is invalid this time).
            setattr(request, REFUSAL_ATTR, refusal)
            return super().changeform_view(request, object_id, form_url, extra_context)

    # --- Saving through the services (inside the admin's transaction) --------------------------------------------

    def save_model(self, request, obj, form, change):
        fields = {name: form.cleaned_data[name] for name in TICKET_FIELDS if name in form.cleaned_data}
        if not change:
            mechanic_ids = [m.pk for m in form.cleaned_data.get("assigned_mechanics", [])]
            try:
                created = ticket_create(mechanic_ids=mechanic_ids, **fields)
            except ValidationError as exc:
                raise TicketRefused.from_service(exc) from exc
            obj.pk = created.pk
            obj.refresh_from_db()
            return
        # Only what the form changed: the rest is not written back over a change made meanwhile.
        changes = {name: value for name, value in fields.items() if name in form.changed_data}
        if changes:
            try:
                ticket_update(ticket=obj, by=request.user, **changes)
            except ValidationError as exc:
                raise TicketRefused.from_service(exc) from exc

    def save_related(self, request, form, formsets, change):
        ticket = form.instance
        if change and "assigned_mechanics" in form.cleaned_data:
            wanted = {m.pk for m in form.cleaned_data["assigned_mechanics"]}
            current = set(ticket.mechanic_links.values_list("mechanic_id", flat=True))
            if wanted != current:
                try:
                    ticket_edit_mechanics(ticket=ticket, add_ids=wanted - current, remove_ids=current - wanted)
                except (Conflict, ValidationError) as exc:
                    raise TicketRefused.from_service(exc, field="assigned_mechanics") from exc
        super().save_related(request, form, formsets, change)  # the part lines: save_formset
        # The status last, so the lines changed in the same save are on the ticket it completes or cancels.
        status = form.cleaned_data.get("status")
        if change and status and status != form.loaded_status:
            try:
                ticket_set_status(ticket=ticket, status=status, by=request.user)
            except (Conflict, ValidationError) as exc:
                raise TicketRefused.from_service(exc, field="status") from exc

    def save_formset(self, request, form, formset, change):
        if formset.model is LaborLine:
            self._save_labor_lines(form.instance, formset)
            return
        if formset.model is not TicketPart:
            super().save_formset(request, form, formset, change)
            return
        ticket = form.instance
        # What the change message reads (formset.save() would set these; the services write instead).
        formset.new_objects, formset.changed_objects, formset.deleted_objects = [], [], []
        for line_form in formset.forms:
            line = line_form.instance
            try:
                if line.pk and line_form in formset.deleted_forms:
                    ticket_remove_part(ticket=ticket, part=line.part, by=request.user)
                    formset.deleted_objects.append(line)
                elif not line_form.has_changed() or line_form in formset.deleted_forms:
                    continue
                elif not line.pk:
                    part = line_form.cleaned_data["part"]
                    quantity = line_form.cleaned_data["quantity"]
                    formset.new_objects.append(
                        ticket_add_part(ticket=ticket, part=part, quantity=quantity, by=request.user)
                    )
                elif line_form.quantity_change > 0:
                    ticket_add_part(ticket=ticket, part=line.part, quantity=line_form.quantity_change, by=request.user)
                    formset.changed_objects.append((line, ["quantity"]))
                elif line_form.quantity_change < 0:
                    ticket_remove_part(
                        ticket=ticket, part=line.part, quantity=-line_form.quantity_change, by=request.user
                    )
                    formset.changed_objects.append((line, ["quantity"]))
            except (Conflict, ValidationError, Http404) as exc:
                raise TicketRefused(_message(exc), line=line_form.prefix) from exc

    def _save_labor_lines(self, ticket, formset):
        formset.new_objects, formset.changed_objects, formset.deleted_objects = [], [], []
        for line_form in formset.forms:
            line = line_form.instance
            try:
                if line.pk and line_form in formset.deleted_forms:
                    ticket_remove_labor_line(ticket=ticket, line_id=line.pk)
                    formset.deleted_objects.append(line)
                elif not line_form.has_changed() or line_form in formset.deleted_forms:
                    continue
                elif not line.pk:
                    formset.new_objects.append(ticket_add_labor_line(ticket=ticket, **line_form.service_fields()))
                else:
                    changes = line_form.service_fields()
                    ticket_change_labor_line(ticket=ticket, line_id=line.pk, **changes)
                    formset.changed_objects.append((line, line_form.changed_data))
            except (Conflict, ValidationError, Http404) as exc:
                raise TicketRefused.on_line(exc, line_form.prefix, fields=LABOR_FORM_FIELDS) from exc

    def has_delete_permission(self, request, obj=None):
        # A completed ticket is the shop's history.
        if obj is not None and obj.status == Status.COMPLETED:
            return False
        return super().has_delete_permission(request, obj)

    def delete_model(self, request, obj):
        ticket_delete(ticket=obj, by=request.user)

    def delete_queryset(self, request, queryset):
        kept = []
        for ticket in queryset:
            try:
                ticket_delete(ticket=ticket, by=request.user)
            except Conflict:
                kept.append(f"#{ticket.pk}")
        if kept:
            self.message_user(request, f"Completed tickets are kept: {', '.join(kept)}.", level=messages.WARNING)

    # --- List actions ------------------------------------------------------------------------------------------

    def _move(self, request, queryset, status: str, label: str):
        def move(ticket):
            ticket_set_status(ticket=ticket, status=status, by=request.user)

        act_on_each(self, request, queryset, move, f"ticket(s) {label}")

    @admin.action(description="Start work (open → in progress)", permissions=["change"])
    def start_work(self, request, queryset):
        self._move(request, queryset, Status.IN_PROGRESS, "started")

    @admin.action(description="Complete (in progress → completed)", permissions=["change"])
    def complete(self, request, queryset):
        self._move(request, queryset, Status.COMPLETED, "completed")

    @admin.action(description="Cancel (parts go back to stock)", permissions=["change"])
    def cancel(self, request, queryset):
        self._move(request, queryset, Status.CANCELLED, "cancelled")

    @admin.action(description="Create and send an estimate (shows the approval link)", permissions=["change"])
    def send_estimate(self, request, queryset):
        """The same service as POST /service-tickets/{id}/estimates; "send" shows the link to give the customer."""
        refused = []
        for ticket in queryset:
            try:
                estimate = estimate_create(ticket=ticket, by=request.user)
            except (Conflict, ValidationError) as exc:
                refused.append(f"#{ticket.pk}: {_message(exc)}")
                continue
            self.message_user(
                request,
                format_html(
                    'Estimate #{} for ticket #{} ({}): send the customer <a href="{}">{}</a>',
                    estimate.pk,
                    ticket.pk,
                    estimate.total,
                    url := approval_url(estimate.pk, request),
                    url,
                ),
            )
        if refused:
            self.message_user(request, "No estimate: " + " ".join(refused), level=messages.WARNING)


@admin.register(TimeEntry)
class TimeEntryAdmin(ReadOnlyModelAdmin):
    """The shop's time clock, read only (mechanics clock in and out through the API): who is clocked in now, and
    every entry by mechanic and day. Seen with the ticket's view permission, as on the ticket's page."""

    view_permission = "tickets.view_serviceticket"
    list_select_related = ["mechanic"]
    list_filter = [("ended_at", admin.EmptyFieldListFilter), "started_at"]
    date_hierarchy = "started_at"
    ordering = ["-started_at", "-id"]
    list_per_page = 50

    def get_list_display(self, request):
        mechanic = "mechanic_name" if _can_view_mechanics(request.user) else "mechanic_ref"
        return ["id", mechanic, "ticket_link", "started_at", "ended_at", "minutes"]

    def get_list_filter(self, request):
        if _can_view_mechanics(request.user):
            return ["mechanic", *self.list_filter]
        return self.list_filter

    def get_fields(self, request, obj=None):
        mechanic = "mechanic_name" if _can_view_mechanics(request.user) else "mechanic_ref"
        return [mechanic, "ticket_link", "started_at", "ended_at", "minutes"]

    def get_readonly_fields(self, request, obj=None):
        return self.get_fields(request, obj)

    @admin.display(description="Mechanic", ordering="mechanic__name")
    def mechanic_name(self, obj):
        return obj.mechanic.name

    @admin.display(description="Mechanic", ordering="mechanic_id")
    def mechanic_ref(self, obj):
        return f"Mechanic #{obj.mechanic_id}"

    @admin.display(description="Ticket", ordering="ticket_id")
    def ticket_link(self, obj):
        return format_html('<a href="{}">#{}</a>', change_url_for(obj.ticket_id), obj.ticket_id)

    @admin.display(description="Minutes", ordering="seconds")
    def minutes(self, obj):
        return obj.minutes if obj.minutes is not None else "clocked in"
