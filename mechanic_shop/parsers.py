"""Request parsing: JSON only (API.md §1), and a body on any method is checked even where no action reads it."""

from rest_framework.exceptions import ParseError
from rest_framework.parsers import JSONParser


class ShopJSONParser(JSONParser):
    """DRF's JSON parser; JSON nested deeper than Python's recursion limit is a 400, not a 500."""

    def parse(self, stream, media_type=None, parser_context=None):
        try:
            return super().parse(stream, media_type, parser_context)
        except RecursionError as exc:
            raise ParseError("JSON parse error - nested too deeply.") from exc


def has_body(request) -> bool:
    return int(request.META.get("CONTENT_LENGTH") or 0) > 0 or "HTTP_TRANSFER_ENCODING" in request.META


class CheckedBodyMixin:
    """Parse a request body on every writing method, so that an action which reads no body still answers 415 to
    another content type and 400 to malformed JSON (API.md §1) instead of silently ignoring it. Runs after
    authentication, permissions and throttles, like any parsing."""

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        if request.method in ("POST", "PUT", "PATCH", "DELETE") and has_body(request):
            request.data  # noqa: B018  (parsing is what raises 415 / 400)
