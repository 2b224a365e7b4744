"""The customer behind a request, what it may see of a queryset, and the permission that lets only customers
through."""

from django.db.models import QuerySet
from rest_framework.permissions import BasePermission

from customers.models import Customer
from mechanic_shop.accounts.authentication import ROLE_CUSTOMER, is_staff_caller, token_role
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


def visible_to_caller(request, queryset: QuerySet, *, owner: str) -> QuerySet:
    """`queryset` as the caller may see it: all of it for staff (their model permissions were checked already), the
    calling customer's own rows for a customer token (`owner`: the lookup naming the customer, e.g. "customer" or
    "pk"), and nothing for anyone else."""
    if is_staff_caller(request):
        return queryset
    customer = caller_customer(request)
    if customer is None:
        return queryset.none()
    return queryset.filter(**{owner: customer.pk})


class IsCustomerCaller(BasePermission):
    """A customer token; the view's queryset keeps it to its own records."""

    callers = frozenset({CUSTOMER})

    def has_permission(self, request, view):
        return caller_customer(request) is not None
