"""Idempotency-Key on every POST of the API but authentication's (docs/decisions/0025-idempotency-keys.md).

The base viewset (mechanic_shop/api/viewsets.py) calls `begin` after authentication, permissions and throttles.
A POST without the header costs nothing here (no query). With one:

1. the key is checked (1 to 255 visible ASCII characters, else 400) and the raw body is fingerprinted with the
   method and the path;
2. the key is claimed by inserting a row in a transaction of its own, committed before the work, so a parallel
   request with the same key hits the unique constraint and finds it running (409), done (a replay of the stored
   answer, or 422 for another request under the same key);
3. the view's work runs inside one transaction that also writes the answer into the claimed row: the change and
   the stored answer commit together or not at all. A 5xx (or an exception) deletes the row, so the client may retry.

A worker that dies mid-request rolls its transaction back, leaving a "running" row with no change behind it; such a
row older than IDEMPOTENCY_ABANDONED_SECONDS (well over the workers' timeout) is taken over by the next request with
the key. A row older than IDEMPOTENCY_KEY_HOURS is ignored and replaced; `manage.py prune_idempotency_keys` deletes
them.
"""

import contextlib
import hashlib
import re
from collections.abc import Callable
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.db import DatabaseError, IntegrityError, transaction
from django.http import HttpResponse
from django.http.request import RawPostDataException
from django.utils import timezone
from rest_framework import status
from rest_framework.exceptions import APIException, ValidationError

from mechanic_shop.api.throttling import client_ip
from mechanic_shop.idempotency.models import IdempotencyKey

if TYPE_CHECKING:
    from django.http import HttpResponseBase
    from rest_framework.request import Request
    from rest_framework.views import APIView

HEADER = "Idempotency-Key"
META_KEY = "HTTP_IDEMPOTENCY_KEY"
REPLAYED_HEADER = "Idempotent-Replayed"
_VALID_KEY = re.compile(r"[\x21-\x7e]{1,255}")
BAD_KEY = "Send 1 to 255 visible ASCII characters (no spaces)."

Handler = Callable[..., "HttpResponseBase"]


class KeyInUse(APIException):
    status_code = status.HTTP_409_CONFLICT
    default_detail = "A request with this Idempotency-Key is still running; try again when it has finished."
    default_code = "idempotency_key_in_use"


class KeyReused(APIException):
    status_code = status.HTTP_422_UNPROCESSABLE_ENTITY
    default_detail = "This Idempotency-Key was used for another request (another path or body); use a new key."
    default_code = "idempotency_key_reused"


def wants_key(request: "Request") -> bool:
    """Whether the request asks for idempotency: a POST with the header (whatever its value)."""
    return request.method == "POST" and META_KEY in request.META


def caller_of(request: "Request") -> str:
    """Whose key it is: an account by its id and the kind of credential (a customer token and a staff token never
    share keys), an anonymous caller by client IP."""
    user = request.user
    if user is not None and user.is_authenticated:
        token = getattr(request, "auth", None)
        role = token.get("role") if token is not None and hasattr(token, "get") else None
        return f"{role or 'session'}:{user.pk}"
    return f"ip:{client_ip(request)}"


def read_key(request: "Request") -> tuple[str, str]:
    """(key hash, fingerprint) of a request that `wants_key`; a malformed key is a 400. Reads the raw body, so call it
    before the body is parsed."""
    key = request.META[META_KEY]
    if not _VALID_KEY.fullmatch(key):
        raise ValidationError({HEADER: [BAD_KEY]})
    try:
        body = request._request.body
    except RawPostDataException:  # read as a stream already (not JSON: parsing refuses it anyway)
        body = b""
    fingerprint = hashlib.sha256()
    for part in (b"POST", request._request.get_full_path().encode(), body):
        fingerprint.update(len(part).to_bytes(8, "big"))
        fingerprint.update(part)
    return hashlib.sha256(key.encode("ascii")).hexdigest(), fingerprint.hexdigest()


# The view's method DRF's dispatch calls for a POST (a viewset's action is bound to it by as_view).
_HANDLER = "post"


