from django.shortcuts import get_object_or_404
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.decorators import action
from rest_framework.response import Response

from inventory.filters import PartFilterSet
from inventory.models import Part, StockMovement
from inventory.serializers import AdjustStockSerializer, PartSerializer, StockMovementSerializer
from inventory.services import part_adjust_stock, part_create, part_delete, part_update
from mechanic_shop.accounts.permissions import StaffChangePermissions
from mechanic_shop.api.viewsets import ShopModelViewSet


class PartViewSet(ShopModelViewSet):
    """The parts inventory (staff, by model permissions), with each part's stock movements."""

    queryset = Part.objects.all()
    serializer_class = PartSerializer
    filterset_class = PartFilterSet
    search_fields = ["name", "sku"]
    ordering_fields = ["id", "name", "price", "quantity_in_stock"]
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
        filters=False,
    )
    @action(detail=True, methods=["get"], filter_backends=[], ordering=None)
    def movements(self, request, pk=None):
        """Every change of the part's stock, newest first; `balance_after` is the stock right after each."""
        part = get_object_or_404(Part.objects.only("id"), pk=pk)
        # The (part, id) index serves this order: one query for the page, one for its count.
        page = self.paginate_queryset(StockMovement.objects.filter(part=part).order_by("-id"))
        return self.get_paginated_response(StockMovementSerializer(page, many=True).data)

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
