from inventory.views import PartViewSet
from mechanic_shop.routers import OptionalSlashRouter

router = OptionalSlashRouter()
router.register("inventory", PartViewSet)
