from mechanic_shop.api.routers import OptionalSlashRouter
from tickets.views import CustomerTicketsViewSet, MechanicTicketsViewSet, ServiceTicketViewSet

router = OptionalSlashRouter()
router.register("service-tickets", ServiceTicketViewSet)
router.register("customers/my-tickets", CustomerTicketsViewSet, basename="customer-my-tickets")
router.register("mechanics/my-tickets", MechanicTicketsViewSet, basename="mechanic-my-tickets")
