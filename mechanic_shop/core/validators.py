"""Field validators shared by several apps."""

from django.core.validators import RegexValidator

phone_number_validator = RegexValidator(
    regex=r"^[0-9 +\-().]{7,20}$",
    message="Enter 7 to 20 characters of digits, spaces and + - ( ) .",
)
