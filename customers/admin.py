from django import forms
from django.contrib import admin
from django.contrib.auth import get_user_model
from django.contrib.auth.admin import UserAdmin
from django.core.exceptions import ValidationError

from customers import vins
from customers.models import Customer, Vehicle
from customers.services import (
    WRONG_CHECK_DIGIT,
    customer_check_email,
    customer_create,
    customer_delete,
    customer_update,
    customer_validate_password,
    vehicle_check_year,
    vehicle_create,
    vehicle_delete,
    vehicle_normalize_plate,
    vehicle_normalize_vin,
    vehicle_update,
)
from mechanic_shop.core.admin import ViewOnlyInline

FIELDS = ["name", "email", "phone_number"]


class CustomerAdminForm(forms.ModelForm):
    new_password = forms.CharField(
        required=False,
        strip=False,
        widget=forms.PasswordInput(render_value=False),
        help_text="Set to give this customer a login (or a new password; their refresh tokens are revoked).",
    )

    class Meta:
        model = Customer
        fields = FIELDS

    def clean_email(self):
        try:
            return customer_check_email(email=self.cleaned_data["email"], customer=self.instance)
        except ValidationError as exc:
            raise ValidationError(exc.message_dict["email"]) from exc

    def clean(self):
        cleaned = super().clean()
        password = cleaned.get("new_password")
        if password:
            # The same rules as the API, the similarity to the customer's own name and email included.
            try:
                customer_validate_password(
                    password=password,
                    name=cleaned.get("name") or self.instance.name or "",
                    email=cleaned.get("email") or self.instance.email or "",
                )
            except ValidationError as exc:
                self.add_error("new_password", exc.message_dict["password"])
        return cleaned


VIEW_VEHICLES = "customers.view_vehicle"
VIEW_CUSTOMERS = "customers.view_customer"
VEHICLE_FIELDS = ["vin", "customer", "year", "make", "model", "license_plate"]
VEHICLE_COMPUTED = [
    "vin_check",
    "manufacturer",
    "model_year",
    "odometer",
    "ticket_count",
    "last_service_date",
    "created_at",
    "updated_at",
]


class CustomerVehicleInline(ViewOnlyInline):
    """The customer's vehicles, read-only, each linking to its page; shown to users who may view vehicles."""

    model = Vehicle
    fields = ["vin", "year", "make", "model", "license_plate", "odometer", "ticket_count", "last_service_date"]
    readonly_fields = fields
    verbose_name_plural = "Vehicles"
    view_permission = VIEW_VEHICLES


@admin.register(Customer)
class CustomerAdmin(admin.ModelAdmin):
    form = CustomerAdminForm
    # A subclass adding inlines keeps this one: `inlines = [*CustomerAdmin.inlines, ...]`.
    inlines = [CustomerVehicleInline]
    list_display = ["id", "name", "email", "phone_number", "can_log_in", "created_at"]
    search_fields = ["name", "email", "phone_number"]
    list_filter = ["created_at"]
    readonly_fields = ["created_at", "updated_at"]
    list_select_related = ["user"]
    ordering = ["id"]

    @admin.display(boolean=True, description="Can log in")
    def can_log_in(self, obj):
        return obj.user_id is not None and obj.user.has_usable_password()

    def save_model(self, request, obj, form, change):
        fields = {name: form.cleaned_data[name] for name in FIELDS if name in form.cleaned_data}
        password = form.cleaned_data.get("new_password") or None
        if change:
            customer_update(customer=obj, password=password, **fields)
            return
        created = customer_create(password=password, **fields)
        obj.pk = created.pk
        obj.refresh_from_db()

    def delete_model(self, request, obj):
        customer_delete(customer=obj)

    def delete_queryset(self, request, queryset):
        for customer in queryset:
            customer_delete(customer=customer)


class VehicleAdminForm(forms.ModelForm):
    """The same checks as the API, through the services' own: a new or changed VIN must carry a right North
    American check digit; the plate and the year as the API takes them."""

    class Meta:
        model = Vehicle
        fields = VEHICLE_FIELDS

    def _field_check(self, field, check, value):
        try:
            result = check(value)
        except ValidationError as exc:
            raise ValidationError(exc.message_dict[field]) from exc
        return value if result is None else result

    def clean_vin(self):
        vin = self._field_check("vin", vehicle_normalize_vin, self.cleaned_data["vin"])
        if vin != self.instance.vin and vins.vin_check(vin) == vins.INVALID:
            raise ValidationError(WRONG_CHECK_DIGIT)
        return vin

    def clean_year(self):
        year = self.cleaned_data.get("year")
        return self._field_check("year", vehicle_check_year, year) if year is not None else year

    def clean_license_plate(self):
        return self._field_check("license_plate", vehicle_normalize_plate, self.cleaned_data.get("license_plate", ""))


@admin.register(Vehicle)
class VehicleAdmin(admin.ModelAdmin):
    """Vehicles, searchable by VIN and plate. Writes go through the services; the decoded and summary fields are
    read-only. The tickets app adds the vehicle's tickets to its page."""

    form = VehicleAdminForm
    list_display = ["id", "vin", "license_plate", "year", "make", "model", "vin_check", "ticket_count", "owner"]
    search_fields = ["vin", "license_plate"]
    list_filter = ["vin_check", "manufacturer", "model_year"]
    readonly_fields = VEHICLE_COMPUTED
    raw_id_fields = ["customer"]  # a select of every customer would not load at 100,000
    list_select_related = ["customer"]
    ordering = ["id"]

    @admin.display(description="Owner", ordering="customer__name")
    def owner(self, obj):
        # Only users who may see customers see their names (as everywhere in the admin).
        return obj.customer.name if self._can_view_customers else f"#{obj.customer_id}"

    def changelist_view(self, request, extra_context=None):
        self._can_view_customers = request.user.has_perm(VIEW_CUSTOMERS)
        return super().changelist_view(request, extra_context)

    def save_model(self, request, obj, form, change):
        fields = {name: form.cleaned_data[name] for name in VEHICLE_FIELDS if name in form.cleaned_data}
        if change:
            stored = Vehicle.objects.get(pk=obj.pk)
            vehicle_update(vehicle=stored, **fields)
            return
        created = vehicle_create(**fields)
        obj.pk = created.pk
        obj.refresh_from_db()

    def delete_model(self, request, obj):
        vehicle_delete(vehicle=obj)

    def delete_queryset(self, request, queryset):
        for vehicle in queryset:
            vehicle_delete(vehicle=vehicle)


User = get_user_model()
# django.contrib.auth registered its own user admin first (it comes before customers in INSTALLED_APPS).
admin.site.unregister(User)


@admin.register(User)
class StaffUserAdmin(UserAdmin):
    """Staff and other accounts. A customer's login (a `customer-…` user) is not listed here: it is managed on the
    customer's page, which sets its password, and it goes when the customer goes."""

    def get_queryset(self, request):
        return super().get_queryset(request).filter(customer__isnull=True)
