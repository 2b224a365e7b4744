from django.core.exceptions import ValidationError as DjangoValidationError
from rest_framework import serializers
from rest_framework.validators import UniqueValidator

from customers.models import Customer, Vehicle
from customers.permissions import caller_customer
from customers.services import vehicle_check_year, vehicle_normalize_plate
from mechanic_shop.api.fields import (
    IdRelatedField,
    ShopModelSerializer,
    StrictCharField,
    StrictEmailField,
    StrictIntegerField,
    iso_timestamp,
)
from mechanic_shop.core.validators import vin_validator


class CustomerSerializer(ShopModelSerializer):
    """A customer. `password` is write-only; a customer changing its own password, or its email to a different one,
    sends `current_password` too."""

    email = StrictEmailField(
        max_length=254,
        validators=[
            UniqueValidator(
                queryset=Customer.objects.all(), lookup="iexact", message="A customer with this email already exists."
            )
        ],
    )
    name = StrictCharField(max_length=100, min_length=1)
    password = StrictCharField(
        write_only=True, required=False, max_length=128, trim_whitespace=False, style={"input_type": "password"}
    )
    current_password = StrictCharField(
        write_only=True,
        required=False,
        max_length=128,
        trim_whitespace=False,
        style={"input_type": "password"},
        help_text=(
            "A customer changing its own `password`, or its `email` to a different one, sends its current password "
            "(missing or wrong → 400 on this field). Staff do not; it is ignored elsewhere."
        ),
    )

    class Meta:
        model = Customer
        fields = [
            "id",
            "name",
            "email",
            "phone_number",
            "notify_by_email",
            "password",
            "current_password",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["id", "created_at", "updated_at"]
        extra_kwargs = {
            "notify_by_email": {"help_text": "False: the shop sends this customer no e-mail about its tickets."}
        }

    def to_representation(self, instance):
        # The read shape built directly, not by DRF's field objects (docs/decisions/0006-hand-built-representations.md).
        # A test holds it equal to ModelSerializer's own output.
        return {
            "id": instance.pk,
            "name": instance.name,
            "email": instance.email,
            "phone_number": instance.phone_number,
            "notify_by_email": instance.notify_by_email,
            "created_at": iso_timestamp(instance.created_at),
            "updated_at": iso_timestamp(instance.updated_at),
        }

    def validate_email(self, value: str) -> str:
        return value.strip().lower()

    def validate(self, attrs):
        request = self.context.get("request")
        # Self-registration must set a password; staff may create a customer who cannot log in. The password's
        # rules (validators, the current password) are the services' (customers/services.py).
        if (
            self.instance is None
            and attrs.get("password") is None
            and request is not None
            and not request.user.is_authenticated
        ):
            raise serializers.ValidationError({"password": ["This field is required."]})
        return attrs


class CustomerLoginSerializer(serializers.Serializer):
    """A customer's email (any case) and password."""

    email = StrictCharField(max_length=254)
    password = StrictCharField(max_length=128, trim_whitespace=False, style={"input_type": "password"})


class CustomerTokenSerializer(serializers.Serializer):
    """A customer's token pair, and which customer it is."""

    token = StrictCharField(
        help_text="Access token: send as `Authorization: Bearer <token>` (the key the old clients read)."
    )
    access = StrictCharField(help_text="The same access token as `token`, under the key of every other token answer.")
    refresh = StrictCharField(help_text="Refresh token for POST /auth/token/refresh and /auth/logout.")
    customer_id = serializers.IntegerField(help_text="The logged-in customer's id: its record is /customers/{id}.")


class VinField(StrictCharField):
    """17 characters of A-Z and 0-9 without I, O, Q; accepted in any case, stored upper-case. Vehicles and tickets
    both take it; a vehicle's check digit is the services' (customers/services.py), which answer a wrong one with a
    400 on `vin` too."""

    def __init__(self, **kwargs):
        super().__init__(max_length=17, min_length=17, **kwargs)

    def to_internal_value(self, data):
        value = super().to_internal_value(data).upper()
        try:
            vin_validator(value)
        except DjangoValidationError as exc:
            raise serializers.ValidationError(list(exc.messages)) from exc
        return value


class VehicleSerializer(ShopModelSerializer):
    """A vehicle. For a customer caller `customer_id` is read-only (its own cars), and so is `vin` once the car
    exists: the owner changes only `year`, `make`, `model` and `license_plate`."""

    vin = VinField(
        help_text=(
            "17 characters of A-Z and 0-9 without I, O, Q; unique; stored upper-case. A North American VIN (first "
            "character 1-5) must carry a right check digit in position 9 (400 otherwise)."
        )
    )
    customer_id = IdRelatedField(
        source="customer",
        queryset=Customer.objects.all(),
        help_text="The owner. A customer adding its own car need not send it (it is always itself).",
    )
    year = StrictIntegerField(
        required=False, allow_null=True, min_value=1900, help_text="1900 to next year (checked on the day)."
    )
    make = StrictCharField(required=False, allow_blank=True, max_length=50)
    model = StrictCharField(required=False, allow_blank=True, max_length=50)
    license_plate = StrictCharField(
        required=False,
        allow_blank=True,
        max_length=30,
        help_text=(
            "At most 15 letters, digits and '-' once the spaces are taken out; stored upper-case without spaces."
        ),
    )
    vin_check = serializers.ChoiceField(
        choices=Vehicle.VinCheck.choices,
        read_only=True,
        help_text="`valid` or `invalid` (a North American VIN's check digit), `not_required` for any other VIN.",
    )
    manufacturer = StrictCharField(
        read_only=True, allow_null=True, help_text="The maker named by the VIN's WMI, decoded offline; null if unknown."
    )
    model_year = serializers.IntegerField(
        read_only=True, allow_null=True, help_text="The model year of the VIN's 10th character; null if unknown."
    )
    odometer = serializers.IntegerField(
        read_only=True, allow_null=True, help_text="The highest mileage recorded on its tickets; null if none."
    )
    ticket_count = serializers.IntegerField(read_only=True, help_text="How many service tickets it has.")
    last_service_date = serializers.DateField(
        read_only=True, allow_null=True, help_text="The latest `service_date` of its tickets; null if none."
    )

    class Meta:
        model = Vehicle
        fields = [
            "id",
            "vin",
            "customer_id",
            "year",
            "make",
            "model",
            "license_plate",
            "odometer",
            "vin_check",
            "manufacturer",
            "model_year",
            "ticket_count",
            "last_service_date",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["id", "created_at", "updated_at"]

    def get_fields(self):
        fields = super().get_fields()
        request = self.context.get("request")
        if request is not None and caller_customer(request) is not None:
            fields["customer_id"].read_only = True
            if self.instance is not None:
                fields["vin"].read_only = True
        return fields

    def to_representation(self, instance):
        body = super().to_representation(instance)
        body["manufacturer"] = body["manufacturer"] or None
        return body

    def validate_year(self, value):
        return _as_field_error(vehicle_check_year, value) if value is not None else value

    def validate_license_plate(self, value):
        return _as_field_error(vehicle_normalize_plate, value)


def _as_field_error(check, value):
    """Run a service's check of one field; its error, keyed by the field, as this field's DRF error."""
    try:
        result = check(value)
    except DjangoValidationError as exc:
        raise serializers.ValidationError(next(iter(exc.message_dict.values()))) from exc
    return value if result is None else result
