"""The vehicle admin, with what only the tickets app knows about vehicles: their tickets on the vehicle's page.

customers/ cannot import tickets (the layers), so the tickets app re-registers the vehicle admin with the tickets
inline added, from TicketsConfig.ready(), as it does for the customer admin (tickets/customer_admin.py).
"""

from django.contrib import admin

from customers.admin import VehicleAdmin
from customers.models import Vehicle
from mechanic_shop.core.admin import ViewOnlyInline
from tickets.customer_admin import VIEW_TICKETS
from tickets.models import ServiceTicket


class VehicleTicketInline(ViewOnlyInline):
    """The vehicle's tickets, newest service date first, read-only, each linking to its page. Its customers are
    shown by name only to a user who may view customers (as in the ticket admin), else by id."""

    model = ServiceTicket
    ordering = ["-service_date", "-id"]
    verbose_name_plural = "Service history"
    view_permission = VIEW_TICKETS

    def get_fields(self, request, obj=None):
        customer = "customer_name" if request.user.has_perm("customers.view_customer") else "customer_ref"
        return ["service_date", customer, "status", "mileage_in", "mileage_out", "total_cost"]

    def get_readonly_fields(self, request, obj=None):
        return self.get_fields(request, obj)

    def get_queryset(self, request):
        # The customers' names and the totals, in one query each for all the rows.
        return super().get_queryset(request).select_related("customer").prefetch_related("lines", "labor_lines")

    @admin.display(description="Customer")
    def customer_name(self, obj):
        return obj.customer.name

    @admin.display(description="Customer")
    def customer_ref(self, obj):
        return f"Customer #{obj.customer_id}"

    @admin.display(description="Total")
    def total_cost(self, obj):
        return obj.total_cost


class VehicleWithTicketsAdmin(VehicleAdmin):
    inlines = [*VehicleAdmin.inlines, VehicleTicketInline]


admin.site.unregister(Vehicle)
admin.site.register(Vehicle, VehicleWithTicketsAdmin)
