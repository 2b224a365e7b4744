"""Filter fields shared by the apps' FilterSets."""

import re
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, TypeVar

import django_filters
from django import forms
from django.utils.dateparse import parse_datetime
from django_filters.rest_framework import DjangoFilterBackend
from rest_framework.exceptions import ValidationError
from rest_framework.filters import BaseFilterBackend, OrderingFilter, SearchFilter

if TYPE_CHECKING:
    from django.db.models import Model, QuerySet
    from rest_framework.request import Request
    from rest_framework.views import APIView

# Ids and counts fit a signed 64-bit column on every database; a larger number is a 400, not an overflow.
MAX_ID = 2**63 - 1
WHOLE_NUMBER = re.compile(r"-?[0-9]+")

_M = TypeVar("_M", bound="Model")
_R = TypeVar("_R")


class WholeNumberField(forms.IntegerField):
    """Digits only (with an optional minus, for the range check to refuse): Django's IntegerField would also take
    "12.0" or " 12 ", which the schema's `integer` does not allow."""

    def to_python(self, value: Any) -> int | None:
        if value not in self.empty_values and not WHOLE_NUMBER.fullmatch(str(value)):
            raise forms.ValidationError(self.error_messages["invalid"], code="invalid")
        return super().to_python(value)


class IdFilter(django_filters.NumberFilter):
    """A whole-number id; anything else is a 400 naming the parameter."""

    field_class = WholeNumberField

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("min_value", 1)
        kwargs.setdefault("max_value", MAX_ID)
        super().__init__(*args, **kwargs)


