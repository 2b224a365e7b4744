from inventory.views import PartViewSet, PurchaseOrderViewSet, SupplierViewSet
from mechanic_shop.api.routers import OptionalSlashRouter

router = OptionalSlashRouter()
router.register("inventory", PartViewSet)
router.register("suppliers", SupplierViewSet)
router.register("purchase-orders", PurchaseOrderViewSet)
