"""Field validators shared by several apps."""

from django.core.validators import RegexValidator

phone_number_validator = RegexValidator(
    regex=r"^[0-9 +\-().]{7,20}$",
    message="Enter 7 to 20 characters of digits, spaces and + - ( ) .",
)

# A VIN's form (ISO 3779): 17 characters of A-Z and 0-9 without I, O and Q, which look like 1 and 0. Its check digit
# and decoding are the vehicles' business (customers/vins.py); tickets take any VIN of this form.
vin_validator = RegexValidator(
    regex=r"^[A-HJ-NPR-Z0-9]{17}$",
    message="A VIN is 17 characters of A-Z and 0-9, without I, O or Q.",
)
