from rest_framework import serializers
from rest_framework.validators import UniqueValidator

from customers.models import Customer
from mechanic_shop.api.fields import ShopModelSerializer, StrictCharField, StrictEmailField, iso_timestamp


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
        fields = ["id", "name", "email", "phone_number", "password", "current_password", "created_at", "updated_at"]
        read_only_fields = ["id", "created_at", "updated_at"]

    def to_representation(self, instance):
        # The read shape built directly, not by DRF's field objects (docs/decisions/0006-hand-built-representations.md).
        # A test holds it equal to ModelSerializer's own output.
        return {
            "id": instance.pk,
            "name": instance.name,
            "email": instance.email,
            "phone_number": instance.phone_number,
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
