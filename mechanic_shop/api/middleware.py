"""Request bodies too large to take, and bodies a response left unread: the client always gets the answer. Also
the CORS middleware, made cheap for callers that are not browsers (ShopCorsMiddleware), and Django's session, user
and messages middleware only where a browser can use them (ShopSessionMiddleware and its two siblings, at the end).

A body over DATA_UPLOAD_MAX_MEMORY_SIZE (2.5 MB) is refused with `413` before any view runs. But an answer alone is
not enough: a server that answers without reading the body, then closes the connection while the client is still
sending, makes the kernel reset the connection (unread data at close means RST), and the client may never see the
status — it cannot tell the refusal from a crash. So after the response is built, the rest of an unread body is read
and thrown away, up to DRAIN_MAX_BYTES and DRAIN_SECONDS: enough for any body a client would send by mistake,
bounded so a client cannot hold a worker with an endless or very slow body. A body past those bounds is not read;
its response says `Connection: close`. Why: docs/decisions/0016-counters-apart-from-pages-and-drained-bodies.md.
"""

import functools
import time
from collections.abc import Callable
from typing import IO, TYPE_CHECKING, cast

from corsheaders.middleware import CorsMiddleware
from django.conf import settings
from django.contrib.auth.middleware import AuthenticationMiddleware
from django.contrib.messages.middleware import MessageMiddleware
from django.contrib.sessions.middleware import SessionMiddleware
from django.http import HttpResponse, JsonResponse
from django.utils.cache import patch_vary_headers
from django.utils.deprecation import MiddlewareMixin

from mechanic_shop.api.conditional import not_modified
from mechanic_shop.api.throttling import USAGE_ATTRIBUTE, rate_limit_headers

if TYPE_CHECKING:
    from django.http import HttpRequest, HttpResponseBase

# What is read and discarded, at most, of a body a response left unread.
DRAIN_MAX_BYTES = 32 * 1024 * 1024
DRAIN_SECONDS = 10.0
_CHUNK = 64 * 1024


def declared_length(request: "HttpRequest") -> int:
    """The body's Content-Length, 0 when absent or not a number (Django reads no body then)."""
    try:
        return max(0, int(request.META.get("CONTENT_LENGTH") or 0))
    except ValueError:
        return 0


def _megabytes(size: int) -> str:
    return f"{size / (1024 * 1024):g} MB"


class RequestBodyMiddleware:
    def __init__(self, get_response: Callable[["HttpRequest"], "HttpResponseBase"]) -> None:
        self.get_response = get_response

    def __call__(self, request: "HttpRequest") -> "HttpResponseBase":
        limit: int | None = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
        length = declared_length(request)
        response: HttpResponseBase
        if limit is not None and length > limit:
            response = JsonResponse(
                {"detail": f"The request body is larger than the limit of {_megabytes(limit)}."}, status=413
            )
        else:
            response = self.get_response(request)
        if not drain_unread_body(request, length):
            response.headers["Connection"] = "close"
        return response


def drain_unread_body(request: "HttpRequest", length: int) -> bool:
    """Read and discard what is left of the request's body; False if it had to stop at a bound."""
    if getattr(request, "_read_started", True):
        return True  # the view read the body (Django keeps it), or this is not a WSGI request
    try:
        if length:
            # Django's stream stops at Content-Length, so reading never waits for bytes that will not come.
            return length <= DRAIN_MAX_BYTES and _discard(request.read, length, until_eof=False)
        if "HTTP_TRANSFER_ENCODING" in request.META and request.META.get("wsgi.input_terminated"):
            # A chunked body: Django reads none of it, but a server that marks its input terminated (gunicorn) ends
            # the stream where the body ends.
            stream: IO[bytes] = request.META["wsgi.input"]
            return _discard(stream.read, DRAIN_MAX_BYTES, until_eof=True)
    except OSError:  # the client went away: nothing left to protect
        return False
    return True


def _discard(read: Callable[[int], bytes], at_most: int, *, until_eof: bool) -> bool:
    """Read up to `at_most` bytes in chunks; True if the body ended within the bounds."""
    deadline = time.monotonic() + DRAIN_SECONDS
    left = at_most
    while left > 0:
        if time.monotonic() > deadline:
            return False
        chunk = read(min(_CHUNK, left))
        if not chunk:
            return True
        left -= len(chunk)
    return not until_eof


