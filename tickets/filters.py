import django_filters

from mechanic_shop.api.filters import IdFilter
from tickets.models import ServiceTicket

STATUS_VALUES = ", ".join(ServiceTicket.Status.values)
INVALID_DATE = "Enter a valid date as YYYY-MM-DD."


class ServiceTicketFilterSet(django_filters.FilterSet):
    status = django_filters.ChoiceFilter(
        choices=ServiceTicket.Status.choices,
        error_messages={"invalid_choice": f"“%(value)s” is not a status; use one of: {STATUS_VALUES}."},
    )
    customer_id = IdFilter(field_name="customer_id")
    vehicle_id = IdFilter(field_name="vehicle_id", label="Tickets of this vehicle.")
    # Through the link table only: no join to the mechanics table is needed to filter.
    mechanic_id = IdFilter(field_name="mechanic_links__mechanic_id")
    vin = django_filters.CharFilter(method="filter_vin", max_length=17)
    # Two filters rather than one DateFromToRangeFilter, so that an error is keyed by the parameter sent, not by a
    # `service_date` the request does not have. Both ends are included.
    service_date_after = django_filters.DateFilter(
        field_name="service_date",
        lookup_expr="gte",
        label="Tickets serviced on or after this date.",
        error_messages={"invalid": INVALID_DATE},
    )
    service_date_before = django_filters.DateFilter(
        field_name="service_date",
        lookup_expr="lte",
        label="Tickets serviced on or before this date.",
        error_messages={"invalid": INVALID_DATE},
    )

    class Meta:
        model = ServiceTicket
        fields = [
            "status",
            "customer_id",
            "vehicle_id",
            "mechanic_id",
            "vin",
            "service_date_after",
            "service_date_before",
        ]

    def filter_vin(self, queryset, name, value):
        return queryset.filter(vin=value.strip().upper())
