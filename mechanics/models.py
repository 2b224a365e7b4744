from typing import Any

from django.conf import settings
from django.core.validators import MinLengthValidator, MinValueValidator
from django.db import models
from django.utils import timezone

from mechanic_shop.core.validators import phone_number_validator


class Mechanic(models.Model):
    """A mechanic of the shop; `user` is the staff account it logs in with, if any."""

    name = models.CharField(max_length=100, validators=[MinLengthValidator(1)], db_index=True)
    email = models.EmailField(max_length=254, unique=True)
    phone_number = models.CharField(max_length=20, validators=[phone_number_validator])
    salary = models.DecimalField(max_digits=12, decimal_places=2, validators=[MinValueValidator(0)])
    is_active = models.BooleanField(default=True)
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="mechanic",
        help_text="The staff account this mechanic logs in with.",
    )
    # Kept by the ticket services in the same transaction as the status change; read by the leaderboard.
    completed_ticket_count = models.PositiveIntegerField(default=0, editable=False)
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["id"]
        # Salaries are the one mechanic field the Front desk may not see: shown and writable, in the API and the admin,
        # only with this permission (Manager and superusers).
        permissions = [("view_mechanic_salary", "Can see and set mechanics' salaries")]
        indexes = [
            models.Index(fields=["is_active", "-completed_ticket_count", "id"], name="mechanic_leaderboard_idx"),
            # ?updated_after= and ?ordering=updated_at (incremental sync).
            models.Index(fields=["updated_at", "id"], name="mechanic_updated_idx"),
        ]
        constraints = [
            models.CheckConstraint(condition=models.Q(salary__gte=0), name="mechanic_salary_not_negative"),
        ]

    def __str__(self) -> str:
        return self.name

    def save(self, *args: Any, **kwargs: Any) -> None:
        self.email = self.email.strip().lower()
        super().save(*args, **kwargs)
