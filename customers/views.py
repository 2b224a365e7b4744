import functools

from django.conf import settings
from django.contrib.auth.hashers import check_password, make_password
from django.utils.cache import patch_cache_control
from django.utils.decorators import method_decorator
from django.utils.http import http_date
from django.views.decorators.cache import cache_page
from django.views.decorators.vary import vary_on_headers
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import AuthenticationFailed
from rest_framework.permissions import AllowAny
from rest_framework.response import Response

from customers.models import Customer
from customers.serializers import CustomerLoginSerializer, CustomerSerializer, CustomerTokenSerializer
from customers.services import customer_list_cache_prefix
from mechanic_shop.authentication import (
    ROLE_CUSTOMER,
    BearerChallengeMixin,
    caller_customer,
    is_staff_caller,
    issue_tokens,
)
from mechanic_shop.parsers import CheckedBodyMixin
from mechanic_shop.permissions import IsAnonymous, IsCustomerCaller, StaffModelPermissions
from mechanic_shop.throttling import LoginThrottle, RegisterThrottle

LOGIN_FAILED = "Invalid email or password."


@functools.cache
def _dummy_hash() -> str:
    """Checked against when no customer matches, so a wrong email costs as much time as a wrong password."""
    return make_password("not-a-real-password")


# What add_never_cache_headers leaves on a response, set directly: patching the cached page's Cache-Control
# header by parsing it was 7% of a cache hit (bench/profile.py). A test holds the two equal.
NEVER_CACHE = "max-age=0, no-cache, no-store, must-revalidate, private"


def _keep_out_of_client_caches(response):
    # The server-side copy is the one that is invalidated; a browser's copy would go stale after a write.
    response.headers["Cache-Control"] = NEVER_CACHE
    response.headers["Expires"] = http_date()


def _list_page(request, *args, list_view, **kwargs):
    response = list_view(request, *args, **kwargs)
    # Without `public`, Django's cache middleware keys the page per Authorization header (one copy per token).
    patch_cache_control(response, public=True)
    return response


_list_page_varied = vary_on_headers("Accept")(_list_page)


@functools.lru_cache(maxsize=4)
def _cached_list_page(key_prefix: str, seconds: int):
    """cache_page for one generation, built once: Django's decorator is made to be reused, so only a new
    generation (a customer write) or a new timeout builds another."""
    return cache_page(seconds, key_prefix=key_prefix)(_list_page_varied)


def cached_customer_list(view_func):
    """cache_page on the list, keyed by a generation that every customer write bumps (never stale).

    It wraps `list`, so authentication, permissions and throttles have already run when a page is served.
    The stored page varies on the query string and Accept, not on the caller: every caller allowed here sees the
    same page. Browsers and proxies are told not to keep it.
    """

    def wrapper(request, *args, **kwargs):
        cached = _cached_list_page(customer_list_cache_prefix(), settings.CUSTOMER_LIST_CACHE_SECONDS)
        response = cached(request, *args, list_view=view_func, **kwargs)
        # A post-render callback: cache_page stores the page from its own callback, which runs first, so only
        # what leaves for the client gets these headers (on a hit the page is already rendered: it runs at once).
        response.add_post_render_callback(_keep_out_of_client_caches)
        return response

    return wrapper


class CustomerViewSet(CheckedBodyMixin, BearerChallengeMixin, viewsets.ModelViewSet):
    """Customers: self-registration, staff management, and each customer's own record."""

    queryset = Customer.objects.all()
    serializer_class = CustomerSerializer
    search_fields = ["name", "email", "phone_number"]
    ordering_fields = ["id", "name", "created_at"]
    ordering = ["id"]
    lookup_value_regex = r"[0-9]{1,18}"

    def get_permissions(self):
        if self.action == "create":
            return [(IsAnonymous | StaffModelPermissions)()]
        if self.action in ("retrieve", "update", "partial_update", "destroy"):
            return [(IsCustomerCaller | StaffModelPermissions)()]
        # The login route is public for every method, so one it does not take answers 405, not 401 or 403.
        if "login" in getattr(self, "action_map", {}).values():
            return [AllowAny()]
        return [StaffModelPermissions()]

    def get_throttles(self):
        throttles = super().get_throttles()
        if self.action == "create":
            throttles.append(RegisterThrottle())
        if self.action == "login":
            throttles.append(LoginThrottle())
        return throttles

    def get_queryset(self):
        queryset = super().get_queryset()
        if is_staff_caller(self.request):
            return queryset
        customer = caller_customer(self.request)
        if customer is not None:
            return queryset.filter(pk=customer.pk)
        return queryset.none()

    @method_decorator(cached_customer_list)
    def list(self, request, *args, **kwargs):
        return super().list(request, *args, **kwargs)

    @extend_schema(
        summary="Log a customer in",
        request=CustomerLoginSerializer,
        responses={200: CustomerTokenSerializer, 401: OpenApiResponse(description=LOGIN_FAILED)},
    )
    @action(detail=False, methods=["post"], authentication_classes=[])
    def login(self, request):
        """Customer login by email and password: `{"token", "refresh"}`."""
        payload = CustomerLoginSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        email = payload.validated_data["email"].strip().lower()
        customer = Customer.objects.select_related("user").filter(email=email).first()
        user = customer.user if customer is not None else None
        if user is None:
            check_password(payload.validated_data["password"], _dummy_hash())
            raise AuthenticationFailed(LOGIN_FAILED)
        if not (user.check_password(payload.validated_data["password"]) and user.is_active):
            raise AuthenticationFailed(LOGIN_FAILED)
        refresh, access = issue_tokens(user, ROLE_CUSTOMER)
        return Response({"token": access, "refresh": refresh}, status=status.HTTP_200_OK)
