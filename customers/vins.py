"""What a VIN says about its car, offline: the North American check digit, the maker and the model year.

The check digit (position 9) is the ISO 3779 / 49 CFR 565 rule, a few lines of arithmetic kept here so that its one
requirement is exact: every VIN made for North America (first character 1-5) carries it. The maker (from the World
Manufacturer Identifier, characters 1-3) and the model year (character 10) come from `vininfo`, a small library with
the WMI tables and no network access (docs/libraries.md says why this one).
"""

import datetime
from dataclasses import dataclass

from vininfo import Vin
from vininfo.common import UnsupportedBrand

# 49 CFR 565.15: the value of each letter, and the weight of each position (the check digit's own weighs nothing).
_VALUES = {
    **{str(digit): digit for digit in range(10)},
    **dict(zip("ABCDEFGH", range(1, 9), strict=True)),
    **dict(zip("JKLMN", range(1, 6), strict=True)),
    "P": 7,
    "R": 9,
    **dict(zip("STUVWXYZ", range(2, 10), strict=True)),
}
_WEIGHTS = (8, 7, 6, 5, 4, 3, 2, 10, 0, 9, 8, 7, 6, 5, 4, 3, 2)
# VINs for North America (United States, Canada, Mexico) start with 1-5 and must carry the check digit.
_NORTH_AMERICA = frozenset("12345")

VALID = "valid"
INVALID = "invalid"
NOT_REQUIRED = "not_required"


def check_digit(vin: str) -> str:
    """The check digit a 17-character VIN must have in position 9: "0"-"9" or "X"."""
    remainder = sum(_VALUES[char] * weight for char, weight in zip(vin, _WEIGHTS, strict=True)) % 11
    return "X" if remainder == 10 else str(remainder)


def requires_check_digit(vin: str) -> bool:
    return vin[:1] in _NORTH_AMERICA


def vin_check(vin: str) -> str:
    """ "valid" or "invalid" for a North American VIN, "not_required" for any other."""
    if not requires_check_digit(vin):
        return NOT_REQUIRED
    return VALID if vin[8] == check_digit(vin) else INVALID


@dataclass(frozen=True)
class DecodedVin:
    vin_check: str
    manufacturer: str  # "" when the WMI is not one vininfo knows
    model_year: int | None


def _model_year(vin: str, candidates: list[int]) -> int | None:
    """The model year of character 10, which repeats every 30 years. North American VINs tell the cycle by
    character 7 (49 CFR 565.15(c)): a digit means 1980-2009, a letter 2010-2039. Other VINs: the latest candidate
    not after next year."""
    if not candidates:
        return None
    if requires_check_digit(vin):
        newer = not vin[6].isdigit()
        chosen = [year for year in candidates if (year >= 2010) == newer]
        if chosen:
            return chosen[0]
    next_year = datetime.date.today().year + 1
    possible = [year for year in candidates if year <= next_year]
    return max(possible) if possible else None


def decode_vin(vin: str) -> DecodedVin:
    """Decode a VIN already in the form vin_validator accepts (17 characters, upper-case, no I, O or Q)."""
    decoded = Vin(vin)
    manufacturer = "" if isinstance(decoded.assembler, UnsupportedBrand) else decoded.manufacturer
    return DecodedVin(vin_check=vin_check(vin), manufacturer=manufacturer, model_year=_model_year(vin, decoded.years))
