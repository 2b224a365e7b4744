from django.conf import settings
from django.utils.decorators import method_decorator
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import status
from rest_framework.decorators import action
from rest_framework.exceptions import AuthenticationFailed, PermissionDenied
from rest_framework.permissions import AllowAny
from rest_framework.response import Response

from customers.filters import VehicleFilterSet
from customers.models import Customer, Vehicle
from customers.permissions import IsCustomerCaller, caller_customer, visible_to_caller
from customers.serializers import (
    CustomerLoginSerializer,
    CustomerSerializer,
    CustomerTokenSerializer,
    VehicleSerializer,
)
from customers.services import (
    LIST_GENERATION_KEY,
    customer_authenticate,
    customer_create,
    customer_delete,
    customer_update,
    vehicle_create,
    vehicle_delete,
    vehicle_update,
)
from mechanic_shop.accounts.authentication import ROLE_CUSTOMER, BearerChallengeMixin
from mechanic_shop.accounts.permissions import IsAnonymous, StaffModelPermissions
from mechanic_shop.accounts.tokens import issue_tokens
from mechanic_shop.api.caching import shared_cache_page
from mechanic_shop.api.filters import SyncFilter
from mechanic_shop.api.throttling import LoginThrottle, RegisterThrottle
from mechanic_shop.api.viewsets import ShopModelViewSet, ShopReadOnlyViewSet

LOGIN_FAILED = "Invalid email or password."
# The methods of /customers/me, one action each (DRF names a mapped method's action after the function).
OWN_RECORD_ACTIONS = frozenset({"me", "me_update", "me_partial_update", "me_destroy"})
OWN_RECORD = "The calling customer's own record, exactly as `/customers/{its id}`. Customer token only: staff → 403."


class CustomerViewSet(BearerChallengeMixin, ShopModelViewSet):
    """Customers: self-registration, staff management, and each customer's own record."""

    queryset = Customer.objects.all()
    serializer_class = CustomerSerializer
    # Its check_permissions override acts on /customers/me only, never on the detail route.
    retrieve_before_drf = True
    search_fields = ["name", "email", "phone_number"]
    ordering_fields = ["id", "name", "created_at", "updated_at"]
    ordering = ["id"]

    def _is_own_record_route(self) -> bool:
        """/customers/me, whatever the method: OPTIONS too, whose action is DRF's "metadata"."""
        return not OWN_RECORD_ACTIONS.isdisjoint((getattr(self, "action_map", None) or {}).values())

    def get_permissions(self):
        if self._is_own_record_route():
            return [IsCustomerCaller()]
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
        return visible_to_caller(self.request, super().get_queryset(), owner="pk")

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
        shared_cache_page(
            name="customers-list",
            generation_key=LIST_GENERATION_KEY,
            timeout=lambda: settings.CUSTOMER_LIST_CACHE_SECONDS,
        )
    )
    def list(self, request, *args, **kwargs):
        return super().list(request, *args, **kwargs)

    @extend_schema(
        summary="Log a customer in",
        request=CustomerLoginSerializer,
        responses={200: CustomerTokenSerializer, 401: OpenApiResponse(description=LOGIN_FAILED)},
    )
    @action(detail=False, methods=["post"], authentication_classes=[], idempotency_keys=False)
    def login(self, request):
        """Customer login by email and password: `{"token", "access", "refresh", "customer_id"}`."""
        payload = CustomerLoginSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        user = customer_authenticate(**payload.validated_data)
        if user is None:
            raise AuthenticationFailed(LOGIN_FAILED)
        refresh, access = issue_tokens(user, ROLE_CUSTOMER)
        # customer_authenticate read the customer with its login, so this reads no row.
        body = {"token": access, "access": access, "refresh": refresh, "customer_id": user.customer.pk}
        return Response(body, status=status.HTTP_200_OK)

    def check_permissions(self, request):
        super().check_permissions(request)
        # Before the rest of `initial` (an If-Match check among it), so that it works on the caller's record too.
        if self._is_own_record_route():
            # IsCustomerCaller has let only a customer token through, so there is a customer. Its id is the detail
            # routes' lookup, so every detail handler (and OPTIONS' description of PUT) works on the caller's record.
            self.kwargs[self.lookup_url_kwarg or self.lookup_field] = str(caller_customer(request).pk)

    @extend_schema(summary="Get the calling customer's own record", description=OWN_RECORD)
    @action(detail=False, methods=["get"], url_path="me")
    def me(self, request, *args, **kwargs):
        """GET /customers/me."""
        return self.retrieve(request, *args, **kwargs)

    @extend_schema(summary="Replace the calling customer's own record", description=OWN_RECORD)
    @me.mapping.put
    def me_update(self, request, *args, **kwargs):
        """PUT /customers/me."""
        return self.update(request, *args, **kwargs)

    @extend_schema(summary="Change part of the calling customer's own record", description=OWN_RECORD)
    @me.mapping.patch
    def me_partial_update(self, request, *args, **kwargs):
        """PATCH /customers/me."""
        return self.partial_update(request, *args, **kwargs)

    @extend_schema(summary="Delete the calling customer's own record", description=OWN_RECORD, responses={204: None})
    @me.mapping.delete
    def me_destroy(self, request, *args, **kwargs):
        """DELETE /customers/me: the customer and its login."""
        return self.destroy(request, *args, **kwargs)


