from django.core.paginator import Paginator
from django.utils.functional import cached_property
from rest_framework.pagination import PageNumberPagination


class CountHintPaginator(Paginator):
    """Django's paginator, taking the total from `object_list.count_hint()` when the view attached one (a count
    kept up to date elsewhere), instead of running COUNT(*)."""

    @cached_property
    def count(self):
        hint = getattr(self.object_list, "count_hint", None)
        return hint() if hint is not None else Paginator.count.func(self)


class ShopPagination(PageNumberPagination):
    """`?page=N&page_size=M`; `per_page` is the old Flask service's name for `page_size`."""

    django_paginator_class = CountHintPaginator
    page_size = 10
    page_size_query_param = "page_size"
    legacy_page_size_query_param = "per_page"
    max_page_size = 100

    def get_page_size(self, request):
        if self.page_size_query_param not in request.query_params and (
            self.legacy_page_size_query_param in request.query_params
        ):
            self.page_size_query_param = self.legacy_page_size_query_param
        return super().get_page_size(request)

    def get_schema_operation_parameters(self, view):
        parameters = super().get_schema_operation_parameters(view)
        parameters.append(
            {
                "name": self.legacy_page_size_query_param,
                "required": False,
                "in": "query",
                "description": "Alias of page_size, kept for clients of the original service.",
                "schema": {"type": "integer", "minimum": 1, "maximum": self.max_page_size},
            }
        )
        return parameters
