"""Every POST of the OpenAPI schema honours Idempotency-Key, but authentication's four."""

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from model_bakery import baker
from rest_framework.test import APIClient

from inventory.models import Part, PurchaseOrder, Supplier
from mechanic_shop.events.models import Webhook, WebhookDelivery
from mechanic_shop.idempotency.models import IdempotencyKey
from tickets.estimates import estimate_create
from tickets.links import estimate_token

pytestmark = pytest.mark.django_db

AUTHENTICATION = {"/customers/login", "/auth/token", "/auth/token/refresh", "/auth/logout"}
WRITES = re.compile(r"^\s*(INSERT|UPDATE|DELETE)\b", re.IGNORECASE)


def _post_paths() -> list[str]:
    schema = APIClient().get(reverse("schema"), {"format": "json"}).json()
    return sorted(path for path, operations in schema["paths"].items() if "post" in operations)


@pytest.fixture
def path_ids(make_ticket):
    """Real objects for the paths' parameters, so the actions get past their lookups."""
    part = baker.make(Part, name="Filter", quantity_in_stock=5)
    order = baker.make(PurchaseOrder, supplier=baker.make(Supplier, name="Acme"))
    ticket = make_ticket()
    webhook = baker.make(Webhook, url="https://hooks.example.com/in", events=["ticket.created"])
    delivery = baker.make(WebhookDelivery, webhook=webhook)
    estimate = estimate_create(ticket=make_ticket(parts=[(part, 1)]))
    return {
        "/inventory/{id}": part.pk,
        "/purchase-orders/{id}": order.pk,
        "/service-tickets/{id}": ticket.pk,
        "/service-tickets/{ticket_id}": ticket.pk,
        "/webhooks/{id}": webhook.pk,
        "{delivery_id}": delivery.pk,
        "{token}": estimate_token(estimate.pk),
    }


def _fill(path: str, ids: dict) -> str:
    for pattern, value in ids.items():
        prefix, _, parameter = pattern.rpartition("/")
        if pattern.startswith("{"):
            path = path.replace(pattern, str(value))
        elif path.startswith(f"{prefix}/{parameter}"):
            path = path.replace(parameter, str(value), 1)
    assert "{" not in path, path
    return path


def test_the_schema_has_the_posts_this_test_knows():
    paths = _post_paths()
    assert set(paths) >= AUTHENTICATION
    assert len(paths) >= 27


@pytest.mark.parametrize("template", [path for path in _post_paths() if path not in AUTHENTICATION])
def test_every_post_replays_with_a_key(template, admin_client_api, path_ids):
    path = _fill(template, path_ids)
    first = admin_client_api.post(path, {}, format="json", HTTP_IDEMPOTENCY_KEY="every-post")
    assert first.status_code < 500, first.content
    assert "Idempotent-Replayed" not in first
    stored = IdempotencyKey.objects.get()
    assert (stored.status, bytes(stored.body)) == (first.status_code, first.content)

    with CaptureQueriesContext(connection) as queries:
        again = admin_client_api.post(path, {}, format="json", HTTP_IDEMPOTENCY_KEY="every-post")
    assert (again.status_code, again.content, again["Idempotent-Replayed"]) == (
        first.status_code,
        first.content,
        "true",
    )
    # Nothing ran the second time: no write but the claim of the key (refused by its unique constraint).
    writes = [
        query["sql"]
        for query in queries.captured_queries
        if WRITES.match(query["sql"] or "") and "idempotency_idempotencykey" not in query["sql"]
    ]
    assert writes == []
    # And the handler never ran: the replay's last query is the read of the stored answer, which comes after
    # everything that runs before a handler (authentication, permissions) and is where the handler would start.
    last = queries.captured_queries[-1]["sql"]
    assert last.startswith("SELECT"), last
    assert "idempotency_idempotencykey" in last, last


@pytest.mark.parametrize("template", sorted(AUTHENTICATION))
def test_authentication_ignores_the_key(template, anon_client, customer):
    for _ in range(2):
        response = anon_client.post(template, {}, format="json", HTTP_IDEMPOTENCY_KEY="auth")
        assert response.status_code < 500
        assert "Idempotent-Replayed" not in response
    assert not IdempotencyKey.objects.exists()
