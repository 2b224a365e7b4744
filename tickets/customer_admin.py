"""The customer admin, with what only the tickets app knows about customers: their tickets on the customer's page,
a ticket count in the list, and a delete that says a customer with tickets is kept.

customers/ cannot import tickets (the layers), so the tickets app re-registers the customer admin with these added,
from TicketsConfig.ready() (docs/decisions/0014-the-front-desk-admin.md).
"""

from django.contrib import admin
from django.db.models import Count, IntegerField, OuterRef, Subquery
from django.db.models.functions import Coalesce

from customers.admin import CustomerAdmin
from customers.models import Customer
from mechanic_shop.core.admin import ViewOnlyInline
from tickets.models import ServiceTicket

VIEW_TICKETS = "tickets.view_serviceticket"


class CustomerTicketInline(ViewOnlyInline):
    """The customer's tickets, newest first, read-only, each linking to its page."""

    model = ServiceTicket
    fields = ["vin", "service_date", "status", "total_cost", "completed_at"]
    readonly_fields = fields
    verbose_name_plural = "Service tickets"
    view_permission = VIEW_TICKETS

    def get_queryset(self, request):
        return (
            super().get_queryset(request).prefetch_related("lines", "labor_lines")
        )  # the totals, in one query for all

    @admin.display(description="Total")
    def total_cost(self, obj):
        return obj.total_cost


def _ticket_counts(customers) -> dict[int, int]:
    """customer id → number of tickets, for the customers that have any; one query."""
    rows = (
        ServiceTicket.objects.filter(customer__in=customers)
        .order_by()
        .values_list("customer")
        .annotate(count=Count("pk"))
    )
    return dict(rows)


class CustomerWithTicketsAdmin(CustomerAdmin):
    inlines = [*CustomerAdmin.inlines, CustomerTicketInline]
    delete_confirmation_template = "admin/tickets/customer_delete_confirmation.html"
    delete_selected_confirmation_template = "admin/tickets/customer_delete_selected_confirmation.html"

    def get_queryset(self, request):
        # A correlated count per customer shown: computed for the page's rows only, left out of the paginator's
        # COUNT(*), and it uses the (customer, created_at) index.
        tickets = (
            ServiceTicket.objects.filter(customer=OuterRef("pk"))
            .order_by()
            .values("customer")
            .annotate(count=Count("pk"))
            .values("count")
        )
        return (
            super()
            .get_queryset(request)
            .annotate(ticket_count=Coalesce(Subquery(tickets, output_field=IntegerField()), 0))
        )

    def get_list_display(self, request):
        columns = list(super().get_list_display(request))
        if request.user.has_perm(VIEW_TICKETS):
            columns.insert(columns.index("created_at"), "ticket_count")
        return columns

    @admin.display(description="Tickets", ordering="ticket_count")
    def ticket_count(self, obj):
        return obj.ticket_count

    def get_deleted_objects(self, objs, request):
        """A customer with tickets is kept: the shop keeps its tickets as history. Answered as "protected", which
        the admin's delete page and delete action both show instead of deleting, whatever the user's rights."""
        counts = _ticket_counts(objs)
        if counts:
            blocked = [customer for customer in objs if counts.get(customer.pk)]
            protected = [
                f"{customer} has {counts[customer.pk]} service ticket{'s' if counts[customer.pk] != 1 else ''}"
                for customer in blocked
            ]
            return [], {}, set(), protected
        return super().get_deleted_objects(objs, request)


admin.site.unregister(Customer)
admin.site.register(Customer, CustomerWithTicketsAdmin)
