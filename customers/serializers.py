from django.contrib.auth import get_user_model
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import transaction
from rest_framework import serializers
from rest_framework.validators import UniqueValidator

from customers.models import Customer
from customers.permissions import caller_customer
from customers.services import customer_set_password
from mechanic_shop.api.fields import ShopModelSerializer, StrictCharField, StrictEmailField, iso_timestamp


class CustomerSerializer(ShopModelSerializer):
    """A customer. `password` is write-only; a customer changing its own sends `current_password` too."""

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
        write_only=True, required=False, max_length=128, trim_whitespace=False, style={"input_type": "password"}
    )

    class Meta:
        model = Customer
        fields = ["id", "name", "email", "phone_number", "password", "current_password", "created_at", "updated_at"]
        read_only_fields = ["id", "created_at", "updated_at"]

    def to_representation(self, instance):
        # The read shape built directly: DRF would build and copy eight field objects for every response, which
        # was a fifth of GET /customers/{id}. A test holds it equal to ModelSerializer's own output.
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
        password = attrs.get("password")
        # Self-registration must set a password; staff may create a customer who cannot log in.
        if self.instance is None and password is None and request is not None and not request.user.is_authenticated:
            raise serializers.ValidationError({"password": ["This field is required."]})
        if password is not None:
            probe = get_user_model()(
                username=attrs.get("email", getattr(self.instance, "email", "")),
                email=attrs.get("email", getattr(self.instance, "email", "")),
                first_name=attrs.get("name", getattr(self.instance, "name", "")),
            )
            try:
                validate_password(password, user=probe)
            except DjangoValidationError as exc:
                raise serializers.ValidationError({"password": list(exc.messages)}) from exc
            if self.instance is not None and request is not None and caller_customer(request) is not None:
                self._check_current_password(attrs.get("current_password"))
        attrs.pop("current_password", None)
        return attrs

    @transaction.atomic
    def create(self, validated_data):
        password = validated_data.pop("password", None)
        customer = super().create(validated_data)
        if password is not None:
            customer_set_password(customer=customer, password=password)
        return customer

    @transaction.atomic
    def update(self, instance, validated_data):
        password = validated_data.pop("password", None)
        customer = super().update(instance, validated_data)
        if password is not None:
            customer_set_password(customer=customer, password=password)
        return customer

    def _check_current_password(self, current: str | None) -> None:
        user = self.instance.user
        if not current:
            raise serializers.ValidationError({"current_password": ["Send your current password to change it."]})
        if user is None or not user.check_password(current):
            raise serializers.ValidationError({"current_password": ["The current password is not correct."]})


class CustomerLoginSerializer(serializers.Serializer):
    """A customer's email (any case) and password."""

    email = StrictCharField(max_length=254)
    password = StrictCharField(max_length=128, trim_whitespace=False, style={"input_type": "password"})


class CustomerTokenSerializer(serializers.Serializer):
    """A customer's token pair."""

    token = StrictCharField(help_text="Access token: send as `Authorization: Bearer <token>`.")
    refresh = StrictCharField(help_text="Refresh token for POST /auth/token/refresh and /auth/logout.")
