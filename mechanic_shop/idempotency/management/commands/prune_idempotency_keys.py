from datetime import timedelta
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand
from django.utils import timezone

from mechanic_shop.idempotency.models import IdempotencyKey


class Command(BaseCommand):
    help = "Delete the Idempotency-Key rows older than IDEMPOTENCY_KEY_HOURS (no longer replayed); run it daily."

    def handle(self, *args: Any, **options: Any) -> None:
        cutoff = timezone.now() - timedelta(hours=settings.IDEMPOTENCY_KEY_HOURS)
        deleted, _ = IdempotencyKey.objects.filter(created_at__lt=cutoff).delete()
        self.stdout.write(f"Deleted {deleted} idempotency keys older than {settings.IDEMPOTENCY_KEY_HOURS} hours.")
