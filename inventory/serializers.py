from inventory.models import Part
from mechanic_shop.api.fields import MoneyField, ShopModelSerializer, StrictCharField, StrictIntegerField


class PartSerializer(ShopModelSerializer):
    """A part the shop stocks. Stock moves onto tickets through add-part and remove-part."""

    name = StrictCharField(max_length=100, min_length=1)
    price = MoneyField(max_digits=10, decimal_places=2)
    quantity_in_stock = StrictIntegerField(min_value=0, max_value=2_147_483_647, required=False)

    class Meta:
        model = Part
        fields = ["id", "name", "price", "quantity_in_stock", "created_at", "updated_at"]
        read_only_fields = ["id", "created_at", "updated_at"]
