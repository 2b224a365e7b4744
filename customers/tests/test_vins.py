import datetime

import pytest

from customers.vins import check_digit, decode_vin, vin_check


@pytest.mark.parametrize(
    ("vin", "digit"),
    [("1HGCM82633A004352", "3"), ("11111111111111111", "1"), ("1M8GDM9AXKP042788", "X"), ("5YJ3E1EA7KF317000", "2")],
)
def test_check_digit_follows_49_cfr_565(vin, digit):
    assert check_digit(vin) == digit


def test_north_american_vins_need_the_check_digit_and_others_do_not():
    assert vin_check("1HGCM82633A004352") == "valid"
    assert vin_check("1HGCM82634A004352") == "invalid"  # one character changed
    assert vin_check("1M8GDM9AXKP042788") == "valid"  # check digit X
    assert vin_check("WVWZZZ1JZXW000001") == "not_required"  # Germany
    assert vin_check("JH4KA3250KC000001") == "not_required"  # Japan


def test_decoding_names_the_maker_and_the_model_year():
    assert decode_vin("1HGCM82633A004352") == decode_vin("1HGCM82633A004352")
    honda = decode_vin("1HGCM82633A004352")
    assert (honda.vin_check, honda.manufacturer, honda.model_year) == ("valid", "Honda", 2003)
    vw = decode_vin("WVWZZZ1JZXW000001")
    assert (vw.vin_check, vw.manufacturer, vw.model_year) == ("not_required", "Volkswagen", 1999)


def test_the_model_year_cycle_is_told_by_character_7_in_north_america():
    assert decode_vin("5YJ3E1EA7KF317000").model_year == 2019  # character 7 a letter: 2010-2039
    assert decode_vin("1M8GDM9AXKP042788").model_year == 1989  # character 7 a digit: 1980-2009


def test_elsewhere_the_latest_model_year_not_after_next_year():
    assert decode_vin("JH4KA3250KC000001").model_year == 2019
    assert decode_vin("JH4KA3250KC000001").model_year <= datetime.date.today().year + 1


def test_an_unknown_maker_is_empty_and_nothing_leaves_the_machine():
    assert decode_vin("11111111111111111").manufacturer == ""
