from django import forms
from django.contrib import admin
from django.contrib.auth.password_validation import validate_password

from customers.models import Customer
from customers.services import customer_set_password


class CustomerAdminForm(forms.ModelForm):
    new_password = forms.CharField(
        required=False,
        strip=False,
        widget=forms.PasswordInput(render_value=False),
        help_text="Set to give this customer a login (or a new password; their refresh tokens are revoked).",
    )

    class Meta:
        model = Customer
        fields = ["name", "email", "phone_number"]

    def clean_email(self):
        email = self.cleaned_data["email"].strip().lower()
        if Customer.objects.filter(email=email).exclude(pk=self.instance.pk).exists():
            raise forms.ValidationError("A customer with this email already exists.")
        return email

    def clean_new_password(self):
        password = self.cleaned_data.get("new_password")
        if password:
            validate_password(password)
        return password


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
        super().save_model(request, obj, form, change)
        if form.cleaned_data.get("new_password"):
            customer_set_password(customer=obj, password=form.cleaned_data["new_password"])
