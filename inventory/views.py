from django.db.models import Prefetch
from django.http import Http404
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import status
from rest_framework.decorators import action
from rest_framework.response import Response

from inventory.filters import PartFilterSet, PurchaseOrderFilterSet
from inventory.models import Part, PurchaseOrder, PurchaseOrderLine, StockMovement, Supplier
from inventory.purchasing import (
    purchase_order_cancel,
    purchase_order_create,
    purchase_order_delete,
    purchase_order_mark_ordered,
    purchase_order_receive,
    purchase_order_update,
    purchase_orders_suggest,
    supplier_create,
    supplier_delete,
    supplier_update,
)
from inventory.serializers import (
    AdjustStockSerializer,
    PartSerializer,
    PurchaseOrderSerializer,
    ReceiveSerializer,
    StockMovementSerializer,
    SupplierSerializer,
    movement_json,
    movement_rows,
)
from inventory.services import part_adjust_stock, part_create, part_delete, part_update
from mechanic_shop.accounts.permissions import StaffChangePermissions, StaffModelPermissions
from mechanic_shop.api.filters import SyncFilter
from mechanic_shop.api.pagination import PAGE_PARAMS
from mechanic_shop.api.viewsets import ShopModelViewSet
from mechanic_shop.core.prepared import PreparedPage, PreparedRows


def part_movements(part_id: int):
    """A part's stock movements, newest first."""
    return StockMovement.objects.filter(part_id=part_id).order_by("-id")


PART_MOVEMENTS = PreparedPage(lambda part_id: movement_rows(part_movements(part_id)), takes_id=True)
# Whether a part exists, by its id, the SQL built once.
PART_IDS = PreparedRows(lambda: Part.objects.values_list("id"), "id")


class PartViewSet(ShopModelViewSet):
    """The parts inventory (staff, by model permissions), with each part's stock movements."""

    queryset = Part.objects.all()
    serializer_class = PartSerializer
    filterset_class = PartFilterSet
    search_fields = ["name", "sku"]
    ordering_fields = ["id", "name", "price", "quantity_in_stock", "updated_at"]
    ordering = ["id"]

    def get_permissions(self):
        if self.action == "adjust":
            return [StaffChangePermissions()]
        return super().get_permissions()

    def perform_create(self, serializer):
        serializer.instance = part_create(by=self.request.user, **serializer.validated_data)

    def perform_update(self, serializer):
        serializer.instance = part_update(part=serializer.instance, by=self.request.user, **serializer.validated_data)

    def perform_destroy(self, instance):
        part_delete(part=instance)

    @extend_schema(
        summary="A part's stock movements, newest first",
        responses={200: StockMovementSerializer(many=True)},
    )
    @action(detail=True, methods=["get"], filter_backends=[SyncFilter], ordering=None)
    def movements(self, request, pk=None):
        """Every change of the part's stock, newest first; `balance_after` is the stock right after each."""
        part_id = int(pk)  # (the route lets only up to 18 digits through: ID_PATTERN)
        if not PART_IDS.rows([part_id]):
            raise Http404("No Part matches the given query.")
        # The (part, id) index serves this order: one query for the page, one for its count. With nothing but the page
        # asked for, both on statements built once (decision 0039).
        if PAGE_PARAMS.issuperset(request.query_params):
            rows = PART_MOVEMENTS.page(part_id)
        else:
            rows = movement_rows(self.filter_queryset(part_movements(part_id)))
        page = self.paginate_queryset(rows)
        return self.get_paginated_response([movement_json(row) for row in page])

    @extend_schema(
        summary="Adjust a part's stock (a count, damage, a correction)",
        request=AdjustStockSerializer,
        responses={
            201: StockMovementSerializer,
            409: OpenApiResponse(description="The stock would go below zero (or past the most a part can hold)."),
        },
    )
    @action(detail=True, methods=["post"], filter_backends=[])
    def adjust(self, request, pk=None):
        """Add `delta` units to the stock, or take them away; the `adjustment` movement written is the answer."""
        part = self.get_object()
        payload = AdjustStockSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        movement = part_adjust_stock(part=part, by=request.user, **payload.validated_data)
        return Response(StockMovementSerializer(movement).data, status=status.HTTP_201_CREATED)


@extend_schema_view(
    destroy=extend_schema(
        responses={204: None, 409: OpenApiResponse(description="A part or a purchase order names the supplier.")}
    )
)
class SupplierViewSet(ShopModelViewSet):
    """Where the shop buys parts (staff, by model permissions)."""

    queryset = Supplier.objects.all()
    serializer_class = SupplierSerializer
    search_fields = ["name"]
    ordering_fields = ["id", "name", "updated_at"]
    ordering = ["id"]

    def perform_create(self, serializer):
        serializer.instance = supplier_create(**serializer.validated_data)

    def perform_update(self, serializer):
        serializer.instance = supplier_update(supplier=serializer.instance, **serializer.validated_data)

    def perform_destroy(self, instance):
        supplier_delete(supplier=instance)


class ChangePurchaseOrderPermission(StaffModelPermissions):
    """Staff with `change_purchaseorder`, whatever the method: ordering, receiving and cancelling change the order."""

    perms_map = {method: ["%(app_label)s.change_%(model_name)s"] for method in StaffModelPermissions.perms_map}


class SuggestPurchaseOrdersPermission(StaffModelPermissions):
    """Suggesting drafts orders: `add_purchaseorder` and `change_purchaseorder`."""

    perms_map = {
        method: ["%(app_label)s.add_%(model_name)s", "%(app_label)s.change_%(model_name)s"]
        for method in StaffModelPermissions.perms_map
    }


