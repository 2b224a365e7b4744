"""Our Standard Webhooks signatures, checked by the specification's reference implementation."""

import base64
import json
from datetime import UTC, datetime

import pytest
from standardwebhooks.webhooks import Webhook as Reference
from standardwebhooks.webhooks import WebhookVerificationError

from mechanic_shop.events import signing


def test_a_new_secret_is_whsec_and_24_random_bytes():
    secret = signing.new_secret()
    assert secret.startswith("whsec_")
    assert len(base64.b64decode(secret.removeprefix("whsec_"))) == 24
    assert signing.new_secret() != secret


def test_the_reference_implementation_verifies_our_signature():
    secret = signing.new_secret()
    body = json.dumps({"id": 7, "type": "ticket.created", "data": {"note": "ünïcode"}}).encode()
    timestamp = int(datetime.now(UTC).timestamp())
    headers = signing.headers(secret, "7", timestamp, body)
    assert Reference(secret).verify(body, headers) == json.loads(body)
    # And the reference's own signature of the same message is ours, byte for byte.
    assert (
        Reference(secret).sign("7", datetime.fromtimestamp(timestamp, UTC), body.decode())
        == headers["webhook-signature"]
    )


def test_a_changed_body_or_another_secret_fails_verification():
    secret = signing.new_secret()
    body = b'{"id":1}'
    headers = signing.headers(secret, "1", int(datetime.now(UTC).timestamp()), body)
    with pytest.raises(WebhookVerificationError):
        Reference(secret).verify(b'{"id":2}', headers)
    with pytest.raises(WebhookVerificationError):
        Reference(signing.new_secret()).verify(body, headers)
