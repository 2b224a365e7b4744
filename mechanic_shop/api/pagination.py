import re
from typing import TYPE_CHECKING, Any, cast

from django.core.paginator import Paginator
from django.utils.functional import cached_property
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.pagination import PageNumberPagination

if TYPE_CHECKING:
    from rest_framework.request import Request
    from rest_framework.views import APIView

    # Django's Paginator is generic in the stubs only: it takes no type arguments at runtime.
    _Paginator = Paginator[Any]
else:
    _Paginator = Paginator

WHOLE_NUMBER = re.compile(r"[0-9]+")
# The query parameters ShopPagination reads: a query string holding only these asks for a page of the view's whole
# list (a PreparedPage, mechanic_shop/core/prepared.py).
PAGE_PARAMS = frozenset({"page", "page_size", "per_page"})


class CountHintPaginator(_Paginator):
    """Django's paginator, taking the total from `object_list.count_hint()` when the view attached one (a count
    kept up to date elsewhere), instead of running COUNT(*)."""

    @cached_property
    def count(self) -> int:
        hint = getattr(self.object_list, "count_hint", None)
        # Read on the class, Paginator.count is Django's cached_property, whose `func` is the getter; the type checker
        # sees functools' cached_property, which has the same attribute.
        return hint() if hint is not None else cast("cached_property[int]", Paginator.count).func(self)


class ShopPagination(PageNumberPagination):
    """`?page=N&page_size=M`; `per_page` is the old Flask service's name for `page_size`.

    A page size over the maximum is served as the maximum (PageNumberPagination's rule); one that is not a whole
    number of at least 1 is a 400 naming the parameter, like a bad filter, rather than silently the default. A page
    number that is not a whole number (or `last`) is a 404, like a page past the end. An empty value is no value, and
    `page_size` wins when both names are sent.
    """

    django_paginator_class = CountHintPaginator
    page_size: int = 10
    page_size_query_param: str = "page_size"
    legacy_page_size_query_param = "per_page"
    max_page_size: int = 100

    def get_page_size(self, request: "Request") -> int:
        sizes: dict[str, int] = {}
        for name in (self.page_size_query_param, self.legacy_page_size_query_param):
            value = request.query_params.get(name, "")
            if value == "":
                continue
            if not WHOLE_NUMBER.fullmatch(value) or int(value) < 1:
                raise ValidationError({name: [f"Send a whole number from 1 to {self.max_page_size}."]})
            sizes[name] = int(value)
        size = sizes.get(self.page_size_query_param, sizes.get(self.legacy_page_size_query_param))
        return self.page_size if size is None else min(size, self.max_page_size)

    def get_page_number(self, request: "Request", paginator: "Paginator[Any]") -> int | str:
        number = super().get_page_number(request, paginator)
        # Django's paginator would also read " 2", "+2" or "٢" as page 2.
        if isinstance(number, str) and not WHOLE_NUMBER.fullmatch(number):
            raise NotFound(self.invalid_page_message.format(page_number=number, message="Not a page number."))
        return number

    def get_schema_operation_parameters(self, view: "APIView") -> list[dict[str, Any]]:
        page_size = {"type": "integer", "minimum": 1}
        return [
            {
                "name": self.page_query_param,
                "required": False,
                "in": "query",
                "allowEmptyValue": True,
                "description": "Page number, from 1, or `last`. A page that does not exist answers 404.",
                "schema": {"oneOf": [{"type": "integer"}, {"type": "string", "enum": list(self.last_page_strings)}]},
            },
            {
                "name": self.page_size_query_param,
                "required": False,
                "in": "query",
                "allowEmptyValue": True,
                "description": (
                    f"Results per page: default {self.page_size}, at most {self.max_page_size} "
                    f"(a larger value gives {self.max_page_size})."
                ),
                "schema": page_size,
            },
            {
                "name": self.legacy_page_size_query_param,
                "required": False,
                "in": "query",
                "allowEmptyValue": True,
                "description": "Alias of `page_size`, the original service's name for it.",
                "schema": page_size,
            },
        ]
