from django.conf import settings
from django.utils.decorators import method_decorator
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.decorators import action
from rest_framework.exceptions import AuthenticationFailed
from rest_framework.permissions import AllowAny
from rest_framework.response import Response

from customers.models import Customer
from customers.permissions import IsCustomerCaller, caller_customer
from customers.serializers import CustomerLoginSerializer, CustomerSerializer, CustomerTokenSerializer
from customers.services import (
    customer_authenticate,
    customer_create,
    customer_delete,
    customer_list_cache_prefix,
    customer_update,
)
from mechanic_shop.accounts.authentication import ROLE_CUSTOMER, BearerChallengeMixin, is_staff_caller
from mechanic_shop.accounts.permissions import IsAnonymous, StaffModelPermissions
from mechanic_shop.accounts.tokens import issue_tokens
from mechanic_shop.api.caching import shared_cache_page
from mechanic_shop.api.throttling import LoginThrottle, RegisterThrottle
from mechanic_shop.api.viewsets import ShopModelViewSet

LOGIN_FAILED = "Invalid email or password."


class CustomerViewSet(BearerChallengeMixin, ShopModelViewSet):
    """Customers: self-registration, staff management, and each customer's own record."""

    queryset = Customer.objects.all()
    serializer_class = CustomerSerializer
    search_fields = ["name", "email", "phone_number"]
    ordering_fields = ["id", "name", "created_at"]
    ordering = ["id"]

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

    def perform_create(self, serializer):
        fields = dict(serializer.validated_data)
        fields.pop("current_password", None)  # only a change of one's own password needs it; ignored here
        serializer.instance = customer_create(**fields)

    def perform_update(self, serializer):
        serializer.instance = customer_update(
            customer=serializer.instance,
            # A customer changing its own password proves it knows the current one; staff need not.
            confirm_current_password=caller_customer(self.request) is not None,
            **serializer.validated_data,
        )

    def perform_destroy(self, instance):
        customer_delete(customer=instance)

    @method_decorator(
        shared_cache_page(key_prefix=customer_list_cache_prefix, timeout=lambda: settings.CUSTOMER_LIST_CACHE_SECONDS)
    )
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
        user = customer_authenticate(**payload.validated_data)
        if user is None:
            raise AuthenticationFailed(LOGIN_FAILED)
        refresh, access = issue_tokens(user, ROLE_CUSTOMER)
        return Response({"token": access, "refresh": refresh}, status=status.HTTP_200_OK)