VEHICLE_CONFLICT = OpenApiResponse(description="The vehicle has service tickets: it cannot be deleted.")


@extend_schema_view(
    list=extend_schema(summary="List vehicles", description="Staff: every vehicle. A customer: its own."),
    create=extend_schema(
        summary="Add a vehicle",
        description="Staff with `add_vehicle`; a customer adds its own car (`customer_id` is then itself).",
    ),
    retrieve=extend_schema(summary="Get a vehicle"),
    update=extend_schema(
        summary="Replace a vehicle",
        description=(
            "Staff with `change_vehicle`; the owner changes only `year`, `make`, `model` and `license_plate`. A "
            "changed `vin` is checked and decoded again and moves to the vehicle's tickets; a changed "
            "`customer_id` is how a car changes hands."
        ),
    ),
    partial_update=extend_schema(summary="Change part of a vehicle"),
    destroy=extend_schema(summary="Delete a vehicle", responses={204: None, 409: VEHICLE_CONFLICT}),
)
class VehicleViewSet(BearerChallengeMixin, ShopModelViewSet):
    """Vehicles: staff by model permissions; a customer reads and adds its own, and changes what describes them."""

    queryset = Vehicle.objects.all()
    serializer_class = VehicleSerializer
    filterset_class = VehicleFilterSet
    search_fields = ["vin", "license_plate", "make", "model"]
    ordering_fields = ["id", "updated_at"]
    ordering = ["id"]

    def get_permissions(self):
        # A customer may not delete even its own car (403, below); another customer's answers 404 first, as every
        # other method does, so a customer learns nothing of vehicles that are not its own.
        return [(IsCustomerCaller | StaffModelPermissions)()]

    def get_queryset(self):
        return visible_to_caller(self.request, super().get_queryset(), owner="customer")

    def perform_create(self, serializer):
        fields = dict(serializer.validated_data)
        owner = caller_customer(self.request)
        if owner is not None:
            fields["customer"] = owner  # a customer's car is its own, whatever it sent
        serializer.instance = vehicle_create(**fields)

    def perform_update(self, serializer):
        serializer.instance = vehicle_update(vehicle=serializer.instance, **serializer.validated_data)

    def lock_for_precondition(self):
        # An If-Match write: lock as vehicle_update does, the car's tickets in id order and then the car (a ticket,
        # then its car: decision 0017), so the check's lock never waits in a circle with a ticket service.
        vehicle = Vehicle(pk=self.kwargs[self.lookup_url_kwarg or self.lookup_field])
        list(vehicle.tickets.select_for_update().order_by("pk").values_list("pk", flat=True))
        list(Vehicle.objects.select_for_update().filter(pk=vehicle.pk).values_list("pk", flat=True))

    def perform_destroy(self, instance):
        if caller_customer(self.request) is not None:
            raise PermissionDenied("A customer cannot delete a vehicle; ask the shop.")
        vehicle_delete(vehicle=instance)


@extend_schema_view(
    list=extend_schema(summary="List the calling customer's vehicles"),
    retrieve=extend_schema(summary="Get one of the calling customer's vehicles"),
)
class CustomerVehiclesViewSet(BearerChallengeMixin, ShopReadOnlyViewSet):
    """GET /customers/my-vehicles: the calling customer's vehicles, by id."""

    queryset = Vehicle.objects.none()  # the model, for the schema; get_queryset() picks the caller's
    serializer_class = VehicleSerializer
    permission_classes = [IsCustomerCaller]
    filter_backends = [SyncFilter]

    def get_queryset(self):
        return Vehicle.objects.filter(customer=caller_customer(self.request)).order_by("id")
