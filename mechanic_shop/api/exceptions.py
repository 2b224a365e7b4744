"""The DRF exception handler, and JSON answers for the errors Django raises before DRF runs.

Services raise Django's ValidationError for bad input and `Conflict` (mechanic_shop/core/exceptions.py) for a clash
with the state of the data; they never import DRF. The handler answers them with 400 and 409 in DRF's shapes.

It also words two errors for clients wherever they come from, so no view has to remember to: a 404 from Django's
get_object_or_404 (which names the model's class, "No ServiceTicket matches the given query.") says "Service ticket
not found.", and a delete blocked by PROTECT names the object and what still refers to it, with how many.
"""

import logging
import re
from collections import Counter, defaultdict
from typing import TYPE_CHECKING, Any

from django.apps import apps
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import IntegrityError, models
from django.db.models import ProtectedError, RestrictedError
from django.http import Http404, HttpRequest, JsonResponse
from django.utils.text import capfirst
from rest_framework import exceptions, status
from rest_framework.views import exception_handler

from mechanic_shop.core.exceptions import Conflict

if TYPE_CHECKING:
    from django.db.models import Model
    from rest_framework.response import Response

logger = logging.getLogger(__name__)


class _ConflictResponse(exceptions.APIException):
    """How the handler answers a `Conflict` (or a delete blocked by PROTECT): 409 with `{"detail"}`."""

    status_code = status.HTTP_409_CONFLICT
    default_detail = "The request conflicts with the current state of the resource."
    default_code = "conflict"


# Django's get_object_or_404 names the model's class: "No ServiceTicket matches the given query."
DJANGO_NOT_FOUND = re.compile(r"No (\w+) matches the given query\.")
# How Django's delete collector names the foreign keys that blocked a delete: 'TicketPart.part'.
BLOCKING_FIELD = re.compile(r"'(\w+)\.(\w+)'")
# How many of the objects a blocked delete would have removed the detail names (a bulk delete may hold many).
NAMED_AT_MOST = 3


def _not_found_detail(exc: Http404, view: Any) -> str | None:
    """A 404 from Django's get_object_or_404 in words a client knows ("Service ticket not found."); None for a
    404 whose message the code wrote for clients already."""
    match = DJANGO_NOT_FOUND.fullmatch(str(exc.args[0])) if exc.args else None
    if match is None:
        return None
    view_model = getattr(getattr(view, "queryset", None), "model", None)
    if view_model is not None and view_model.__name__ == match[1]:
        model = view_model
    else:
        named = [model for model in apps.get_models() if model.__name__ == match[1]]
        if len(named) != 1:
            return "Not found."
        model = named[0]
    return f"{capfirst(model._meta.verbose_name)} not found."


def _blocking_fields(holder: "Model", named: set[tuple[str, str]]) -> list[models.ForeignKey[Any, Any]]:
    """The foreign keys of `holder` that kept the delete from happening."""
    keys = [field for field in holder._meta.concrete_fields if isinstance(field, models.ForeignKey)]
    blocking = [field for field in keys if (type(holder).__name__, field.name) in named]
    return blocking or [field for field in keys if field.remote_field.on_delete in (models.PROTECT, models.RESTRICT)]


def _owner_field(holder: "Model") -> "models.ForeignKey[Any, Any] | None":
    """The record a holder belongs to, when it is a line of another (a ticket's part line belongs to its ticket)."""
    for field in holder._meta.concrete_fields:
        if isinstance(field, models.ForeignKey) and field.remote_field.on_delete is models.CASCADE:
            return field
    return None


def _protected_detail(exc: ProtectedError | RestrictedError) -> str:
    """Which object cannot be deleted, and what still refers to it, with how many:
    "Part #3 “Oil filter” is still referenced by 2 service tickets, so it cannot be deleted."."""
    holders = getattr(exc, "protected_objects", None) or getattr(exc, "restricted_objects", None) or ()
    named = set(BLOCKING_FIELD.findall(str(exc.args[0]))) if exc.args else set()
    # (model of the object that could not be deleted, its pk) -> {(model counted as holding it, that one's pk)}
    held: defaultdict[tuple[type[Model], Any], set[tuple[type[Model], Any]]] = defaultdict(set)
    for holder in holders:
        owner = _owner_field(holder)
        holding = (owner.related_model, getattr(holder, owner.attname)) if owner else (type(holder), holder.pk)
        for field in _blocking_fields(holder, named):
            held[(field.related_model, getattr(holder, field.attname))].add(holding)
    if not held:
        return "Other records still refer to this object, so it cannot be deleted."
    pks_by_model: defaultdict[type[Model], list[Any]] = defaultdict(list)
    for model, pk in held:
        pks_by_model[model].append(pk)
    loaded = {model: model._default_manager.in_bulk(pks) for model, pks in pks_by_model.items()}
    sentences = []
    for model, pk in sorted(held, key=lambda key: (key[0].__name__, key[1]))[:NAMED_AT_MOST]:
        obj = loaded[model].get(pk)
        what = f"{capfirst(model._meta.verbose_name)} #{pk}" + (f" “{obj}”" if obj is not None else "")
        counts = Counter(holding_model for holding_model, _pk in held[(model, pk)])
        by = " and ".join(
            f"{n} {holding_model._meta.verbose_name if n == 1 else holding_model._meta.verbose_name_plural}"
            for holding_model, n in sorted(counts.items(), key=lambda item: item[0].__name__)
        )
        sentences.append(f"{what} is still referenced by {by}, so it cannot be deleted.")
    if len(held) > NAMED_AT_MOST:
        sentences.append(f"So are {len(held) - NAMED_AT_MOST} more.")
    return " ".join(sentences)


def shop_exception_handler(exc: Exception, context: dict[str, Any]) -> "Response | None":
    if isinstance(exc, DjangoValidationError):
        exc = exceptions.ValidationError(
            exc.message_dict if hasattr(exc, "error_dict") else {"non_field_errors": exc.messages}
        )
    elif isinstance(exc, Conflict):
        exc = _ConflictResponse(exc.detail)
    elif isinstance(exc, (ProtectedError, RestrictedError)):
        exc = _ConflictResponse(_protected_detail(exc))
    elif isinstance(exc, Http404):
        detail = _not_found_detail(exc, context.get("view"))
        if detail is not None:
            exc = exceptions.NotFound(detail)
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
