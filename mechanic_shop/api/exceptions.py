"""The DRF exception handler, and JSON answers for the errors Django raises before DRF runs.

Services raise Django's ValidationError for bad input and `Conflict` (mechanic_shop/core/exceptions.py) for a clash
with the state of the data; they never import DRF. The handler answers them with 400 and 409 in DRF's shapes.
"""

import logging
from typing import TYPE_CHECKING, Any

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import IntegrityError
from django.db.models import ProtectedError, RestrictedError
from django.http import HttpRequest, JsonResponse
from rest_framework import exceptions, status
from rest_framework.views import exception_handler

from mechanic_shop.core.exceptions import Conflict

if TYPE_CHECKING:
    from rest_framework.response import Response

logger = logging.getLogger(__name__)


class _ConflictResponse(exceptions.APIException):
    """How the handler answers a `Conflict` (or a delete blocked by PROTECT): 409 with `{"detail"}`."""

    status_code = status.HTTP_409_CONFLICT
    default_detail = "The request conflicts with the current state of the resource."
    default_code = "conflict"


def _protected_detail(exc: ProtectedError | RestrictedError) -> str:
    holders = getattr(exc, "protected_objects", None) or getattr(exc, "restricted_objects", None) or ()
    names = sorted({str(obj._meta.verbose_name_plural) for obj in holders})
    if not names:
        return "Other records still refer to this object, so it cannot be deleted."
    return f"This object is still referenced by {', '.join(names)}, so it cannot be deleted."


def shop_exception_handler(exc: Exception, context: dict[str, Any]) -> "Response | None":
    if isinstance(exc, DjangoValidationError):
        exc = exceptions.ValidationError(
            exc.message_dict if hasattr(exc, "error_dict") else {"non_field_errors": exc.messages}
        )
    elif isinstance(exc, Conflict):
        exc = _ConflictResponse(exc.detail)
    elif isinstance(exc, (ProtectedError, RestrictedError)):
        exc = _ConflictResponse(_protected_detail(exc))
    elif isinstance(exc, IntegrityError):
        # A backstop for races the validators cannot see (two registrations of one email at once).
        logger.warning("Integrity error answered as 409: %s", exc)
        exc = _ConflictResponse("The change conflicts with existing data; reload and try again.")
    return exception_handler(exc, context)


def json_not_found(request: HttpRequest, exception: Exception | None = None) -> JsonResponse:
    """Django's 404 handler: a path that matches nothing answers JSON like the API does."""
    return JsonResponse({"detail": "Not found."}, status=404)


def json_server_error(request: HttpRequest) -> JsonResponse:
    return JsonResponse({"detail": "Server error."}, status=500)


def json_bad_request(request: HttpRequest, exception: Exception | None = None) -> JsonResponse:
    return JsonResponse({"detail": "Bad request."}, status=400)


def json_permission_denied(request: HttpRequest, exception: Exception | None = None) -> JsonResponse:
    return JsonResponse({"detail": "You do not have permission to perform this action."}, status=403)
