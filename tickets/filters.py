import django_filters

from mechanic_shop.api.filters import IdFilter
from tickets.models import ServiceTicket


class ServiceTicketFilterSet(django_filters.FilterSet):
    status = django_filters.ChoiceFilter(choices=ServiceTicket.Status.choices)
    customer_id = IdFilter(field_name="customer_id")
    # Through the link table only: no join to the mechanics table is needed to filter.
    mechanic_id = IdFilter(field_name="mechanic_links__mechanic_id")
    vin = django_filters.CharFilter(method="filter_vin", max_length=17)
    # service_date_after / service_date_before, both ends included.
    service_date = django_filters.DateFromToRangeFilter()

    class Meta:
        model = ServiceTicket
        fields = ["status", "customer_id", "mechanic_id", "vin", "service_date"]

    def filter_vin(self, queryset, name, value):
        return queryset.filter(vin=value.strip().upper())
