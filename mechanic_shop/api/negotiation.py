"""Content negotiation with a fast path for the common case of a JSON-only API."""

from collections.abc import Sequence
from typing import TYPE_CHECKING, cast

from rest_framework.negotiation import DefaultContentNegotiation
from rest_framework.settings import api_settings

if TYPE_CHECKING:
    from django.http import HttpRequest
    from rest_framework.renderers import BaseRenderer
    from rest_framework.request import Request

# Accept headers that a JSON renderer satisfies as is (no header at all means */*; an empty one is DRF's 406).
PLAIN_ACCEPTS = frozenset({"*/*", "application/json", "application/json, */*", "application/json, text/plain, */*"})


class ShopContentNegotiation(DefaultContentNegotiation):
    """DRF's negotiation, skipped when there is only one renderer and the request accepts it as is.

    With DEBUG off the API has one renderer (JSON), and clients send no Accept header or a plain one: parsing
    the header and looking for a format override then always picks that renderer. Anything else (another Accept,
    ?format=, the browsable API in development) takes DRF's full path, which still answers 406 to what it cannot
    satisfy. What it saves: docs/decisions/0008-request-path-shortcuts.md.
    """

    # DRF passes the view's renderers as a list (APIView.get_renderers()); the stubs allow any Iterable.
    def select_renderer(  # type: ignore[override]
        self, request: "Request", renderers: Sequence["BaseRenderer"], format_suffix: str | None = None
    ) -> tuple["BaseRenderer", str]:
        if format_suffix is None and plain_json_accepted(request, len(renderers)):
            renderer = renderers[0]
            return renderer, renderer.media_type
        return cast("tuple[BaseRenderer, str]", super().select_renderer(request, renderers, format_suffix))


def plain_json_accepted(request: "HttpRequest | Request", renderers: int) -> bool:
    """Whether DRF's negotiation would pick the only renderer of a view with `renderers` of them without looking
    further: one renderer, a plain Accept (or none) and no format override in the query string."""
    return (
        renderers == 1
        and request.META.get("HTTP_ACCEPT", "*/*") in PLAIN_ACCEPTS
        # The raw query string, not query_params, which a cached page never needs parsed. Any mention of the override
        # parameter takes the full path.
        and f"{api_settings.URL_FORMAT_OVERRIDE}=" not in request.META.get("QUERY_STRING", "")
    )
