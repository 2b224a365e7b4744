from decimal import Decimal

from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError

from mechanics.models import Mechanic
from mechanics.services import (
    mechanic_check_email,
    mechanic_check_login,
    mechanic_create,
    mechanic_delete,
    mechanic_update,
)

FIELDS = ["name", "email", "phone_number", "salary", "is_active", "user"]
# Salaries are shown and set, in the admin as in the API, only with this permission (Manager and superusers).
SALARY_PERMISSION = "mechanics.view_mechanic_salary"


def sees_salary(request) -> bool:
    return request.user.has_perm(SALARY_PERMISSION)


class MechanicAdminForm(forms.ModelForm):
    """The same rules as the API, from the services: a unique email in any case, a staff login used once."""

    class Meta:
        model = Mechanic
        fields = FIELDS

    def clean_email(self):
        try:
            return mechanic_check_email(email=self.cleaned_data["email"], mechanic=self.instance)
        except ValidationError as exc:
            raise ValidationError(exc.message_dict["email"]) from exc

    def clean_user(self):
        user = self.cleaned_data.get("user")
        try:
            mechanic_check_login(user=user, mechanic=self.instance)
        except ValidationError as exc:
            raise ValidationError(exc.message_dict["user_id"]) from exc
        return user


@admin.register(Mechanic)
class MechanicAdmin(admin.ModelAdmin):
    form = MechanicAdminForm
    list_display = ["id", "name", "email", "phone_number", "salary", "is_active", "completed_ticket_count"]
    search_fields = ["name", "email", "phone_number"]
    list_filter = ["is_active"]
    list_editable = ["is_active"]
    readonly_fields = ["completed_ticket_count", "created_at", "updated_at"]
    autocomplete_fields = ["user"]
    list_select_related = ["user"]
    ordering = ["id"]

    # Without the permission, salary is in no column (so nothing sorts by it) and no form; search never reads it.
    def get_list_display(self, request):
        return [name for name in super().get_list_display(request) if name != "salary" or sees_salary(request)]

    def get_fields(self, request, obj=None):
        return [name for name in super().get_fields(request, obj) if name != "salary" or sees_salary(request)]

    def lookup_allowed(self, lookup, value, request):
        # The admin lets a URL filter on any plain field (?salary__gte=…), which would tell salaries by elimination.
        if lookup.split("__")[0] == "salary" and not sees_salary(request):
            return False
        return super().lookup_allowed(lookup, value, request)

    def save_model(self, request, obj, form, change):
        if change:
            # Only what the form changed: a full save would write back a completed-ticket count read earlier.
            mechanic_update(mechanic=obj, **{name: form.cleaned_data[name] for name in form.changed_data})
            return
        fields = {name: form.cleaned_data[name] for name in FIELDS if name in form.cleaned_data}
        # Added by someone who may not set salaries: 0.00 until a manager sets it.
        fields.setdefault("salary", Decimal("0.00"))
        created = mechanic_create(**fields)
        obj.pk = created.pk
        obj.refresh_from_db()

    def delete_model(self, request, obj):
        mechanic_delete(mechanic=obj)

    def delete_queryset(self, request, queryset):
        for mechanic in queryset:
            mechanic_delete(mechanic=mechanic)
