from mechanic_shop.api.routers import OptionalSlashRouter
from mechanic_shop.events.views import WebhookViewSet

router = OptionalSlashRouter()
router.register("webhooks", WebhookViewSet)
