from typing import TYPE_CHECKING

from django.core.exceptions import ImproperlyConfigured
from rest_framework.routers import SimpleRouter

from mechanic_shop.api.viewsets import ShopViewSetMixin

if TYPE_CHECKING:
    from rest_framework.viewsets import ViewSetMixin


class OptionalSlashRouter(SimpleRouter):
    """`/customers` and `/customers/` answer the same, with no redirect (a redirect would drop a POST body).

    It registers only viewsets built on the API's base classes (mechanic_shop/api/viewsets.py).
    """

    def __init__(self) -> None:
        super().__init__()
        self.trailing_slash = "/?"

    def register(self, prefix: str, viewset: "type[ViewSetMixin]", basename: str | None = None) -> None:
        if not issubclass(viewset, ShopViewSetMixin):
            raise ImproperlyConfigured(
                f"{viewset.__name__} must be built on mechanic_shop.api.viewsets (ShopModelViewSet, "
                "ShopGenericViewSet or ShopReadOnlyViewSet)."
            )
        super().register(prefix, viewset, basename)
