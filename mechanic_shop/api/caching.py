"""`cache_page` for a list that every caller allowed to read it sees alike, and that is never stale.

Use it on a viewset's `list`, so authentication, permissions and throttles have run before a page is served:

    @method_decorator(shared_cache_page(key_prefix=customer_list_cache_prefix, timeout=lambda: 120))
    def list(self, request, *args, **kwargs): ...

`key_prefix()` names a generation that every write bumps (mechanic_shop/core/generations.py), so a write makes the
next read fresh on every worker. The stored page varies on the query string and Accept, never on the caller.
Browsers and proxies are told not to keep it: the server's copy is the one that gets invalidated.
Why it is built this way, and what it bought: docs/decisions/0005-customer-list-cache-page.md.
"""

import functools
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from django.utils.cache import patch_cache_control
from django.utils.http import http_date
from django.views.decorators.cache import cache_page
from django.views.decorators.vary import vary_on_headers

if TYPE_CHECKING:
    from django.http import HttpRequest, HttpResponseBase
    from django.template.response import SimpleTemplateResponse

    # A DRF view (a viewset's `list`): its Response is a SimpleTemplateResponse, rendered after the view returns.
    _View = Callable[..., SimpleTemplateResponse]

# What django.utils.cache.add_never_cache_headers leaves on a response, set directly (a test holds the two equal).
NEVER_CACHE = "max-age=0, no-cache, no-store, must-revalidate, private"


def keep_out_of_client_caches(response: "HttpResponseBase") -> None:
    response.headers["Cache-Control"] = NEVER_CACHE
    response.headers["Expires"] = http_date()


@vary_on_headers("Accept")
def _public_page(request: "HttpRequest", *args: Any, view: "_View", **kwargs: Any) -> "SimpleTemplateResponse":
    response = view(request, *args, **kwargs)
    # Without `public`, Django's cache middleware keys the page per Authorization header (one copy per token).
    patch_cache_control(response, public=True)
    return response


@functools.lru_cache(maxsize=8)
def _cache_page(key_prefix: str, seconds: int) -> "_View":
    # Django's cache_page is built to be reused: build it once per generation and timeout, not per request.
    return cache_page(seconds, key_prefix=key_prefix)(_public_page)


def shared_cache_page(*, key_prefix: Callable[[], str], timeout: Callable[[], int]) -> Callable[["_View"], "_View"]:
    """cache_page under the prefix `key_prefix()` for `timeout()` seconds (both read on every request)."""

    def decorator(view: "_View") -> "_View":
        def cached_view(request: "HttpRequest", *args: Any, **kwargs: Any) -> "SimpleTemplateResponse":
            response = _cache_page(key_prefix(), timeout())(request, *args, view=view, **kwargs)
            # cache_page stores the page from its own post-render callback, which runs first: only what leaves for
            # the client gets these headers (on a hit the page is already rendered, so this runs at once).
            response.add_post_render_callback(keep_out_of_client_caches)
            return response

        return cached_view

    return decorator
