from django.core.validators import MaxValueValidator, MinLengthValidator, MinValueValidator
from django.db import models
from django.utils import timezone

# The most of one part the shop can hold: no path (API, admin, parts coming back from tickets) takes stock past it,
# and it leaves room below every database's 32-bit integer limit.
MAX_STOCK = 1_000_000_000

# Stock at or below this is low: the parts admin's filter and the front desk's index page list such parts. One level
# for every part until parts carry their own reorder level.
LOW_STOCK_LEVEL = 5


class Part(models.Model):
    """A part the shop stocks. Stock moves go through inventory/services.py and tickets/services.py."""

    name = models.CharField(max_length=100, validators=[MinLengthValidator(1)], db_index=True)
    price = models.DecimalField(max_digits=10, decimal_places=2, validators=[MinValueValidator(0)], db_index=True)
    quantity_in_stock = models.PositiveIntegerField(default=0, validators=[MaxValueValidator(MAX_STOCK)], db_index=True)
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["id"]
        constraints = [
            models.CheckConstraint(condition=models.Q(quantity_in_stock__gte=0), name="part_stock_not_negative"),
            models.CheckConstraint(
                condition=models.Q(quantity_in_stock__lte=MAX_STOCK), name="part_stock_at_most_max_stock"
            ),
            models.CheckConstraint(condition=models.Q(price__gte=0), name="part_price_not_negative"),
        ]

    def __str__(self) -> str:
        return self.name
