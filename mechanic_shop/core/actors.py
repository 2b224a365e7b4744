"""Who is making the current change, for the events it writes (mechanic_shop/events).

A service records the actor of an event without every caller passing it down: `CurrentRequestMiddleware` keeps the
request being served in a context variable, and the event machinery asks it who is calling (DRF sets the user and
token it authenticated on the underlying request too). No request — a management command, a worker — is the
system, unless code says otherwise with `acting_as`.
"""

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

from django.http import HttpRequest, HttpResponse

current_request: ContextVar[HttpRequest | None] = ContextVar("current_request", default=None)
# An actor set explicitly, as (kind, id): wins over the request's.
explicit_actor: ContextVar[tuple[str, int | None] | None] = ContextVar("explicit_actor", default=None)


@contextmanager
def acting_as(kind: str, actor_id: int | None = None) -> Iterator[None]:
    """Events written inside name this actor (`staff`, `customer`, `public` or `system`)."""
    token = explicit_actor.set((kind, actor_id))
    try:
        yield
    finally:
        explicit_actor.reset(token)


class CurrentRequestMiddleware:
    """Keeps the request in `current_request` while it is served."""

    def __init__(self, get_response: Callable[[HttpRequest], Any]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        token = current_request.set(request)
        try:
            response: HttpResponse = self.get_response(request)
            return response
        finally:
            current_request.reset(token)
