from typing import Any

from django.conf import settings
from django.core.validators import MinLengthValidator
from django.db import models
from django.utils import timezone

from mechanic_shop.core.validators import phone_number_validator, vin_validator


class Customer(models.Model):
    """A customer of the shop. Its login, when it has one, is a non-staff Django user in `user`."""

    name = models.CharField(max_length=100, validators=[MinLengthValidator(1)], db_index=True)
    # Stored lower-case (see save()), so a plain unique index makes it unique regardless of case on every database.
    email = models.EmailField(max_length=254, unique=True)
    phone_number = models.CharField(max_length=20, validators=[phone_number_validator])
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="customer",
        help_text="The login of this customer; empty for a customer who cannot log in.",
    )
    # False: the shop sends this customer no e-mail about its tickets.
    notify_by_email = models.BooleanField(default=True, db_default=True)
    created_at = models.DateTimeField(default=timezone.now, editable=False, db_index=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["id"]
        indexes = [
            # ?updated_after= and ?ordering=updated_at (incremental sync).
            models.Index(fields=["updated_at", "id"], name="customer_updated_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.name} <{self.email}>"

    def save(self, *args: Any, **kwargs: Any) -> None:
        self.email = self.email.strip().lower()
        super().save(*args, **kwargs)


class Vehicle(models.Model):
    """A customer's car, known by its VIN. Tickets (on top, in `tickets`) point at it.

    `odometer`, `ticket_count` and `last_service_date` summarize its tickets; the ticket services recompute them
    under this row's lock in the same transaction as every ticket write that changes them. `vin_check`,
    `manufacturer` and `model_year` are decoded from the VIN offline whenever it is set (customers/vins.py).
    """

    class VinCheck(models.TextChoices):
        VALID = "valid", "Valid"
        INVALID = "invalid", "Invalid"
        NOT_REQUIRED = "not_required", "Not required"

    vin = models.CharField("VIN", max_length=17, unique=True, validators=[vin_validator])
    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="vehicles")
    year = models.PositiveSmallIntegerField(null=True, blank=True)
    make = models.CharField(max_length=50, blank=True)
    model = models.CharField(max_length=50, blank=True)
    # Stored upper-case without spaces (see save()).
    license_plate = models.CharField(max_length=15, blank=True, db_index=True)
    vin_check = models.CharField("VIN check", max_length=12, choices=VinCheck.choices, editable=False)
    manufacturer = models.CharField(max_length=100, blank=True, editable=False)
    model_year = models.PositiveSmallIntegerField(null=True, blank=True, editable=False)
    odometer = models.PositiveIntegerField(null=True, blank=True, editable=False)
    ticket_count = models.PositiveIntegerField(default=0, editable=False)
    last_service_date = models.DateField(null=True, blank=True, editable=False)
    created_at = models.DateTimeField(default=timezone.now, editable=False, db_index=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(vin_check__in=["valid", "invalid", "not_required"]), name="vehicle_vin_check_known"
            ),
        ]
        indexes = [
            # ?updated_after= and ?ordering=updated_at; a customer's own (/customers/my-vehicles).
            models.Index(fields=["updated_at", "id"], name="vehicle_updated_idx"),
            models.Index(fields=["customer", "updated_at", "id"], name="vehicle_customer_updated_idx"),
        ]

    def __str__(self) -> str:
        described = " ".join(str(part) for part in (self.year, self.make, self.model) if part)
        return f"{self.vin} ({described})" if described else self.vin

    def save(self, *args: Any, **kwargs: Any) -> None:
        self.vin = self.vin.strip().upper()
        self.license_plate = "".join(self.license_plate.split()).upper()
        super().save(*args, **kwargs)
