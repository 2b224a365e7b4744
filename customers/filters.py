import django_filters

from customers.models import Vehicle
from mechanic_shop.api.filters import IdFilter


class VehicleFilterSet(django_filters.FilterSet):
    customer_id = IdFilter(field_name="customer_id", label="Vehicles owned by this customer.")
    # Not stripped: a value longer than a VIN is a 400, as the schema's maxLength says, whatever characters it ends in.
    vin = django_filters.CharFilter(
        method="filter_vin", max_length=17, strip=False, label="The vehicle with this VIN (any case)."
    )

    class Meta:
        model = Vehicle
        fields = ["customer_id", "vin"]

    def filter_vin(self, queryset, name, value):
        return queryset.filter(vin=value.strip().upper())
