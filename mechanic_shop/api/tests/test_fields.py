from decimal import Decimal

import pytest
from rest_framework.exceptions import ValidationError

from mechanic_shop.api.fields import MoneyField, StrictBooleanField, StrictIntegerField


@pytest.fixture
def money():
    return MoneyField(max_digits=10, decimal_places=2)


@pytest.mark.parametrize(
    ("sent", "value"),
    [(12.99, "12.99"), (12, "12"), ("12.99", "12.99"), ("12", "12"), ("0.5", "0.5"), (-0.0, "0.0"), ("007", "7")],
)
def test_money_takes_numbers_and_digit_strings(money, sent, value):
    assert money.run_validation(sent) == Decimal(value)


@pytest.mark.parametrize("sent", [" 12.99", "12.99 ", "1e2", "1_2", "+5", "-0", "12.", ".5", "", "١٢", True, [], {}])
def test_money_refuses_anything_else(money, sent):
    with pytest.raises(ValidationError):
        money.run_validation(sent)


@pytest.mark.parametrize("sent", [-1, "12.345", 12.345, "123456789", 1e16])
def test_money_refuses_negative_or_too_precise_amounts(money, sent):
    with pytest.raises(ValidationError):
        money.run_validation(sent)


@pytest.mark.parametrize(("sent", "value"), [(3, 3), (3.0, 3), (True, None), ("3", None), (3.5, None), (None, None)])
def test_integers_are_json_numbers(sent, value):
    field = StrictIntegerField()
    if value is None:
        with pytest.raises(ValidationError):
            field.run_validation(sent)
    else:
        assert field.run_validation(sent) == value


@pytest.mark.parametrize(("sent", "value"), [(True, True), (False, False), (0, None), ("true", None), ("yes", None)])
def test_booleans_are_json_true_or_false(sent, value):
    field = StrictBooleanField()
    if value is None:
        with pytest.raises(ValidationError):
            field.run_validation(sent)
    else:
        assert field.run_validation(sent) is value


def test_a_string_longer_than_its_maximum_as_sent_is_refused_even_if_trimming_would_fit_it():
    """The schema's maxLength counts what the client sends (Schemathesis found a 101-character name accepted)."""
    from mechanic_shop.api.fields import StrictCharField, StrictEmailField

    name = StrictCharField(max_length=5)
    assert name.run_validation(" abc ") == "abc"
    with pytest.raises(ValidationError) as caught:
        name.run_validation("\nabcde")
    assert caught.value.detail == ["Ensure this field has no more than 5 characters."]
    email = StrictEmailField(max_length=9)
    assert email.run_validation("a@b.co") == "a@b.co"
    with pytest.raises(ValidationError):
        email.run_validation(" a@b.co   ")
