from django.contrib.auth import get_user_model
from rest_framework import serializers
from rest_framework.validators import UniqueValidator

from mechanic_shop.api.fields import IdRelatedField, MoneyField, ShopModelSerializer, StrictCharField, StrictEmailField
from mechanics.models import Mechanic


class MechanicSerializer(ShopModelSerializer):
    """A mechanic; `user_id` links the staff account it logs in with (at most one mechanic per account)."""

    name = StrictCharField(max_length=100, min_length=1)
    email = StrictEmailField(
        max_length=254,
        validators=[
            UniqueValidator(
                queryset=Mechanic.objects.all(), lookup="iexact", message="A mechanic with this email already exists."
            )
        ],
    )
    salary = MoneyField(max_digits=12, decimal_places=2)
    user_id = IdRelatedField(
        source="user",
        queryset=get_user_model().objects.filter(is_staff=True),
        required=False,
        allow_null=True,
        validators=[
            UniqueValidator(queryset=Mechanic.objects.all(), message="This account is already linked to a mechanic.")
        ],
        error_messages={"does_not_exist": "No staff account has id {pk_value}."},
    )

    class Meta:
        model = Mechanic
        fields = ["id", "name", "email", "phone_number", "salary", "is_active", "user_id", "created_at", "updated_at"]
        read_only_fields = ["id", "created_at", "updated_at"]

    def validate_email(self, value: str) -> str:
        return value.strip().lower()


class LeaderboardEntrySerializer(ShopModelSerializer):
    """One mechanic on the leaderboard: `ticket_count` is the number of completed tickets it is assigned to."""

    ticket_count = serializers.IntegerField(source="completed_ticket_count", read_only=True)

    class Meta:
        model = Mechanic
        fields = ["id", "name", "ticket_count"]
