"""Answers given before DRF's view, on the Django request, for the two plainest reads of the API.

- A cached list page's hit (`answer_hits_before_drf` in api/caching.py; docs/decisions/0036).
- One object by its id, for a viewset that sets `retrieve_before_drf` (`answer_retrieve_before_drf`, here;
  docs/decisions/0043). This is a GET with a bearer token, a plain Accept and no query string.

Both run what DRF's `initial` decides, in its order and with the viewset's own classes (`let_through`):
authentication by the first authenticator (the bearer token's), the one trip to Redis, permissions, throttles. A
retrieve then runs the viewset's own `get_object` (its queryset, scoped to the caller, and its object permissions)
and `get_serializer`. It renders with the viewset's renderer and sets the headers DRF's `finalize_response` would,
the ETag included. What they save is DRF's request wrapping, negotiation, `Response` and finalizing: a sixth of a
customer detail.

Anything else goes to the DRF view as if this were not there: another method or Accept, a query string, no token,
and every refusal (401, 403, 404, 429). What was counted for a refused request here is given back first, so DRF
counts it once. The rate-limit headers and `If-None-Match` are the middleware's, for both paths alike.
"""

import functools
from typing import TYPE_CHECKING, Any

from django.core.exceptions import ImproperlyConfigured
from django.http import Http404, HttpResponse
from rest_framework.exceptions import APIException
from rest_framework.mixins import RetrieveModelMixin

from mechanic_shop.api import conditional, prefetch, throttling
from mechanic_shop.api.negotiation import plain_json_accepted

if TYPE_CHECKING:
    from collections.abc import Callable

    from django.http import HttpRequest, HttpResponseBase


def let_through(viewset: Any, request: "HttpRequest") -> list[str] | None:
    """What DRF's `initial` decides for the viewset, in its order: authentication (the first authenticator, the
    bearer token's), the one trip to Redis, permissions, throttles. None at the first refusal, with nothing left
    counted; the DRF view then answers it (401, 403, 429) exactly as it would have. Otherwise the keys of the
    counters the request was counted in, to give back if it is handed on after all."""
    authenticators = viewset.get_authenticators()
    if not authenticators:
        return None
    try:
        authenticated = authenticators[0].authenticate(request)
    except APIException:
        return None
    if authenticated is None:
        return None
    # DRF sets both on the Django request too; the permissions read them.
    request.user, request.auth = authenticated  # type: ignore[attr-defined]
    prefetch.read_ahead(viewset, request)
    if not all(permission.has_permission(request, viewset) for permission in viewset.get_permissions()):
        prefetch.give_back(request)
        return None
    throttles = viewset.get_throttles()
    if not throttling.has_counted(request):  # counted in the trip to Redis, or here, so it can be given back
        throttling.count_ahead(request, prefetch.counters_of(throttles, request))
    keys = throttling.counted_keys(request)
    # Every throttle is asked, as DRF asks them all before refusing.
    refused = [throttle for throttle in throttles if not throttle.allow_request(request, viewset)]
    if refused:
        hand_on(request, keys)
        return None
    return keys


def hand_on(request: "HttpRequest", keys: list[str]) -> None:
    """Undo what `let_through` counted and noted, so the DRF view counts the request once."""
    throttling.forget(request)
    prefetch.give_back_keys(keys)


class _Refused(Exception):
    """An object permission refused the caller: DRF's view answers it."""


def _refuse(*args: Any, **kwargs: Any) -> None:
    raise _Refused


def check_retrieve_before_drf(viewset_class: type) -> None:
    """Refuse (ImproperlyConfigured) a viewset whose `retrieve` is not DRF's own: the override would be skipped here.
    The router asks as the viewset is registered."""
    if getattr(viewset_class, "retrieve", None) is not RetrieveModelMixin.retrieve:
        raise ImproperlyConfigured(
            f"{viewset_class.__name__} overrides retrieve, so it cannot set retrieve_before_drf."
        )


def answer_retrieve_before_drf(view: "Callable[..., HttpResponseBase]") -> "Callable[..., HttpResponseBase]":
    """The router's view for the detail route of a viewset that sets `retrieve_before_drf` (api/routers.py)."""
    viewset_class: Any = view.cls  # type: ignore[attr-defined]
    initkwargs: dict[str, Any] = view.initkwargs  # type: ignore[attr-defined]
    actions: dict[str, str] = view.actions  # type: ignore[attr-defined]
    renderers = len(viewset_class.renderer_classes)

    # functools.wraps copies the DRF view's attributes (cls, actions, csrf_exempt): the schema and Django see that view.
    @functools.wraps(view)
    def answer(request: "HttpRequest", *args: Any, **kwargs: Any) -> "HttpResponseBase":
        if (
            request.method == "GET"
            and "HTTP_AUTHORIZATION" in request.META
            and not request.META.get("QUERY_STRING")
            and plain_json_accepted(request, renderers)
        ):
            # As DRF's view() makes the viewset for a request, and `initial` names its action (written out here and in
            # api/caching.py: a helper function cost 0.7% of a cached page's hit).
            viewset = viewset_class(**initkwargs)
            viewset.action_map = actions
            viewset.action = actions["get"]
            viewset.request, viewset.args, viewset.kwargs = request, args, kwargs
            viewset.format_kwarg = None
            keys = let_through(viewset, request)
            if keys is not None:
                response = _retrieve(viewset, request)
                if response is not None:
                    return response
                hand_on(request, keys)
        return view(request, *args, **kwargs)

    return answer


def _retrieve(viewset: Any, request: "HttpRequest") -> HttpResponse | None:
    """DRF's retrieve and finalize_response for a request let through; None if the object is not the caller's to
    see (404, or an object permission's refusal)."""
    # DRF's permission_denied reads its own request's authenticators; here a refusal only hands the request on.
    viewset.permission_denied = _refuse
    try:
        instance = viewset.get_object()
    except (Http404, _Refused):
        return None
    # The handlers bound by method, as DRF's view() binds them: `Allow` lists the methods that have one.
    actions = viewset.action_map
    for method, action in actions.items():
        setattr(viewset, method, getattr(viewset, action))
    if "head" not in actions:  # as DRF's view() adds it
        viewset.head = viewset.get
    renderer = viewset.get_renderers()[0]
    body = renderer.render(viewset.get_serializer(instance).data, renderer.media_type, viewset.get_renderer_context())
    # The content type as DRF's Response sets it, and the headers its finalize_response adds (Allow, Vary).
    content_type = f"{renderer.media_type}; charset={renderer.charset}" if renderer.charset else renderer.media_type
    response = HttpResponse(body, content_type=content_type)
    for name, value in viewset.default_response_headers.items():
        response[name] = value
    conditional.add_etag(response)
    return response
