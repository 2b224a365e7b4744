from mechanic_shop.api.routers import OptionalSlashRouter
from mechanics.views import MechanicViewSet

router = OptionalSlashRouter()
router.register("mechanics", MechanicViewSet)
