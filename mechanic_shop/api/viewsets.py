"""The base viewsets every endpoint of the API is built on, and the one pattern for ids in paths.

The router (mechanic_shop/api/routers.py) refuses a viewset that is not built on these, so no endpoint can skip
what they do for all: ids in paths are 1 to 18 digits (anything else matches no route: 404, never a 500 from an
integer overflow), and a request body is parsed on every writing method — even by an action that reads none — so
another content type answers 415 and malformed JSON 400 instead of being silently ignored.
"""

from typing import TYPE_CHECKING, Any, TypeVar

from rest_framework import mixins, viewsets

from mechanic_shop.api.parsers import has_body
from mechanic_shop.idempotency import keys as idempotency

if TYPE_CHECKING:
    from django.db.models import Model
    from rest_framework.request import Request
    from rest_framework.views import APIView

    # The mixin only ever sits in front of a DRF view; saying so lets its super() calls type-check.
    _ViewBase = APIView
else:
    _ViewBase = object

# The model a viewset serves (each app names its own).
_M = TypeVar("_M", bound="Model")

# Ids in paths: at most 18 digits, so every id the pattern lets through fits a signed 64-bit column.
ID_PATTERN = r"[0-9]{1,18}"


class ShopViewSetMixin(_ViewBase):
    """What every viewset of the API does; use it through the classes below."""

    lookup_value_regex = ID_PATTERN
    # Whether a POST honours Idempotency-Key (mechanic_shop/idempotency/keys.py); authentication's actions say no.
    idempotency_keys = True

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
            idempotency.begin(self, request, key_hash, fingerprint)


class ShopGenericViewSet(ShopViewSetMixin, viewsets.GenericViewSet[_M]):
    """A viewset that declares its own actions."""


class ShopReadOnlyViewSet(
    ShopViewSetMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet[_M]
):
    """List and retrieve only."""


class ShopModelViewSet(ShopViewSetMixin, viewsets.ModelViewSet[_M]):
    """Create, list, retrieve, update, partial update and destroy."""
