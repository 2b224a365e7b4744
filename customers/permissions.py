"""The customer behind a request, and the permission that lets only customers through."""

from rest_framework.permissions import BasePermission

from customers.models import Customer
from mechanic_shop.accounts.authentication import ROLE_CUSTOMER, token_role
from mechanic_shop.api.callers import CUSTOMER


def caller_customer(request) -> Customer | None:
    """The Customer behind a customer token, or None. Cached on the request."""
    if hasattr(request, "_shop_customer"):
        return request._shop_customer
    customer = None
    user = request.user
    if user and user.is_authenticated and token_role(request) == ROLE_CUSTOMER:
        customer = Customer.objects.filter(user=user).first()
    request._shop_customer = customer
    return customer


class IsCustomerCaller(BasePermission):
    """A customer token; the view's queryset keeps it to its own records."""

    callers = frozenset({CUSTOMER})

    def has_permission(self, request, view):
        return caller_customer(request) is not None
