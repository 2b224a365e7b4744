"""The base viewsets every endpoint of the API is built on, and the one pattern for ids in paths.

The router (mechanic_shop/api/routers.py) refuses a viewset that is not built on these, so no endpoint can skip
what they do for all: ids in paths are 1 to 18 digits (anything else matches no route: 404, never a 500 from an
integer overflow), and a request body is parsed on every writing method — even by an action that reads none — so
another content type answers 415 and malformed JSON 400 instead of being silently ignored. Their 200 answers carry
an ETag, and a write with If-Match is checked under the row lock the change then holds (api/conditional.py).
"""

from typing import TYPE_CHECKING, Any, NoReturn, TypeVar

from django.db import transaction
from django.http import Http404
from rest_framework import mixins, viewsets
from rest_framework.generics import get_object_or_404

from mechanic_shop.api import conditional, prefetch
from mechanic_shop.api.parsers import has_body
from mechanic_shop.core.prepared import PreparedLookup, prepare
from mechanic_shop.idempotency import keys as idempotency

if TYPE_CHECKING:
    from django.db.models import Model, QuerySet
    from django.http import HttpRequest, HttpResponseBase
    from rest_framework.request import Request
    from rest_framework.response import Response
    from rest_framework.views import APIView

    # The mixin only ever sits in front of a DRF view; saying so lets its super() calls type-check.
    _ViewBase = APIView
else:
    _ViewBase = object

# The model a viewset serves (each app names its own).
_M = TypeVar("_M", bound="Model")

# Ids in paths: at most 18 digits, so every id the pattern lets through fits a signed 64-bit column.
ID_PATTERN = r"[0-9]{1,18}"

# The actions that work on the one object named in the path (DRF's mixins).
SINGLE_OBJECT_ACTIONS = frozenset({"retrieve", "update", "partial_update", "destroy"})


