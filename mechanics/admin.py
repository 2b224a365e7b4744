from django.contrib import admin

from mechanics.models import Mechanic


@admin.register(Mechanic)
class MechanicAdmin(admin.ModelAdmin):
    list_display = ["id", "name", "email", "phone_number", "salary", "is_active", "completed_ticket_count"]
    search_fields = ["name", "email", "phone_number"]
    list_filter = ["is_active"]
    list_editable = ["is_active"]
    readonly_fields = ["completed_ticket_count", "created_at", "updated_at"]
    autocomplete_fields = ["user"]
    list_select_related = ["user"]
    ordering = ["id"]