class ShopCorsMiddleware(CorsMiddleware):
    """django-cors-headers, without its cost on the requests it has nothing to add to.

    Most callers are not browsers on another origin and send no `Origin` header: for them the library would still
    build `request.headers` from the whole WSGI environ and parse the `Vary` header, about 20 µs a request (measured
    in-process), only to add `Vary: origin`. Here they get just that header, set directly (the `Vary` an answer
    already has is patched once per distinct value); a request with an `Origin` goes through the library as it is.
    """

    def add_response_headers(self, request: "HttpRequest", response: "HttpResponseBase") -> "HttpResponseBase":
        if "HTTP_ORIGIN" in request.META:
            return super().add_response_headers(request, response)
        enabled = getattr(request, "_cors_enabled", None)
        if enabled is None:
            enabled = self.is_enabled(request)
        if enabled:
            # A cache in front must not serve this answer (no CORS headers) to a browser on an allowed origin.
            vary = response.headers.get("Vary")
            response.headers["Vary"] = "origin" if vary is None else _vary_with_origin(vary)
        return response


@functools.lru_cache(maxsize=128)
def _vary_with_origin(vary: str) -> str:
    """`Vary: <vary>` once Django's patch_vary_headers has added `origin` to it. Worked out once per value: the API's
    answers carry a handful of them (`Accept` on almost all), and parsing it again was 3% of a cached page's hit."""
    response = HttpResponse()
    response.headers["Vary"] = vary
    patch_vary_headers(response, ("origin",))
    return response.headers["Vary"]


class ResponseHeadersMiddleware:
    """What the API's habits add to a finished answer, in one pass (one middleware, not two: it runs on every request).

    - `RateLimit-Policy` and `RateLimit` on every answer a throttle counted, 2xx and 429 alike, from the counts the
      throttles noted on the request (mechanic_shop/api/throttling.py); answers no throttle counted carry neither.
    - `304` for a GET/HEAD whose `If-None-Match` matches the answer's ETag (mechanic_shop/api/conditional.py). Last
      in MIDDLEWARE, outside every view, so cache_page has stored the `200` by then and a `304` is never cached.
    """

    def __init__(self, get_response: Callable[["HttpRequest"], "HttpResponseBase"]) -> None:
        self.get_response = get_response

    def __call__(self, request: "HttpRequest") -> "HttpResponseBase":
        response = not_modified(request, self.get_response(request))
        usages = request.__dict__.get(USAGE_ATTRIBUTE)
        if usages:
            for name, value in rate_limit_headers(usages).items():
                response.headers[name] = value
        return response


# Where a browser works with a session whether or not it sent the cookie yet: the admin (its login starts one) and the
# customer's pages. Every other path is the JSON API, which only meets a session its caller already has.
BROWSER_PATHS = ("/admin/", "/approve/", "/track/")
_FOR_BROWSER = "_shop_for_browser"


def for_browser(request: "HttpRequest") -> bool:
    """Whether the request needs Django's session, its user and messages: a browser page, or a session cookie sent
    (an admin session calling the API: DRF's SessionAuthentication reads the session's user)."""
    decided: bool | None = request.__dict__.get(_FOR_BROWSER)
    if decided is None:
        decided = request.path_info.startswith(BROWSER_PATHS) or (
            "HTTP_COOKIE" in request.META and settings.SESSION_COOKIE_NAME in request.COOKIES
        )
        setattr(request, _FOR_BROWSER, decided)
    return decided


class _ForBrowsersOnly(MiddlewareMixin):
    """Run the middleware it is mixed into only for `for_browser` requests; pass the others straight through.

    An API call without a session cookie would get an empty session, an anonymous user and an empty message store,
    and then use none of them: DRF authenticates it from its token and sets the user on the request itself. Making
    those three cost about a tenth of `GET /` and 5% of a detail (CPU instructions, docs/decisions/0027). Subclasses,
    they still satisfy the admin's checks that the middleware is installed."""

    def __call__(self, request: "HttpRequest") -> "HttpResponseBase":
        response = super().__call__(request) if for_browser(request) else self.get_response(request)
        return cast("HttpResponseBase", response)  # the API is served synchronously (WSGI), never awaited


class ShopSessionMiddleware(_ForBrowsersOnly, SessionMiddleware):
    pass


class ShopAuthenticationMiddleware(_ForBrowsersOnly, AuthenticationMiddleware):
    pass


class ShopMessageMiddleware(_ForBrowsersOnly, MessageMiddleware):
    pass
