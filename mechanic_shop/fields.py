"""Serializer fields shared by the apps."""

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
