"""`cache_page` for a list that every caller allowed to read it sees alike, and that is never stale.

Use it on a viewset's `list`, so authentication, permissions and throttles have run before a page is served:

    @method_decorator(shared_cache_page(name="customers-list", generation_key=LIST_GENERATION_KEY, timeout=...))
    def list(self, request, *args, **kwargs): ...

`generation_key` names a generation that every write bumps (mechanic_shop/core/generations.py), so a write makes the
next read fresh on every worker: a page is stored with the generation it was rendered under, read in the same trip as
the page, and served only while that generation stands. The stored page varies on the URL (query string included)
and Accept, never on the caller. Browsers and proxies are told not to keep it: the server's copy is the one that gets
invalidated.

Django's own `cache_page` semantics, in one cache read: what may be stored is what Django's cache middleware would
store (a 200, not streamed, setting no cookie, not private / no-cache / no-store, no `Vary: *`), for
`timeout()` seconds, with `Age` on a hit. But where `cache_page` reads the learned header list and then the page
(two trips to Redis) and stores a pickled response object, this keeps one key per URL and Accept, whose value is
plain data — generation, status, headers, body bytes — and a hit builds the response from them. The router's view for
such a list answers a hit before DRF (`answer_hits_before_drf`).
Why it is built this way, and what it bought: docs/decisions/0005-customer-list-cache-page.md,
docs/decisions/0028-one-trip-to-redis-per-request.md and
docs/decisions/0036-a-cached-page-answered-before-drf.md.
"""

import functools
import hashlib
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, NamedTuple

from django.core.cache import cache
from django.http import HttpResponse
from django.utils.cache import has_vary_header, patch_vary_headers
from django.utils.http import http_date

from mechanic_shop.api import conditional
from mechanic_shop.api.before_drf import let_through
from mechanic_shop.api.negotiation import plain_json_accepted
from mechanic_shop.core.generations import generation_and_cached

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
    response.headers["Expires"] = _now_as_http_date(int(time.time()))


@functools.lru_cache(maxsize=1)
def _now_as_http_date(second: int) -> str:
    # Formatting the date is a sixth of a cached page's own work; it changes once a second.
    return http_date(second)


class SharedPage(NamedTuple):
    """What `shared_cache_page` keeps: pages named `name`, fresh while the generation at `generation_key` stands,
    for `timeout()` seconds (read on every request)."""

    name: str
    generation_key: str
    timeout: Callable[[], int]


# A stored page: the generation it was rendered under, status, headers, body bytes, the time it was stored.
_Stored = tuple[int, int, dict[str, str], bytes, int]
# Set on the request by `answer_hits_before_drf` when it found no page: the key and the generation it read, so the
# view's own lookup does not ask the cache again.
_LOOKED_UP = "_shop_page_looked_up"


# What a page's absolute URL is made of (`request.build_absolute_uri()`, which its pagination links come from): the
# scheme, then the host as `request.get_host()` finds it, from the first of these that is set and trusted.
_HOST_PARTS = ("HTTP_X_FORWARDED_HOST", "HTTP_HOST", "SERVER_NAME", "SERVER_PORT", "HTTP_X_FORWARDED_PORT")


def page_key(name: str, request: "HttpRequest") -> str:
    """The page's key: its name, the URL as the request gave it (scheme, host, path, query string: its pagination
    links carry them) and Accept; never the caller, nor the generation (stored in the value, read in the same trip).

    The URL goes in as its raw parts, not as `build_absolute_uri()`, which checks the host against ALLOWED_HOSTS
    again (CommonMiddleware did, before any view) and escapes the path: 5% of a hit (decision 0038). Requests
    with the same parts get the same absolute URL, so the same links; a part the URL does not use (an untrusted
    X-Forwarded-Host, say) only makes a page of its own. A page is stored only by a request whose host passed."""
    meta = request.META  # not request.headers: that is built from the whole WSGI environ on first use
    host = "\n".join(meta.get(part, "") for part in _HOST_PARTS)
    varies = f"{request.scheme}\n{host}\n{request.path}?{meta.get('QUERY_STRING', '')}\n{meta.get('HTTP_ACCEPT', '')}"
    return f"page:{name}:{hashlib.md5(varies.encode(), usedforsecurity=False).hexdigest()}"


def _look_up(page: SharedPage, request: "HttpRequest") -> tuple[str, int, HttpResponse | None]:
    """The page's key, the current generation, and the stored answer if one is fresh (one trip to the cache)."""
    looked_up = getattr(request, "_request", request).__dict__.pop(_LOOKED_UP, None)  # DRF's request, or Django's
    if looked_up is not None:
        return *looked_up, None
    key = page_key(page.name, request)
    generation, stored = generation_and_cached(page.generation_key, key)
    if stored is not None and stored[0] == generation:
        return key, generation, _from_stored(stored)
    return key, generation, None


