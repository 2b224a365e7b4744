from inventory.views import PartViewSet
from mechanic_shop.api.routers import OptionalSlashRouter

router = OptionalSlashRouter()
router.register("inventory", PartViewSet)