NOT_A_DRAFT = OpenApiResponse(description="The order is no longer a draft: its supplier and lines do not change.")
ORDERS = PurchaseOrderSerializer(many=True)


@extend_schema_view(
    list=extend_schema(summary="List purchase orders", description="Newest first; `?status=`, `?supplier_id=`."),
    create=extend_schema(summary="Draft a purchase order", responses={201: PurchaseOrderSerializer}),
    partial_update=extend_schema(
        summary="Change a draft's supplier or replace its lines",
        description="`lines`, when sent, replace all the order's lines.",
        responses={200: PurchaseOrderSerializer, 409: NOT_A_DRAFT},
    ),
    destroy=extend_schema(
        responses={
            204: None,
            409: OpenApiResponse(description="Received or partially received: its receipts are the stock's history."),
        }
    ),
)
class PurchaseOrderViewSet(ShopModelViewSet):
    """Purchase orders (staff, by model permissions); their lines change through the order's permissions."""

    queryset = PurchaseOrder.objects.prefetch_related(Prefetch("lines", PurchaseOrderLine.objects.order_by("id")))
    serializer_class = PurchaseOrderSerializer
    filterset_class = PurchaseOrderFilterSet
    ordering_fields = ["id", "created_at", "ordered_at", "received_at", "updated_at"]
    ordering = ["-id"]
    http_method_names = ["get", "post", "patch", "delete", "head", "options"]

    def get_permissions(self):
        if self.action in ("order", "receive", "cancel"):
            return [ChangePurchaseOrderPermission()]
        if self.action == "suggest":
            return [SuggestPurchaseOrdersPermission()]
        return super().get_permissions()

    def get_serializer_class(self):
        return ReceiveSerializer if self.action == "receive" else PurchaseOrderSerializer

    def _order_response(self, order: PurchaseOrder, code: int = status.HTTP_200_OK) -> Response:
        # Re-read with its lines: the service has just changed them.
        return Response(PurchaseOrderSerializer(self.get_queryset().get(pk=order.pk)).data, status=code)

    def create(self, request, *args, **kwargs):
        payload = PurchaseOrderSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        data = payload.validated_data
        order = purchase_order_create(supplier=data["supplier"], lines=data.get("lines", ()))
        return self._order_response(order, status.HTTP_201_CREATED)

    def partial_update(self, request, *args, **kwargs):
        order = self.get_object()
        payload = PurchaseOrderSerializer(order, data=request.data, partial=True)
        payload.is_valid(raise_exception=True)
        data = payload.validated_data
        purchase_order_update(order=order, supplier=data.get("supplier"), lines=data.get("lines"))
        return self._order_response(order)

    def perform_destroy(self, instance):
        purchase_order_delete(order=instance)

    @extend_schema(
        summary="Mark a draft ordered",
        request=None,
        responses={
            200: PurchaseOrderSerializer,
            409: OpenApiResponse(description="Not a draft, or a draft without lines."),
        },
    )
    @action(detail=True, methods=["post"])
    def order(self, request, pk=None):
        """`draft` → `ordered` (sets `ordered_at`)."""
        order = self.get_object()
        purchase_order_mark_ordered(order=order)
        return self._order_response(order)

    @extend_schema(
        summary="Receive parts",
        request=ReceiveSerializer,
        responses={
            200: PurchaseOrderSerializer,
            400: OpenApiResponse(description="More than is due on a line, or a part not on the order."),
            409: OpenApiResponse(description="A draft, received or cancelled order cannot be received."),
        },
    )
    @action(detail=True, methods=["post"])
    def receive(self, request, pk=None):
        """Add what arrived to stock (a `receipt` movement per line) and set each part's cost to the line's unit
        cost. Without `lines`, everything still due arrived."""
        order = self.get_object()
        payload = ReceiveSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        lines = payload.validated_data.get("lines")
        received = None if lines is None else [(line["part_id"], line["quantity"]) for line in lines]
        purchase_order_receive(order=order, lines=received, by=request.user)
        return self._order_response(order)

    @extend_schema(
        summary="Cancel an order",
        request=None,
        responses={
            200: PurchaseOrderSerializer,
            409: OpenApiResponse(description="Only a draft or an ordered order can be cancelled."),
        },
    )
    @action(detail=True, methods=["post"])
    def cancel(self, request, pk=None):
        """`draft` or `ordered` → `cancelled`."""
        order = self.get_object()
        purchase_order_cancel(order=order)
        return self._order_response(order)

    @extend_schema(
        summary="Draft orders for the parts at or below their reorder level",
        request=None,
        responses={
            201: OpenApiResponse(ORDERS, description="The draft orders made: one per supplier."),
            200: OpenApiResponse(ORDERS, description="No part needs ordering: an empty list."),
        },
    )
    @action(detail=False, methods=["post"], pagination_class=None, filter_backends=[])
    def suggest(self, request):
        """One draft per supplier for its parts at or below their reorder level, not already covered by open
        orders (docs/decisions/0021-purchase-orders.md)."""
        orders = purchase_orders_suggest()
        if not orders:
            return Response([], status=status.HTTP_200_OK)
        fresh = self.get_queryset().filter(pk__in=[order.pk for order in orders]).order_by("id")
        return Response(PurchaseOrderSerializer(fresh, many=True).data, status=status.HTTP_201_CREATED)
