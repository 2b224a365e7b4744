"""check_unique and unique_violation_as: a value another row holds is the ValidationError named for it, before the
write or when the unique index refuses it; nothing else is."""

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.exceptions import ValidationError
from django.db import IntegrityError

from mechanic_shop.core.integrity import check_unique, unique_violation_as

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


def test_check_unique_refuses_a_value_another_row_holds_but_not_the_instances_own():
    desk = Group.objects.create(name="Front desk")
    same = Group.objects.filter(name="Front desk")
    with pytest.raises(ValidationError) as caught:
        check_unique(same, instance=None, errors=TAKEN)  # creating: the row that holds it is another
    assert caught.value.message_dict == TAKEN
    with pytest.raises(ValidationError):
        check_unique(same, instance=Group(name="Front desk"), errors=TAKEN)  # not saved yet: still another's
    check_unique(same, instance=desk, errors=TAKEN)  # its own value: fine
    check_unique(Group.objects.filter(name="Manager"), instance=None, errors=TAKEN)  # nobody's: fine
