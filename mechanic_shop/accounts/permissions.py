"""Who may call: staff by Django model permissions, any staff account, or no account at all.

Each class names the kinds of caller it can let through in `callers` (mechanic_shop/api/callers.py), which the
OpenAPI schema reads. Customer-only access lives with the customers (`customers.permissions.IsCustomerCaller`).
"""

from typing import TYPE_CHECKING, Any

from rest_framework.permissions import BasePermission, DjangoModelPermissions

from mechanic_shop.accounts.authentication import is_staff_caller
from mechanic_shop.api.callers import ANONYMOUS, CUSTOMER, STAFF

if TYPE_CHECKING:
    from django.db.models import QuerySet
    from rest_framework.request import Request
    from rest_framework.views import APIView


class StaffModelPermissions(DjangoModelPermissions):
    """Staff act by Django model permissions, reads included (`view_`); everyone else is refused."""

    callers = frozenset({STAFF})
    perms_map = {
        **DjangoModelPermissions.perms_map,
        "GET": ["%(app_label)s.view_%(model_name)s"],
        "HEAD": ["%(app_label)s.view_%(model_name)s"],
        "OPTIONS": ["%(app_label)s.view_%(model_name)s"],
    }

    def has_permission(self, request: "Request", view: "APIView") -> bool:
        # Asked again for the same request when it is one side of an OR: DRF's OR checks has_permission again
        # before every object permission. The answer is kept on the view (an instance per request) by class, since
        # StaffChangePermissions asks another question of the same view, and by method: OPTIONS asks the same view
        # about PUT and POST to describe only the actions the caller may take.
        answers: dict[tuple[type, str | None], bool] = view.__dict__.setdefault("_shop_model_permissions", {})
        key = (type(self), request.method)
        answer = answers.get(key)
        if answer is None:
            answer = answers[key] = is_staff_caller(request) and super().has_permission(request, view)
        return answer

    def _queryset(self, view: "APIView") -> "QuerySet[Any]":
        # Only the model matters here: the class attribute names it without building the scoped queryset.
        queryset = getattr(view, "queryset", None)
        return queryset if queryset is not None else super()._queryset(view)


class StaffChangePermissions(StaffModelPermissions):
    """Staff with the model's change permission, whatever the method: for actions that change an object through a
    POST or DELETE of their own (a stock adjustment, a labor line), which would otherwise ask for add_ or delete_."""

    perms_map = {method: ["%(app_label)s.change_%(model_name)s"] for method in StaffModelPermissions.perms_map}


class IsAnonymous(BasePermission):
    """No token at all (self-registration)."""

    callers = frozenset({ANONYMOUS})

    def has_permission(self, request: "Request", view: "APIView") -> bool:
        return not (request.user and request.user.is_authenticated)


class IsStaffCaller(BasePermission):
    """Any staff account, whatever its model permissions."""

    callers = frozenset({STAFF})

    def has_permission(self, request: "Request", view: "APIView") -> bool:
        return is_staff_caller(request)


class AnyCaller(BasePermission):
    """Anyone, with or without a token: the customer's links, whose signed token in the path is the only proof."""

    callers = frozenset({ANONYMOUS, CUSTOMER, STAFF})

    def has_permission(self, request: "Request", view: "APIView") -> bool:
        return True