class CountFilter(IdFilter):
    """A whole number ≥ 0 (a stock level)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("min_value", 0)
        super().__init__(*args, **kwargs)


class ShopFilterBackend(DjangoFilterBackend):
    """django-filter's backend, skipped when the query string holds nothing it could filter on.

    Binding and validating a FilterSet's form costs the same whether or not a filter is given. With only paging,
    ordering and search parameters (handled by the other backends) nothing can be filtered, so the queryset goes on
    untouched; any other parameter — known or not — takes the full path, which validates it as before.
    What it saves: docs/decisions/0008-request-path-shortcuts.md.
    """

    NOT_FILTERS = frozenset({"page", "page_size", "per_page", "ordering", "search", "format"})

    def filter_queryset(self, request: "Request", queryset: "QuerySet[_M]", view: "APIView") -> "QuerySet[_M]":
        if self.NOT_FILTERS.issuperset(request.query_params.keys()):
            return queryset
        return super().filter_queryset(request, queryset, view)


class ShopSearchFilter(SearchFilter):
    """`?search=`, at most `MAX_TERMS` words and `MAX_LENGTH` characters; a 400 naming the parameter otherwise.

    Every word adds a LIKE over every search field: unbounded, a few hundred words kept a worker busy for seconds on
    a large table and about a thousand overflowed SQLite's expression tree (a 500). The bounds keep each search's
    cost a small multiple of one full scan, whoever calls.
    """

    MAX_TERMS = 10
    MAX_LENGTH = 200
    search_description = (
        f"Words to look for, separated by spaces or commas; at most {MAX_TERMS} words and {MAX_LENGTH} characters "
        "(more is a 400 naming `search`)."
    )

    def get_search_terms(self, request: "Request") -> list[str]:
        if len(request.query_params.getlist(self.search_param)) > 1:
            # One search per request, as the schema says: DRF would silently keep the last one.
            raise ValidationError({self.search_param: ["Give `search` once; put all the words in it."]})
        value = request.query_params.get(self.search_param, "")
        # Checked before splitting: the length bounds the work of the split itself.
        if len(value) > self.MAX_LENGTH:
            raise ValidationError(
                {self.search_param: [f"A search is at most {self.MAX_LENGTH} characters; this one has {len(value)}."]}
            )
        try:
            terms = super().get_search_terms(request)
        except ValidationError as exc:
            # DRF raises it bare: the body would be a list, `["Null characters are not allowed."]`.
            raise ValidationError({self.search_param: exc.detail}) from exc
        if len(terms) > self.MAX_TERMS:
            raise ValidationError(
                {self.search_param: [f"A search is at most {self.MAX_TERMS} words; this one has {len(terms)}."]}
            )
        return terms


def sync_field(model: "type[Model]") -> str:
    """The column `updated_at` means for a model: its own, or `created_at` for rows never changed once written
    (stock movements, events), which show `updated_at` equal to `created_at`."""
    names = {field.name for field in model._meta.concrete_fields}
    return "updated_at" if "updated_at" in names else "created_at"


def parse_updated_after(value: str) -> datetime:
    """An ISO 8601 timestamp (a date alone is its midnight), read as UTC without an offset, returned in UTC. Anything
    else, or a moment outside what a timestamp column holds once in UTC, is a 400 naming the parameter."""
    try:
        parsed = parse_datetime(value.strip())
        if parsed is not None:
            # In UTC here, not in the database driver: 9999-12-31T23:59:59-05:00 overflows there (a 500).
            parsed = (parsed if parsed.tzinfo is not None else parsed.replace(tzinfo=UTC)).astimezone(UTC)
    except (ValueError, OverflowError):  # well formed but impossible: month 13, an offset of 25 hours
        parsed = None
    if parsed is None:
        raise ValidationError(
            {SyncFilter.updated_after_param: ["Give an ISO 8601 timestamp, e.g. 2026-01-31T12:00:00Z."]}
        )
    return parsed


class SyncFilter(BaseFilterBackend):
    """Incremental sync on every list of objects: `?updated_after=` keeps the rows whose `updated_at`
    is strictly after it, and `?ordering=updated_at` / `-updated_at` sorts by it, ties by id in the same direction,
    so a client paging through rows that share a timestamp neither skips nor repeats one.

    A backend of its own, not a FilterSet field, so that the lists with hand-built queries (tickets, estimates,
    movements, deliveries, a ticket's timeline) take it with `filter_backends=[SyncFilter]` and nothing else.
    Why, and the sync loop: docs/decisions/0024-incremental-sync.md.
    """

    updated_after_param = "updated_after"
    ordering_param = "ordering"
    ORDERINGS = ("updated_at", "-updated_at")

    def filter_queryset(self, request: "Request", queryset: "QuerySet[_M, _R]", view: "APIView") -> "QuerySet[_M, _R]":
        if getattr(view, "detail", False) and queryset.model is getattr(getattr(view, "queryset", None), "model", None):
            # A detail route's own object (get_object): only the rows a detail action lists are filtered.
            return queryset
        field = sync_field(queryset.model)
        values = request.query_params.getlist(self.updated_after_param)
        if len(values) > 1:
            raise ValidationError({self.updated_after_param: ["Give `updated_after` once."]})
        if values and values[0] != "":  # empty: not given, as for every other filter
            queryset = queryset.filter(**{f"{field}__gt": parse_updated_after(values[0])})
        ordering = request.query_params.get(self.ordering_param, "").strip()
        if ordering in self.ORDERINGS:
            sign = "-" if ordering.startswith("-") else ""
            queryset = queryset.order_by(f"{sign}{field}", f"{sign}id")
        return queryset

    def get_schema_operation_parameters(self, view: "APIView") -> list[dict[str, Any]]:
        parameters: list[dict[str, Any]] = [
            {
                "name": self.updated_after_param,
                "required": False,
                "in": "query",
                "description": (
                    "Only the items changed strictly after this ISO 8601 timestamp (`updated_at` > it); without an "
                    "offset it is read as UTC. Not a timestamp → 400 naming `updated_after`."
                ),
                "schema": {"type": "string", "format": "date-time"},
            }
        ]
        if not any(issubclass(backend, OrderingFilter) for backend in getattr(view, "filter_backends", ())):
            parameters.append(
                {
                    "name": self.ordering_param,
                    "required": False,
                    "in": "query",
                    "description": "`updated_at` (oldest change first) or `-updated_at`, ties by id; "
                    "other values are ignored, as on every list.",
                    # No enum: a value the list does not sort by is ignored (200), never refused.
                    "schema": {"type": "string"},
                }
            )
        return parameters
