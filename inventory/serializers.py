from inventory.models import MAX_STOCK, Part
from mechanic_shop.api.fields import MoneyField, ShopModelSerializer, StrictCharField, StrictIntegerField


class PartSerializer(ShopModelSerializer):
    """A part the shop stocks. Stock moves onto tickets through add-part and remove-part."""

    name = StrictCharField(max_length=100, min_length=1)
    price = MoneyField(max_digits=10, decimal_places=2)
    quantity_in_stock = StrictIntegerField(min_value=0, max_value=MAX_STOCK, required=False)

    class Meta:
        model = Part
        fields = ["id", "name", "price", "quantity_in_stock", "created_at", "updated_at"]
        read_only_fields = ["id", "created_at", "updated_at"]
