"""Serializer fields shared by the apps."""

import re
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any, TypeVar

from django.db import models
from rest_framework import serializers

from mechanic_shop.api.filters import MAX_ID

# The model a model serializer is about (each app names its own).
_M = TypeVar("_M", bound=models.Model)


class IdRelatedField(serializers.PrimaryKeyRelatedField[Any]):
    """A related object by id; an id too large for the database is "does not exist", not an overflow."""

    # The related object, of whichever model `queryset` holds: Any, since the stubs take the incoming data to be
    # that model rather than its id.
    def to_internal_value(self, data: Any) -> Any:
        # A JSON integer only (a wrong type is a 400); PrimaryKeyRelatedField would also take "12".
        if isinstance(data, bool) or not isinstance(data, int):
            self.fail("incorrect_type", data_type=type(data).__name__)
        if not 1 <= data <= MAX_ID:
            self.fail("does_not_exist", pk_value=data)
        return super().to_internal_value(data)


def _check_string(field: serializers.CharField, data: Any) -> None:
    """A JSON string no longer than the field's maximum as sent: the schema's `maxLength` counts what the client
    sends, while DRF would count it after trimming the whitespace around it."""
    if not isinstance(data, str):
        field.fail("invalid")
    if field.max_length is not None and len(data) > field.max_length:
        field.fail("max_length", max_length=field.max_length)


class StrictCharField(serializers.CharField):
    """A string, and only a string: DRF's CharField would turn 12 or 1.5 into "12" or "1.5"."""

    default_error_messages = {"invalid": "Not a valid string."}

    def to_internal_value(self, data: Any) -> str:
        _check_string(self, data)
        return super().to_internal_value(data)


class StrictEmailField(serializers.EmailField):
    default_error_messages = {"invalid": "Enter a valid email address."}

    def to_internal_value(self, data: Any) -> str:
        _check_string(self, data)
        return super().to_internal_value(data)


class StrictIntegerField(serializers.IntegerField):
    """A whole JSON number, and only that: DRF's IntegerField would also take the string "12"."""

    def to_internal_value(self, data: Any) -> int:
        if isinstance(data, bool) or not isinstance(data, (int, float)):
            self.fail("invalid")
        return super().to_internal_value(data)


class StrictBooleanField(serializers.BooleanField):
    """JSON true or false, and only that: DRF's BooleanField would also take 0, 1, "yes" or "off"."""

    def to_internal_value(self, data: Any) -> bool:
        if not isinstance(data, bool):
            self.fail("invalid", input=data)
        return data


class MoneyField(serializers.DecimalField):
    """Money: out as a string with two decimals; in as a JSON number or a string of digits ("12.99").

    DRF's DecimalField also takes " 12.99 ", "1.2e1", "1_2" or "-0" in a string; here a string is digits with an
    optional fraction and nothing else, which is what the schema's pattern promises. Never negative.
    """

    TEXT = re.compile(r"[0-9]+(\.[0-9]+)?")

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("min_value", 0)
        super().__init__(**kwargs)

    def validate_empty_values(self, data: Any) -> tuple[bool, Any]:
        # DRF's DecimalField reads "" as null when the field allows null; an amount is a number, null or absent.
        if isinstance(data, str) and not data.strip():
            self.fail("invalid")
        return super().validate_empty_values(data)

    def to_internal_value(self, data: Any) -> Decimal:
        if isinstance(data, bool) or not isinstance(data, (int, float, str)):
            self.fail("invalid")
        if isinstance(data, str) and not self.TEXT.fullmatch(data):
            self.fail("invalid")
        value = super().to_internal_value(data)
        return abs(value) if value == 0 else value  # -0.0 is zero, not a negative amount


class ShopModelSerializer(serializers.ModelSerializer[_M]):
    """ModelSerializer whose fields take only their own JSON type (a wrong type is a 400)."""

    serializer_field_mapping = {
        **serializers.ModelSerializer.serializer_field_mapping,
        models.CharField: StrictCharField,
        models.TextField: StrictCharField,
        models.EmailField: StrictEmailField,
        models.DecimalField: MoneyField,
        models.IntegerField: StrictIntegerField,
        models.PositiveIntegerField: StrictIntegerField,
        models.BooleanField: StrictBooleanField,
    }


def iso_timestamp(value: datetime | None) -> str | None:
    """A timestamp as DRF's DateTimeField renders it here: ISO 8601 in UTC (TIME_ZONE), with "Z"."""
    if value is None:
        return None
    text = value.astimezone(UTC).isoformat()
    return text[:-6] + "Z" if text.endswith("+00:00") else text
