from django import forms
from django.contrib import admin
from django.contrib.auth import get_user_model
from django.contrib.auth.admin import UserAdmin
from django.core.exceptions import ValidationError

from customers.models import Customer
from customers.services import (
    customer_check_email,
    customer_create,
    customer_delete,
    customer_update,
    customer_validate_password,
)

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


@admin.register(Customer)
class CustomerAdmin(admin.ModelAdmin):
    form = CustomerAdminForm
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


User = get_user_model()
# django.contrib.auth registered its own user admin first (it comes before customers in INSTALLED_APPS).
admin.site.unregister(User)


@admin.register(User)
class StaffUserAdmin(UserAdmin):
    """Staff and other accounts. A customer's login (a `customer-…` user) is not listed here: it is managed on the
    customer's page, which sets its password, and it goes when the customer goes."""

    def get_queryset(self, request):
        return super().get_queryset(request).filter(customer__isnull=True)
