from typing import Any

from django.conf import settings
from django.core.validators import MinLengthValidator
from django.db import models
from django.utils import timezone

from mechanic_shop.core.validators import phone_number_validator


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
    created_at = models.DateTimeField(default=timezone.now, editable=False, db_index=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return f"{self.name} <{self.email}>"

    def save(self, *args: Any, **kwargs: Any) -> None:
        self.email = self.email.strip().lower()
        super().save(*args, **kwargs)