def begin(view: "APIView", request: "Request", key_hash: str, fingerprint: str, before: "Callable[[], None]") -> None:
    """Make the view's POST handler claim the key first (as the handler, so nothing that runs between `initial` and
    it can leave a claimed key behind, and 409 / 422 go through the exception handler), then either answer the
    stored response (the key is done) or run the work and store its answer. `before` runs first in the work's
    transaction (the If-Match check: a replay is the first answer again, whatever the object has become since)."""
    handler: Handler = getattr(view, _HANDLER)

    def claim_then_handle(request: "Request", *args: Any, **kwargs: Any) -> "HttpResponseBase":
        claimed = claim(request, key_hash, fingerprint)
        if isinstance(claimed, HttpResponse):
            return claimed
        return run(view, handler, claimed, before)(request, *args, **kwargs)

    setattr(view, _HANDLER, claim_then_handle)


def claim(request: "Request", key_hash: str, fingerprint: str) -> "int | HttpResponse":
    """Claim the key: the claimed row's id (the request runs), or the stored answer to replay; 409 / 422 raised."""
    caller = caller_of(request)
    for _ in range(3):
        now = timezone.now()
        try:
            with transaction.atomic():
                row = IdempotencyKey.objects.create(
                    caller=caller, key_hash=key_hash, fingerprint=fingerprint, created_at=now
                )
            return row.pk
        except IntegrityError:
            pass
        held = IdempotencyKey.objects.filter(caller=caller, key_hash=key_hash).first()
        if held is None:
            continue  # its request failed (5xx) and let the key go since: claim it again
        expired = held.created_at < now - timedelta(hours=settings.IDEMPOTENCY_KEY_HOURS)
        abandoned = held.status is None and held.created_at < now - timedelta(
            seconds=settings.IDEMPOTENCY_ABANDONED_SECONDS
        )
        if expired or abandoned:
            # The row as read, and only it: of two requests replacing it at once, one deletes and claims.
            IdempotencyKey.objects.filter(pk=held.pk, created_at=held.created_at).delete()
            continue
        if held.fingerprint != fingerprint:
            raise KeyReused()
        if held.status is None:
            raise KeyInUse()
        return replay(held)
    raise KeyInUse()


class _ClaimLost(Exception):
    pass


def replay(held: IdempotencyKey) -> HttpResponse:
    response = HttpResponse(bytes(held.body), status=held.status, content_type=held.content_type or None)
    if held.location:
        response["Location"] = held.location
    response[REPLAYED_HEADER] = "true"
    return response


def run(view: "APIView", handler: Handler, claimed: int, before: "Callable[[], None]") -> Handler:
    """The view's handler, run in one transaction with the storing of its answer into the claimed row."""

    def handle(request: "Request", *args: Any, **kwargs: Any) -> "HttpResponseBase":
        try:
            with transaction.atomic():
                try:
                    # A savepoint: a database error in the work (answered by the exception handler, as a 409 for an
                    # IntegrityError) rolls back the work only, and the answer can still be stored.
                    with transaction.atomic():
                        before()
                        response = handler(request, *args, **kwargs)
                except Exception as exc:  # noqa: BLE001  (what DRF's dispatch does with it; re-raised if unhandled)
                    response = view.handle_exception(exc)
                # (DRF's own dispatch finalizes it again: that only sets the same headers.)
                response = view.finalize_response(request, response, *args, **kwargs)  # type: ignore[arg-type]
                stored = IdempotencyKey.objects.filter(pk=claimed)
                if response.status_code >= 500 or response.streaming:
                    stored.delete()
                else:
                    if isinstance(response, HttpResponse) and hasattr(response, "render"):
                        response.render()
                    assert isinstance(response, HttpResponse)
                    if not stored.update(
                        status=response.status_code,
                        body=response.content,
                        content_type=response.get("Content-Type", ""),
                        location=response.get("Location", ""),
                    ):
                        # The key was taken over as abandoned while this ran (longer than
                        # IDEMPOTENCY_ABANDONED_SECONDS): the other request does the work; undo this one's.
                        raise _ClaimLost
        except _ClaimLost:
            return view.finalize_response(request, view.handle_exception(KeyInUse()), *args, **kwargs)
        except BaseException:
            # Nothing committed: let the key go, so the client may send it again. If the database itself is what
            # failed, the row stays "running" until IDEMPOTENCY_ABANDONED_SECONDS, and the first error is what counts.
            with contextlib.suppress(DatabaseError):
                IdempotencyKey.objects.filter(pk=claimed).delete()
            raise
        return response

    return handle
