"""Admin pieces shared by every app."""

from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any

from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Model
from django.http import HttpRequest

from mechanic_shop.core.exceptions import Conflict

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


class ParentGatedInline(_Inline):
    """Lines that belong to their parent (a ticket's part lines, an order's lines): seen with the parent's
    `view_permission`, and added, changed and removed only when `can_edit(request, parent)` says so, with the
    parent's permissions rather than the line model's (as the API's actions do)."""

    view_permission = ""

    def can_edit(self, request: HttpRequest, obj: Model | None) -> bool:
        raise NotImplementedError

    def has_view_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return bool(self.view_permission) and request.user.has_perm(self.view_permission)

    def has_add_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return self.can_edit(request, obj)

    def has_change_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return self.can_edit(request, obj)

    def has_delete_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return self.can_edit(request, obj)


if TYPE_CHECKING:
    _ModelAdmin = admin.ModelAdmin[Any]
else:
    _ModelAdmin = admin.ModelAdmin


class ReadOnlyModelAdmin(_ModelAdmin):
    """A record kept by the services (a ledger, a time clock): listed and opened, never added, changed or deleted
    in the admin; seen by users with `view_permission` (e.g. "inventory.view_part"), even without the model's own."""

    view_permission = ""

    def has_view_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return bool(self.view_permission) and request.user.has_perm(self.view_permission)

    def has_module_permission(self, request: HttpRequest) -> bool:
        return self.has_view_permission(request)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False


def refusal_message(exc: Exception) -> str:
    """What a service's refusal says, for a page or a message: a Conflict's detail, a ValidationError's messages."""
    if isinstance(exc, Conflict):
        return str(exc.detail)
    if isinstance(exc, ValidationError):
        return " ".join(exc.messages)
    return str(exc)


def act_on_each(
    model_admin: Any, request: HttpRequest, objects: Iterable[Model], act: Callable[[Any], object], done: str
) -> None:
    """A list action: `act` on each selected object in a transaction of its own, so one refusal (a Conflict or a
    ValidationError from the services) leaves the others done; then one message of how many were `done` (e.g.
    "2 ticket(s) started.") and one naming each refused object and why."""
    moved, refused = 0, []
    for obj in objects:
        try:
            with transaction.atomic():
                act(obj)
            moved += 1
        except (Conflict, ValidationError) as exc:
            refused.append(f"#{obj.pk}: {refusal_message(exc)}")
    if moved:
        model_admin.message_user(request, f"{moved} {done}.")
    if refused:
        model_admin.message_user(request, "Not changed: " + " ".join(refused), level=messages.WARNING)
