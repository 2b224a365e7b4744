"""Admin pieces shared by every app."""

from typing import TYPE_CHECKING, Any

from django.contrib import admin
from django.db.models import Model
from django.http import HttpRequest

if TYPE_CHECKING:
    # The stubs make the inline generic in its model and parent; Django's class itself is not subscriptable.
    _Inline = admin.TabularInline[Any, Any]
else:
    _Inline = admin.TabularInline


class ViewOnlyInline(_Inline):
    """Related records listed on an object's admin page, each linking to its own page, never changed from there;
    shown only to users with `view_permission` (e.g. "tickets.view_serviceticket"), as the API would show them."""

    view_permission = ""
    extra = 0
    can_delete = False
    show_change_link = True

    def has_view_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return bool(self.view_permission) and request.user.has_perm(self.view_permission)

    def has_add_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False
