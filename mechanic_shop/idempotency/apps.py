from django.apps import AppConfig


class IdempotencyConfig(AppConfig):
    """Idempotency-Key on the API's POSTs: a repeat gets the first answer again instead of running twice
    (docs/decisions/0025-idempotency-keys.md)."""

    name = "mechanic_shop.idempotency"
    label = "idempotency"
    verbose_name = "Idempotency keys"
