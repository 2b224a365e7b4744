"""ETag, If-None-Match and If-Match for the API (docs/decisions/0026-etags-and-conditional-requests.md).

- Every 200 answer to GET/HEAD, PUT, PATCH and a POST on one object carries `ETag`: a strong validator, the quoted
  sha256 of the rendered body (so it changes whenever the representation does, Accept included). It is set in a
  post-render callback the viewset adds (`add_etag`), before cache_page's own, so a cached page keeps its ETag.
- `not_modified` (run by ResponseHeadersMiddleware, mechanic_shop/api/middleware.py) answers a GET/HEAD whose
  `If-None-Match` matches that ETag (weak comparison, or `*`) with 304 and no body. It runs after cache_page has
  stored the 200, so a 304 is never cached.
- `check_if_match`: a PUT, PATCH, DELETE or POST on one object with `If-Match` locks the object's row, renders its
  representation exactly as GET would, and compares strongly; no match → 412 and nothing changes. The viewset runs
  the check and the change in one transaction (`needs_transaction`), so no writer can slip in between.
"""

import hashlib
import re
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from django.http import HttpResponseNotModified
from django.template.response import SimpleTemplateResponse
from rest_framework import status
from rest_framework.exceptions import APIException, ParseError
from rest_framework.response import Response

if TYPE_CHECKING:
    from django.http import HttpRequest, HttpResponseBase
    from rest_framework.request import Request
    from rest_framework.views import APIView

WRITING_METHODS = frozenset({"PUT", "PATCH", "DELETE", "POST"})
# One entity tag (RFC 9110 §8.8.3): optional W/, then a quoted string without quotes, spaces or controls.
_ENTITY_TAG = re.compile(r'\s*((?:W/)?"[\x21\x23-\x7e\x80-\xff]*")\s*')
# The headers a 304 repeats from the 200 it stands for (RFC 9110 §15.4.5), as Django's own conditional answers do.
_NOT_MODIFIED_HEADERS = ("Cache-Control", "Content-Location", "Date", "ETag", "Expires", "Vary")
MALFORMED_IF_MATCH = 'If-Match must be "*" or a comma-separated list of entity tags.'


class PreconditionFailed(APIException):
    status_code = status.HTTP_412_PRECONDITION_FAILED
    default_detail = "The resource has changed since it was read (If-Match does not match its current ETag)."
    default_code = "precondition_failed"


def etag_for(content: bytes) -> str:
    """A strong entity tag of a rendered body: 128 bits of its sha256, quoted."""
    return '"' + hashlib.sha256(content).hexdigest()[:32] + '"'


def add_etag(response: "HttpResponseBase") -> None:
    """Post-render callback: the ETag of the body just rendered (one pass over it)."""
    if response.status_code == status.HTTP_200_OK and not response.has_header("ETag"):
        response.headers["ETag"] = etag_for(response.content)  # type: ignore[attr-defined]


def add_etag_when_rendered(response: "HttpResponseBase") -> None:
    if isinstance(response, SimpleTemplateResponse):
        response.add_post_render_callback(add_etag)
    else:  # already rendered: an answer replayed for its Idempotency-Key
        add_etag(response)


def wants_etag(request: "Request", view: "APIView", response: "HttpResponseBase") -> bool:
    """200 to GET/HEAD (one object or a list), PUT, PATCH, and a POST or DELETE on one object (an action answering
    it: removing a labor line answers the ticket)."""
    if response.status_code != status.HTTP_200_OK:
        return False
    method = request.method
    if method in ("GET", "HEAD", "PUT", "PATCH"):
        return True
    return method in ("POST", "DELETE") and bool(getattr(view, "detail", False))


def parse_if_match(value: str) -> list[str] | None:
    """`["*"]` or the listed tags (each with its W/ if any); None when the header is malformed."""
    if value.strip() == "*":
        return ["*"]
    tags = []
    for item in value.split(","):
        match = _ENTITY_TAG.fullmatch(item)
        if match is None:
            return None
        tags.append(match[1])
    return tags


def needs_transaction(request: "HttpRequest") -> bool:
    """A writing request with If-Match: its check and its change run in one transaction."""
    # META, not `request.headers`: that would build a dict of every header on each request (measured: 7% of a read).
    return request.method in WRITING_METHODS and "HTTP_IF_MATCH" in request.META


def check_if_match(view: "APIView", request: "Request", lock: "Callable[[], object]") -> None:
    """Refuse with 412 a write whose If-Match does not match the object's current representation.

    Called after authentication, permissions and throttles, inside the request's transaction; `lock()` takes the
    object's row lock first, so the representation compared is the one the change will start from.
    """
    header = request.META.get("HTTP_IF_MATCH")
    if header is None:
        return
    method = (request.method or "").lower()
    # One object in the path: a detail route, or one that names it otherwise (/customers/me).
    on_one_object = (view.lookup_url_kwarg or view.lookup_field) in view.kwargs  # type: ignore[attr-defined]
    # A method the route does not take stays a 405 (DRF finds the handler only after `initial`).
    handled = method in view.http_method_names and hasattr(view, method)
    if request.method not in WRITING_METHODS or not on_one_object or not handled:
        return
    tags = parse_if_match(header)
    if tags is None:
        raise ParseError(MALFORMED_IF_MATCH)
    lock()
    current = current_etag(view, request)  # 404 when the caller may not see the object, as GET would answer
    if tags == ["*"]:
        return
    if current not in (tag for tag in tags if not tag.startswith("W/")):
        raise PreconditionFailed()


def current_etag(view: Any, request: "Request") -> str:
    """The ETag a GET of the object would answer now: the viewset's own retrieve, rendered as this request asks."""
    action = view.action
    view.action = "retrieve"  # what GET runs: its serializer, queryset and object permissions
    try:
        response = view.retrieve(request, *view.args, **view.kwargs)
    finally:
        view.action = action
    assert isinstance(response, Response)
    response.accepted_renderer = request.accepted_renderer
    response.accepted_media_type = request.accepted_media_type
    response.renderer_context = view.get_renderer_context()  # type: ignore[attr-defined]
    return etag_for(response.rendered_content)


def not_modified(request: "HttpRequest", response: "HttpResponseBase") -> "HttpResponseBase":
    """304 for a GET/HEAD whose If-None-Match matches the 200's ETag (weakly, or `*`); else the 200 itself."""
    if_none_match = request.META.get("HTTP_IF_NONE_MATCH")
    etag = response.headers.get("ETag")
    if (
        if_none_match is None
        or etag is None
        or request.method not in ("GET", "HEAD")
        or response.status_code != status.HTTP_200_OK
    ):
        return response
    if if_none_match.strip() != "*":
        tags = [match[1] for match in map(_ENTITY_TAG.fullmatch, if_none_match.split(",")) if match is not None]
        if _weak(etag) not in {_weak(tag) for tag in tags}:
            return response
    answer = HttpResponseNotModified()
    for header in _NOT_MODIFIED_HEADERS:
        if header in response.headers:
            answer.headers[header] = response.headers[header]
    answer.cookies = response.cookies
    return answer


def _weak(tag: str) -> str:
    return tag.removeprefix("W/")
