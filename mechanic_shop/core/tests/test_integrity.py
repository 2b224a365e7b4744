"""unique_violation_as: a unique-index violation becomes the named column's ValidationError; nothing else does."""

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.exceptions import ValidationError
from django.db import IntegrityError

from mechanic_shop.core.integrity import unique_violation_as

pytestmark = pytest.mark.django_db

TAKEN = {"name": ["That name is taken."]}


def test_a_duplicate_in_a_named_column_is_its_validation_error():
    Group.objects.create(name="Front desk")
    with pytest.raises(ValidationError) as caught, unique_violation_as({"name": TAKEN}):
        Group.objects.create(name="Front desk")
    assert caught.value.message_dict == TAKEN
    # The savepoint rolled back only the refused insert: the transaction goes on.
    assert list(Group.objects.values_list("name", flat=True)) == ["Front desk"]


def test_a_duplicate_in_another_column_is_left_alone():
    get_user_model().objects.create_user("mo")
    with pytest.raises(IntegrityError), unique_violation_as({"email": TAKEN}):
        get_user_model().objects.create_user("mo")
    assert get_user_model().objects.count() == 1


def test_no_violation_no_error():
    with unique_violation_as({"name": TAKEN}):
        Group.objects.create(name="Manager")
    assert Group.objects.filter(name="Manager").exists()
