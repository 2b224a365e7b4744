from functools import cached_property

from django.contrib.auth import get_user_model
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.validators import UniqueValidator

from mechanic_shop.api.fields import IdRelatedField, MoneyField, ShopModelSerializer, StrictCharField, StrictEmailField
from mechanics.models import Mechanic

SALARY_PERMISSION = "mechanics.view_mechanic_salary"
SALARY_HELP = (
    "Shown and writable only for staff with the permission `mechanics.view_mechanic_salary` (Manager, superusers): "
    "absent from the body for every other caller, and sending it without the permission → 403. A mechanic created "
    "without it earns 0.00 until someone with the permission sets it."
)


def may_see_salary(request: Request | None) -> bool:
    """Whether the caller may see and set mechanics' salaries (Manager and superusers, by the permission)."""
    user = getattr(request, "user", None)
    return bool(user is not None and user.is_authenticated and user.has_perm(SALARY_PERMISSION))


class MechanicSerializer(ShopModelSerializer):
    """A mechanic; `user_id` links the staff account it logs in with (at most one mechanic per account). `salary`
    is in the body only for a caller who may see it."""

    name = StrictCharField(max_length=100, min_length=1)
    email = StrictEmailField(
        max_length=254,
        validators=[
            UniqueValidator(
                queryset=Mechanic.objects.all(), lookup="iexact", message="A mechanic with this email already exists."
            )
        ],
    )
    salary = MoneyField(max_digits=12, decimal_places=2, required=False, help_text=SALARY_HELP)
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

    @cached_property
    def salary_visible(self) -> bool:
        # Once per serializer: a list's items share one child serializer, so the permission is read once a request.
        return may_see_salary(self.context.get("request"))

    def to_representation(self, instance):
        data = super().to_representation(instance)
        if not self.salary_visible:
            del data["salary"]
        return data

    def validate_email(self, value: str) -> str:
        return value.strip().lower()


class LeaderboardEntrySerializer(ShopModelSerializer):
    """One mechanic on the leaderboard: `ticket_count` is the number of completed tickets it is assigned to."""

    ticket_count = serializers.IntegerField(source="completed_ticket_count", read_only=True)

    class Meta:
        model = Mechanic
        fields = ["id", "name", "ticket_count"]
