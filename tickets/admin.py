from django import forms
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.db import transaction

from mechanic_shop.core.exceptions import Conflict
from mechanics.models import Mechanic
from tickets.models import ServiceTicket, TicketMechanic, TicketPart
from tickets.services import (
    ticket_create,
    ticket_delete,
    ticket_edit_mechanics,
    ticket_set_status,
    ticket_update,
)

Status = ServiceTicket.Status


class _ReadOnlyInline(admin.TabularInline):
    """Lines change only through the ticket services (API actions, or the form fields above them)."""

    extra = 0
    can_delete = False
    show_change_link = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_view_permission(self, request, obj=None):
        return request.user.has_perm("tickets.view_serviceticket")


class TicketMechanicInline(_ReadOnlyInline):
    model = TicketMechanic
    fields = ["mechanic"]
    readonly_fields = ["mechanic"]
    verbose_name_plural = "Mechanics on this ticket"


class TicketPartInline(_ReadOnlyInline):
    model = TicketPart
    fields = ["part", "quantity", "unit_price", "line_total"]
    readonly_fields = fields
    verbose_name_plural = "Parts on this ticket"


class ServiceTicketAdminForm(forms.ModelForm):
    assigned_mechanics = forms.ModelMultipleChoiceField(
        queryset=Mechanic.objects.all(),
        required=False,
        widget=admin.widgets.FilteredSelectMultiple("mechanics", is_stacked=False),
        help_text="Only active mechanics can be added; a closed ticket's mechanics cannot change.",
    )

    class Meta:
        model = ServiceTicket
        fields = ["vin", "service_date", "description", "customer", "pickup_date", "labor_cost"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.fields["assigned_mechanics"].initial = list(self.instance.mechanics.values_list("pk", flat=True))

    def clean_vin(self):
        return self.cleaned_data["vin"].strip().upper()


@admin.register(ServiceTicket)
class ServiceTicketAdmin(admin.ModelAdmin):
    form = ServiceTicketAdminForm
    list_display = ["id", "vin", "customer", "status", "service_date", "pickup_date", "labor_cost", "created_at"]
    list_filter = ["status", "service_date", "created_at"]
    search_fields = ["vin", "customer__name", "customer__email", "description"]
    list_select_related = ["customer"]
    autocomplete_fields = ["customer"]
    date_hierarchy = "service_date"
    readonly_fields = ["status", "completed_at", "created_at", "updated_at"]
    inlines = [TicketMechanicInline, TicketPartInline]
    actions = ["start_work", "complete", "cancel"]
    ordering = ["-created_at", "-id"]

    def save_model(self, request, obj, form, change):
        # The ticket's own fields; the admin's generated form also lists assigned_mechanics (see save_related).
        fields = {
            name: form.cleaned_data[name] for name in ServiceTicketAdminForm.Meta.fields if name in form.cleaned_data
        }
        if change:
            ticket_update(ticket=obj, **fields)
        else:
            created = ticket_create(**fields)
            obj.pk = created.pk
            obj.refresh_from_db()

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)  # the inlines are read-only: this changes nothing
        wanted = {m.pk for m in form.cleaned_data.get("assigned_mechanics", [])}
        current = set(form.instance.mechanics.values_list("pk", flat=True))
        if wanted == current:
            return
        try:
            with transaction.atomic():
                ticket_edit_mechanics(ticket=form.instance, add_ids=wanted - current, remove_ids=current - wanted)
        except (Conflict, ValidationError) as exc:
            message = exc.detail if isinstance(exc, Conflict) else "; ".join(exc.messages)
            self.message_user(request, f"Mechanics not changed: {message}", level=messages.ERROR)

    def has_delete_permission(self, request, obj=None):
        # A completed ticket is the shop's history.
        if obj is not None and obj.status == Status.COMPLETED:
            return False
        return super().has_delete_permission(request, obj)

    def delete_model(self, request, obj):
        ticket_delete(ticket=obj)

    def delete_queryset(self, request, queryset):
        kept = []
        for ticket in queryset:
            try:
                ticket_delete(ticket=ticket)
            except Conflict:
                kept.append(f"#{ticket.pk}")
        if kept:
            self.message_user(request, f"Completed tickets are kept: {', '.join(kept)}.", level=messages.WARNING)

    def _move(self, request, queryset, status: str, label: str):
        moved, refused = 0, []
        for ticket in queryset:
            try:
                with transaction.atomic():
                    ticket_set_status(ticket=ticket, status=status)
                moved += 1
            except (Conflict, ValidationError) as exc:
                refused.append(f"#{ticket.pk}: {exc.detail if isinstance(exc, Conflict) else '; '.join(exc.messages)}")
        if moved:
            self.message_user(request, f"{moved} ticket(s) {label}.")
        if refused:
            self.message_user(request, "Not changed: " + " ".join(refused), level=messages.WARNING)

    @admin.action(description="Start work (open → in progress)", permissions=["change"])
    def start_work(self, request, queryset):
        self._move(request, queryset, Status.IN_PROGRESS, "started")

    @admin.action(description="Complete (in progress → completed)", permissions=["change"])
    def complete(self, request, queryset):
        self._move(request, queryset, Status.COMPLETED, "completed")

    @admin.action(description="Cancel (parts go back to stock)", permissions=["change"])
    def cancel(self, request, queryset):
        self._move(request, queryset, Status.CANCELLED, "cancelled")