class ShopViewSetMixin(_ViewBase):
    """What every viewset of the API does; use it through the classes below."""

    lookup_value_regex = ID_PATTERN
    # Whether a POST honours Idempotency-Key (mechanic_shop/idempotency/keys.py); authentication's actions say no.
    idempotency_keys = True
    # Whether the router answers a plain GET of one object before DRF (api/before_drf.py, decision 0043). Only for a
    # viewset whose rules live in get_authenticators, get_permissions, get_throttles, get_queryset and the object
    # permissions, and whose retrieve is DRF's own (the router checks that): overrides of initial or the check_*
    # methods would be skipped.
    retrieve_before_drf = False

    def perform_authentication(self, request: "Request") -> None:
        super().perform_authentication(request)
        # With Redis: the permission set, generations and rate-limit counts in one trip (api/prefetch.py).
        prefetch.read_ahead(self, request)

    def permission_denied(self, request: "Request", message: str | None = None, code: str | None = None) -> NoReturn:
        prefetch.give_back(request)  # refused before the throttles ran: not counted (api/prefetch.py)
        super().permission_denied(request, message, code)

    def initial(self, request: "Request", *args: Any, **kwargs: Any) -> None:
        # After authentication, permissions and throttles, like any parsing.
        super().initial(request, *args, **kwargs)
        # (A route without POST answers 405 whatever the header.)
        keyed = self.idempotency_keys and idempotency.wants_key(request) and hasattr(self, "post")
        if keyed:
            key_hash, fingerprint = idempotency.read_key(request)  # the raw body, before parsing reads it
        if request.method in ("POST", "PUT", "PATCH", "DELETE") and has_body(request):
            request.data  # noqa: B018  (parsing is what raises 415 / 400)
        if keyed:
            # Replaces the handler DRF's dispatch calls next: the stored answer again, or the work and its storing.
            # A replay answers what the first request got, so If-Match is checked only when the work runs.
            idempotency.begin(self, request, key_hash, fingerprint, before=self.check_if_match)
        else:
            self.check_if_match()

    def _by_id_alone(self) -> bool:
        """One object by its id, with no query string: no filter backend can change what is found."""
        return self.action in SINGLE_OBJECT_ACTIONS and not self.request.META.get("QUERY_STRING")  # type: ignore[attr-defined]

    def filter_queryset(self, queryset: "QuerySet[Any]") -> "QuerySet[Any]":
        # One object by its id with no query string: the filter backends could only add a default ordering, which a
        # lookup by id does not need. They cost about 4% of a detail request, so they are skipped then (decision 0027).
        # Any query string takes DRF's path, where a filter that excludes the object still answers 404.
        if self._by_id_alone():
            return queryset
        return super().filter_queryset(queryset)  # type: ignore[misc, no-any-return]

    # --- One object by its id, its SQL built once (mechanic_shop/core/prepared.py, decision 0029) -------------------

    # By viewset class and database: the prepared lookup of the class's own queryset, or None if it cannot be one.
    _prepared: "dict[tuple[type, str], PreparedLookup[Any] | None]" = {}

    def get_queryset(self) -> "QuerySet[Any]":
        queryset = super().get_queryset()  # type: ignore[misc]
        # Remembered so get_object can tell whether the view's own get_queryset returned it as it was.
        self._class_queryset = queryset
        return queryset  # type: ignore[no-any-return]

    def get_object(self) -> Any:
        """DRF's get_object, but a lookup by id alone of the class's queryset, untouched by the view's get_queryset,
        runs a statement prepared once per class and connection instead of building the same SQL again."""
        if not (self._by_id_alone() and self.lookup_field in ("pk", "id") and "queryset" not in self.__dict__):  # type: ignore[attr-defined]
            return super().get_object()  # type: ignore[misc]
        queryset = self.get_queryset()
        lookup = None
        # Otherwise the view narrowed or extended it (a customer's own rows, an annotation): the shape is its own.
        if queryset is self.__dict__.get("_class_queryset"):
            key = (type(self), queryset.db)
            lookup = self._prepared.get(key)
            if lookup is None and key not in self._prepared or lookup is not None and not lookup.usable():
                lookup = self._prepared[key] = prepare(queryset)
        id_in_path = self.kwargs[self.lookup_url_kwarg or self.lookup_field]  # type: ignore[attr-defined]
        # (The router lets only digits through; with a looser lookup_value_regex the rest gets DRF's 404.)
        if lookup is None or not (id_in_path.isascii() and id_in_path.isdigit()):
            # The rest of DRF's get_object, on the queryset already at hand.
            obj = get_object_or_404(self.filter_queryset(queryset), pk=id_in_path)
        else:
            obj = lookup.get(int(id_in_path))
            if obj is None:
                raise Http404(f"No {queryset.model._meta.object_name} matches the given query.")
        self.check_object_permissions(self.request, obj)
        return obj

    # --- ETag and conditional requests (mechanic_shop/api/conditional.py) ------------------------------------------

    def dispatch(self, request: "HttpRequest", *args: Any, **kwargs: Any) -> "HttpResponseBase":
        if conditional.needs_transaction(request):
            # If-Match is checked under the row lock the change then holds: one transaction for both.
            with transaction.atomic():
                return super().dispatch(request, *args, **kwargs)
        return super().dispatch(request, *args, **kwargs)

    def check_if_match(self) -> None:
        conditional.check_if_match(self, self.request, self.lock_for_precondition)

    def lock_for_precondition(self) -> None:
        """Lock the row of the object in the path, before an If-Match check (decision 0026).

        A viewset whose changes lock more than that row, or whose path names it by a token, locks here what its
        change will lock, in the change's order (VehicleViewSet, PublicEstimateViewSet)."""
        lookup = self.kwargs.get(self.lookup_url_kwarg or self.lookup_field)  # type: ignore[attr-defined]
        if lookup is not None and self.lookup_field in ("pk", "id"):  # type: ignore[attr-defined]
            model = self.get_queryset().model
            list(model._base_manager.select_for_update().filter(pk=lookup).values_list("pk"))

    def finalize_response(self, request: "Request", response: "Response", *args: Any, **kwargs: Any) -> "Response":
        response = super().finalize_response(request, response, *args, **kwargs)
        if conditional.wants_etag(request, self, response):
            conditional.add_etag_when_rendered(response)
        return response


class ShopGenericViewSet(ShopViewSetMixin, viewsets.GenericViewSet[_M]):
    """A viewset that declares its own actions."""


class ShopReadOnlyViewSet(
    ShopViewSetMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet[_M]
):
    """List and retrieve only."""


class ShopModelViewSet(ShopViewSetMixin, viewsets.ModelViewSet[_M]):
    """Create, list, retrieve, update, partial update and destroy."""
