"""Serializer fields shared by the apps."""

from datetime import UTC, datetime

from django.db import models
from rest_framework import serializers

from mechanic_shop.filters import MAX_ID


class IdRelatedField(serializers.PrimaryKeyRelatedField):
    """A related object by id; an id too large for the database is "does not exist", not an overflow."""

    def to_internal_value(self, data):
        if isinstance(data, bool) or not isinstance(data, (int, str)):
            self.fail("incorrect_type", data_type=type(data).__name__)
        try:
            number = int(data)
        except ValueError:
            self.fail("incorrect_type", data_type=type(data).__name__)
        if not 1 <= number <= MAX_ID:
            self.fail("does_not_exist", pk_value=data)
        return super().to_internal_value(number)


class StrictCharField(serializers.CharField):
    """A string, and only a string: DRF's CharField would turn 12 or 1.5 into "12" or "1.5"."""

    default_error_messages = {"invalid": "Not a valid string."}

    def to_internal_value(self, data):
        if not isinstance(data, str):
            self.fail("invalid")
        return super().to_internal_value(data)


class StrictEmailField(serializers.EmailField):
    default_error_messages = {"invalid": "Enter a valid email address."}

    def to_internal_value(self, data):
        if not isinstance(data, str):
            self.fail("invalid")
        return super().to_internal_value(data)


class ShopModelSerializer(serializers.ModelSerializer):
    """ModelSerializer whose text fields accept only JSON strings."""

    serializer_field_mapping = {
        **serializers.ModelSerializer.serializer_field_mapping,
        models.CharField: StrictCharField,
        models.TextField: StrictCharField,
        models.EmailField: StrictEmailField,
    }


def iso_timestamp(value: datetime | None) -> str | None:
    """A timestamp as DRF's DateTimeField renders it here: ISO 8601 in UTC (TIME_ZONE), with "Z"."""
    if value is None:
        return None
    text = value.astimezone(UTC).isoformat()
    return text[:-6] + "Z" if text.endswith("+00:00") else text
