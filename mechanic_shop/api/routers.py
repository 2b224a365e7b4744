from typing import TYPE_CHECKING, Any

from django.core.exceptions import ImproperlyConfigured
from django.urls import URLPattern
from rest_framework.routers import SimpleRouter

from mechanic_shop.api.before_drf import answer_retrieve_before_drf, check_retrieve_before_drf
from mechanic_shop.api.caching import answer_hits_before_drf
from mechanic_shop.api.viewsets import ShopViewSetMixin

if TYPE_CHECKING:
    from rest_framework.viewsets import ViewSetMixin


class OptionalSlashRouter(SimpleRouter):
    """`/customers` and `/customers/` answer the same, with no redirect (a redirect would drop a POST body).

    It registers only viewsets built on the API's base classes (mechanic_shop/api/viewsets.py). It gives a list whose
    page is cached (`shared_cache_page`) a view that answers its hits before DRF (`answer_hits_before_drf`), and the
    detail route of a viewset that sets `retrieve_before_drf` one that answers a plain GET before DRF
    (`answer_retrieve_before_drf`).
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
        if getattr(viewset, "retrieve_before_drf", False):
            check_retrieve_before_drf(viewset)
        super().register(prefix, viewset, basename)

    def get_urls(self) -> list[Any]:
        urls = []
        for url in super().get_urls():
            if isinstance(url, URLPattern):
                view = url.callback
                page = getattr(getattr(getattr(view, "cls", None), "list", None), "shared_page", None)
                if page is not None and getattr(view, "actions", {}).get("get") == "list":
                    url = URLPattern(url.pattern, answer_hits_before_drf(view, page), url.default_args, url.name)
                elif getattr(view, "actions", {}).get("get") == "retrieve" and view.cls.retrieve_before_drf:  # type: ignore[attr-defined]
                    url = URLPattern(url.pattern, answer_retrieve_before_drf(view), url.default_args, url.name)
            urls.append(url)
        return urls
