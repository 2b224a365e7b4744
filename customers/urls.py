from customers.views import CustomerViewSet
from mechanic_shop.api.routers import OptionalSlashRouter

router = OptionalSlashRouter()
router.register("customers", CustomerViewSet)