def _may_store(response: "HttpResponseBase") -> bool:
    """What Django's UpdateCacheMiddleware would store, for a page with a timeout of its own (cache_page's)."""
    if response.streaming or response.status_code != 200 or response.cookies:
        return False
    cache_control = response.get("Cache-Control", "").lower()
    if any(directive in cache_control for directive in ("private", "no-cache", "no-store")):
        return False
    return not has_vary_header(response, "*")


def _stored(generation: int, response: "HttpResponseBase") -> _Stored:
    headers = {name: value for name, value in response.items() if name.lower() not in _PER_ANSWER_HEADERS}
    return generation, response.status_code, headers, response.content, int(time.time())  # type: ignore[attr-defined]


def _from_stored(stored: _Stored) -> HttpResponse:
    _, status, headers, body, stored_at = stored
    response = HttpResponse(body, status=status, headers=headers)
    # As Django's cache middleware tells a hit's age (seconds since it was stored).
    response.headers["Age"] = str(max(0, int(time.time()) - stored_at))
    keep_out_of_client_caches(response)
    return response


def shared_cache_page(*, name: str, generation_key: str, timeout: Callable[[], int]) -> Callable[["_View"], "_View"]:
    """The page cached as `name`, fresh until the generation at `generation_key` is bumped, for `timeout()` seconds.
    On a viewset's `list`, the router's view for it also answers a hit before DRF (`answer_hits_before_drf`), which
    asks the viewset's `get_authenticators`, `get_permissions` and `get_throttles` — not overrides of `initial` or
    the `check_*` methods: a list whose rules live there must not be cached this way."""
    page = SharedPage(name, generation_key, timeout)

    def decorator(view: "_View") -> "_View":
        def cached_view(request: "HttpRequest", *args: Any, **kwargs: Any) -> Any:
            if request.method not in ("GET", "HEAD"):
                return view(request, *args, **kwargs)
            key, generation, hit = _look_up(page, request)
            if hit is not None:
                return hit
            response = view(request, *args, **kwargs)
            patch_vary_headers(response, ("Accept",))
            seconds = timeout()

            def store(rendered: "HttpResponseBase") -> None:
                if seconds and _may_store(rendered):
                    # The ETag the viewset would add next (api/conditional.py), stored with the page: a hit then
                    # carries it without hashing the body again.
                    conditional.add_etag(rendered)
                    cache.set(key, _stored(generation, rendered), timeout=seconds)

            # Stored once rendered; what leaves for the client then gets the never-cache headers (on a rendered
            # response — an error answered early — both run at once).
            response.add_post_render_callback(store)
            response.add_post_render_callback(keep_out_of_client_caches)
            return response

        cached_view.shared_page = page  # type: ignore[attr-defined]  # (found by the router: api/routers.py)
        return cached_view

    return decorator


def answer_hits_before_drf(
    view: "Callable[..., HttpResponseBase]", page: SharedPage
) -> "Callable[..., HttpResponseBase]":
    """The router's view for a list whose page is cached (api/routers.py wraps it in this).

    A GET with a bearer token and a plain Accept that finds a fresh page gets it here, once the viewset's own
    authenticator, permissions and throttles have let it through (`let_through`, api/before_drf.py) — on the Django
    request, without DRF's request wrapping, negotiation and finalizing, which were a fifth of such a hit
    (docs/decisions/0036). Anything else goes to the DRF view as if this were not there: no page (its lookup is
    handed on, not repeated), another method or Accept, no token, a refusal. What a refused request was counted here
    is given back first, so DRF counts it once.
    """
    viewset_class: Any = view.cls  # type: ignore[attr-defined]
    initkwargs: dict[str, Any] = view.initkwargs  # type: ignore[attr-defined]
    actions: dict[str, str] = view.actions  # type: ignore[attr-defined]
    renderers = len(viewset_class.renderer_classes)

    # functools.wraps copies the DRF view's attributes (cls, actions, csrf_exempt): the schema and Django see that view.
    @functools.wraps(view)
    def answer(request: "HttpRequest", *args: Any, **kwargs: Any) -> "HttpResponseBase":
        if request.method == "GET" and "HTTP_AUTHORIZATION" in request.META and plain_json_accepted(request, renderers):
            key, generation, hit = _look_up(page, request)
            if hit is None:
                request.__dict__[_LOOKED_UP] = (key, generation)
            else:
                # As DRF's view() makes the viewset for a request, and `initial` names its action.
                viewset = viewset_class(**initkwargs)
                viewset.action_map = actions
                viewset.action = actions["get"]
                viewset.request, viewset.args, viewset.kwargs = request, args, kwargs
                viewset.format_kwarg = None
                if let_through(viewset, request) is not None:
                    return hit
        return view(request, *args, **kwargs)

    return answer
