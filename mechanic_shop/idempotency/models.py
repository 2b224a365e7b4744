from django.db import models


class IdempotencyKey(models.Model):
    """One POST sent with an Idempotency-Key: claimed (status null, "running") before the work, holding the answer
    once it is done. Written in the same transaction as the request's changes (mechanic_shop/idempotency/keys.py)."""

    # Who sent it: "customer:<user id>", "staff:<user id>", "session:<user id>" or "ip:<client IP>".
    caller = models.CharField(max_length=80)
    # sha256 of the key, hex: the same length whatever the key, and compared byte for byte (a case-insensitive
    # collation, as MariaDB's, would make "Abc" and "abc" one key).
    key_hash = models.CharField(max_length=64)
    # sha256 of method, path and raw body: the same key with another request is refused (422).
    fingerprint = models.CharField(max_length=64)
    created_at = models.DateTimeField(db_index=True)
    # Null while the first request runs; then its status, body and the headers a replay repeats.
    status = models.PositiveSmallIntegerField(null=True, blank=True)
    content_type = models.CharField(max_length=255, blank=True, default="")
    location = models.CharField(max_length=2048, blank=True, default="")
    body = models.BinaryField(default=b"")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["caller", "key_hash"], name="idempotency_key_per_caller")]

    def __str__(self) -> str:
        return f"{self.caller} {self.key_hash[:12]} ({self.status or 'running'})"
