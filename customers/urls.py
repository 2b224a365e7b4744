from customers.views import CustomerVehiclesViewSet, CustomerViewSet, VehicleViewSet
from mechanic_shop.api.routers import OptionalSlashRouter

router = OptionalSlashRouter()
router.register("customers", CustomerViewSet)
# Beside the customers' own routes, whose ids are digits only, so neither shadows the other.
router.register("customers/my-vehicles", CustomerVehiclesViewSet, basename="customer-my-vehicles")
router.register("vehicles", VehicleViewSet)
