from django.core.validators import MinLengthValidator, MinValueValidator
from django.db import models
from django.utils import timezone


class Part(models.Model):
    """A part the shop stocks. Stock moves go through inventory/services.py and tickets/services.py."""

    name = models.CharField(max_length=100, validators=[MinLengthValidator(1)], db_index=True)
    price = models.DecimalField(max_digits=10, decimal_places=2, validators=[MinValueValidator(0)], db_index=True)
    quantity_in_stock = models.PositiveIntegerField(default=0, db_index=True)
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["id"]
        constraints = [
            models.CheckConstraint(condition=models.Q(quantity_in_stock__gte=0), name="part_stock_not_negative"),
            models.CheckConstraint(condition=models.Q(price__gte=0), name="part_price_not_negative"),
        ]

    def __str__(self) -> str:
        return self.name
