"""The customer's links: signed tokens for an estimate's approval page and a ticket's tracking page, the absolute
URLs built on them, and each ticket's approval summary for the ticket JSON.

Tokens are Django signatures (`Signer.sign_object`, HMAC-SHA256 with SECRET_KEY, salted per purpose): nobody
without the key can make or alter one, and nothing is stored to look them up. An estimate's token signs its id; a
ticket's tracking token signs its id and `tracking_version`, which a new link increments, so every older token stops
matching. A token that does not verify, or names nothing, is None here and a 404 to the caller.
"""

import base64
import hashlib
import hmac
from collections.abc import Callable, Iterable
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.core import signing
from django.utils import timezone
from django.utils.encoding import force_bytes

from mechanic_shop.core.actors import current_request
from mechanic_shop.core.prepared import PreparedRows
from tickets.models import Estimate

if TYPE_CHECKING:
    from django.http import HttpRequest

ESTIMATE_SALT = "tickets.estimate.approval"
TRACKING_SALT = "tickets.ticket.tracking"
# What a token looks like in a path (URL-safe base64 and the signature's separator); anything else matches no route.
TOKEN_PATTERN = r"[A-Za-z0-9_\-:]{1,200}"


def estimate_token(estimate_id: int) -> str:
    return signing.Signer(salt=ESTIMATE_SALT).sign_object(estimate_id)


def tracking_token(ticket_id: int, version: int) -> str:
    # No timestamp in it: the same ticket and version always give the same link (tracking_urls signs alike).
    return signing.Signer(salt=TRACKING_SALT).sign_object([ticket_id, version])


def _loads(token: str, salt: str) -> Any:
    try:
        return signing.Signer(salt=salt).unsign_object(token)
    except (signing.BadSignature, ValueError, TypeError):
        return None


def estimate_id_from_token(token: str) -> int | None:
    value = _loads(token, ESTIMATE_SALT)
    return value if type(value) is int else None


def ticket_from_tracking_token(token: str) -> tuple[int, int] | None:
    """(ticket id, tracking version) signed into the token, or None."""
    value = _loads(token, TRACKING_SALT)
    if isinstance(value, list) and len(value) == 2 and all(type(item) is int for item in value):
        return value[0], value[1]
    return None


def public_url(path: str, request: "HttpRequest | None" = None) -> str:
    """An absolute URL for a customer's link: on PUBLIC_BASE_URL when set, else on the scheme and host of the
    request (given, or the one being served: a mail written by a service during a request), as Django sees them
    behind the proxy settings, else the bare path (no request: a command, a shell; set PUBLIC_BASE_URL)."""
    if settings.PUBLIC_BASE_URL:
        return settings.PUBLIC_BASE_URL + path
    request = request if request is not None else current_request.get()
    if request is not None:
        return request.build_absolute_uri(path)
    return path


def approval_url(estimate_id: int, request: "HttpRequest | None" = None) -> str:
    return approval_urls(request)(estimate_id)


def approval_urls(request: "HttpRequest | None" = None) -> Callable[[int], str]:
    """`approval_url` for many estimates of one request (a page of them), signed as `tracking_urls` signs."""
    start, sign = public_url("/approve/", request), _signing(ESTIMATE_SALT)

    def url(estimate_id: int) -> str:
        if type(estimate_id) is not int:  # noqa: E721 - a bool or a float is not JSON's int
            return start + estimate_token(estimate_id)
        return start + sign(b"%d" % estimate_id)

    return url


def tracking_url(ticket_id: int, version: int, request: "HttpRequest | None" = None) -> str:
    return tracking_urls(request)(ticket_id, version)


def tracking_urls(request: "HttpRequest | None" = None) -> Callable[[int, int], str]:
    """`tracking_url` for many tickets of one request (a page of them): the signing key and the start of the URL are
    made once, not per ticket.

    Each token is exactly `Signer(salt=TRACKING_SALT).sign_object([ticket_id, version])` (a test compares them over
    many ids and versions), built without the Signer's per-call work: it derives its HMAC key from the salt and
    SECRET_KEY again for every signature, and serializes the pair through the JSON encoder. That was a tenth of a
    page of 100 tickets; here the key is derived once and each token is two base64 encodings and one HMAC."""
    start, sign = public_url("/track/", request), _signing(TRACKING_SALT)

    def url(ticket_id: int, version: int) -> str:
        if type(ticket_id) is not int or type(version) is not int:  # noqa: E721 - a bool or a float is not JSON's int
            return start + tracking_token(ticket_id, version)
        # The JSON of two integers, compact as Django's JSONSerializer writes it.
        return start + sign(b"[%d,%d]" % (ticket_id, version))

    return url


# Tokens already made, by HMAC key and signed value: a value always signs to the same token, and a page of tickets
# signs the same ones on every request (a twentieth of a page of 100: decision 0039). At most SIGNED_MAX per key (a
# full table starts over); a key changes only with SECRET_KEY, so there are hardly ever two.
SIGNED_MAX = 4096
_signed: dict[bytes, dict[bytes, str]] = {}


def _signing(salt: str) -> Callable[[bytes], str]:
    """What `Signer(salt=salt).sign_object` makes of a value already serialized to its compact JSON, with the HMAC
    key derived once: base64 of the JSON without padding, the separator, the base64 of its HMAC-SHA256."""
    signer = signing.Signer(salt=salt)
    # As django.utils.crypto.salted_hmac derives it for Signer.signature (SHA-256, the Signer's default).
    key = hashlib.sha256(force_bytes(salt + "signer") + force_bytes(signer.key)).digest()
    sep = signer.sep
    made = _signed.get(key)
    if made is None:
        if len(_signed) >= 4:
            _signed.clear()
        made = _signed[key] = {}

    def sign(data: bytes) -> str:
        token = made.get(data)
        if token is None:
            value = base64.urlsafe_b64encode(data).rstrip(b"=")
            signature = base64.urlsafe_b64encode(hmac.digest(key, value, "sha256")).rstrip(b"=")
            token = value.decode() + sep + signature.decode()
            if len(made) >= SIGNED_MAX:
                made.clear()
            made[data] = token
        return token

    return sign


NO_APPROVAL: tuple[str, Decimal | None] = ("none", None)
# The estimates that may still ask something of the customer, per ticket, oldest first (SQL built once per page size:
# mechanic_shop/core/prepared.py).
ESTIMATE_ROWS = PreparedRows(
    lambda: (
        Estimate.objects.filter(
            status__in=[Estimate.Status.PENDING, Estimate.Status.APPROVED, Estimate.Status.DECLINED]
        )
        .order_by("ticket_id", "created_at", "id")
        .values_list("ticket_id", "status", "expires_at", "approved_total")
    ),
    "ticket_id",
)


def approval_summaries(ticket_ids: Iterable[int]) -> dict[int, tuple[str, Decimal | None]]:
    """Each ticket's (approval_status, approved_total), in one query for all of them.

    approval_status is that of the latest estimate still in force (approved, declined, or pending and not expired):
    superseded and expired ones no longer ask anything of the customer. approved_total is the latest approved
    estimate's, or None."""
    now = timezone.now()
    summaries: dict[int, tuple[str, Decimal | None]] = {}
    for ticket_id, status, expires_at, approved_total in ESTIMATE_ROWS.rows(ticket_ids):
        _, total = summaries.get(ticket_id, NO_APPROVAL)
        if status == Estimate.Status.PENDING and expires_at <= now:
            continue
        summaries[ticket_id] = (status, approved_total if status == Estimate.Status.APPROVED else total)
    return summaries
