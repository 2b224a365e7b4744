"""`cache_page` for a list that every caller allowed to read it sees alike, and that is never stale.

Use it on a viewset's `list`, so authentication, permissions and throttles have run before a page is served:

    @method_decorator(shared_cache_page(key_prefix=customer_list_cache_prefix, timeout=lambda: 120))
    def list(self, request, *args, **kwargs): ...

`key_prefix()` names a generation that every write bumps (mechanic_shop/core/generations.py), so a write makes the
next read fresh on every worker. The stored page varies on the URL (query string included) and Accept, never on the
caller. Browsers and proxies are told not to keep it: the server's copy is the one that gets invalidated.

Django's own `cache_page` semantics, in one cache read: what may be stored is what Django's cache middleware would
store (a 200, not streamed, setting no cookie, not private / no-cache / no-store, no `Vary: *`), for
`timeout()` seconds, with `Age` on a hit. But where `cache_page` reads the learned header list and then the page
(two trips to Redis) and stores a pickled response object, this keeps one key per generation, URL and Accept, whose
value is plain data — status, headers, body bytes — and a hit builds the response from them.
Why it is built this way, and what it bought: docs/decisions/0005-customer-list-cache-page.md and
docs/decisions/0028-one-trip-to-redis-per-request.md.
"""

import hashlib
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from django.core.cache import cache
from django.http import HttpResponse
from django.utils.cache import has_vary_header, patch_vary_headers
from django.utils.http import http_date

from mechanic_shop.api import conditional

if TYPE_CHECKING:
    from django.http import HttpRequest, HttpResponseBase
    from django.template.response import SimpleTemplateResponse

    # A DRF view (a viewset's `list`): its Response is a SimpleTemplateResponse, rendered after the view returns.
    _View = Callable[..., SimpleTemplateResponse]

# What django.utils.cache.add_never_cache_headers leaves on a response, set directly (a test holds the two equal).
NEVER_CACHE = "max-age=0, no-cache, no-store, must-revalidate, private"
# Set on every answer that leaves (keep_out_of_client_caches), so never stored with a page.
_PER_ANSWER_HEADERS = frozenset({"cache-control", "expires", "age"})


def keep_out_of_client_caches(response: "HttpResponseBase") -> None:
    response.headers["Cache-Control"] = NEVER_CACHE
    response.headers["Expires"] = http_date()


def page_key(prefix: str, request: "HttpRequest") -> str:
    """The page's key: the prefix (with its generation), the absolute URL with its query string (pagination links
    in the body carry the host) and Accept; never the caller."""
    # META, not request.headers: the latter is built from the whole WSGI environ on first use.
    varies = f"{request.build_absolute_uri()}\n{request.META.get('HTTP_ACCEPT', '')}"
    return f"page:{prefix}:{hashlib.md5(varies.encode(), usedforsecurity=False).hexdigest()}"


def _may_store(response: "HttpResponseBase") -> bool:
    """What Django's UpdateCacheMiddleware would store, for a page with a timeout of its own (cache_page's)."""
    if response.streaming or response.status_code != 200 or response.cookies:
        return False
    cache_control = response.get("Cache-Control", "").lower()
    if any(directive in cache_control for directive in ("private", "no-cache", "no-store")):
        return False
    return not has_vary_header(response, "*")


def _stored(response: "HttpResponseBase") -> tuple[int, dict[str, str], bytes, int]:
    headers = {name: value for name, value in response.items() if name.lower() not in _PER_ANSWER_HEADERS}
    return response.status_code, headers, response.content, int(time.time())  # type: ignore[attr-defined]


def _from_stored(stored: tuple[int, dict[str, str], bytes, int]) -> HttpResponse:
    status, headers, body, stored_at = stored
    response = HttpResponse(body, status=status, headers=headers)
    # As Django's cache middleware tells a hit's age (seconds since it was stored).
    response.headers["Age"] = str(max(0, int(time.time()) - stored_at))
    keep_out_of_client_caches(response)
    return response


def shared_cache_page(*, key_prefix: Callable[[], str], timeout: Callable[[], int]) -> Callable[["_View"], "_View"]:
    """The page cached under the prefix `key_prefix()` for `timeout()` seconds (both read on every request)."""

    def decorator(view: "_View") -> "_View":
        def cached_view(request: "HttpRequest", *args: Any, **kwargs: Any) -> Any:
            if request.method not in ("GET", "HEAD"):
                return view(request, *args, **kwargs)
            key = page_key(key_prefix(), request)
            stored = cache.get(key)
            if stored is not None:
                return _from_stored(stored)
            response = view(request, *args, **kwargs)
            patch_vary_headers(response, ("Accept",))
            seconds = timeout()

            def store(rendered: "HttpResponseBase") -> None:
                if seconds and _may_store(rendered):
                    # The ETag the viewset would add next (api/conditional.py), stored with the page: a hit then
                    # carries it without hashing the body again.
                    conditional.add_etag(rendered)
                    cache.set(key, _stored(rendered), timeout=seconds)

            # Stored once rendered; what leaves for the client then gets the never-cache headers (on a rendered
            # response — an error answered early — both run at once).
            response.add_post_render_callback(store)
            response.add_post_render_callback(keep_out_of_client_caches)
            return response

        return cached_view

    return decorator
