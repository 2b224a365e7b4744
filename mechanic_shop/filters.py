"""Filter fields shared by the apps' FilterSets."""

import django_filters
from django import forms

# Ids and counts fit a signed 64-bit column on every database; a larger number is a 400, not an overflow.
MAX_ID = 2**63 - 1


class IdFilter(django_filters.NumberFilter):
    """A whole-number id; anything else is a 400 naming the parameter."""

    field_class = forms.IntegerField

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("min_value", 1)
        kwargs.setdefault("max_value", MAX_ID)
        super().__init__(*args, **kwargs)


class CountFilter(IdFilter):
    """A whole number ≥ 0 (a stock level)."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("min_value", 0)
        super().__init__(*args, **kwargs)
