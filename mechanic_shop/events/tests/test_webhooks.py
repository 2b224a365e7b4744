"""/webhooks, and delivering events to them: signed, in order, retried, never to a private address unless allowed."""

import json
import socket
import time

import pytest
from django.urls import reverse
from standardwebhooks.webhooks import Webhook as Reference

from mechanic_shop.events.models import Event, Webhook, WebhookDelivery
from mechanic_shop.events.services import record_event, webhook_create
from mechanic_shop.events.tasks import deliver_webhook
from mechanic_shop.events.tests.receivers import Receiver

pytestmark = pytest.mark.django_db
LIST = reverse("webhook-list")


@pytest.fixture
def manager(staff_client):
    return staff_client("events.view_webhook", "events.add_webhook", "events.change_webhook", "events.delete_webhook")


@pytest.fixture
def receiver():
    receiver = Receiver()
    yield receiver
    receiver.close()


@pytest.fixture
def private_ok(settings):
    settings.WEBHOOK_ALLOW_PRIVATE_URLS = True


def test_create_shows_the_secret_once(manager, private_ok):
    response = manager.post(LIST, {"url": "http://127.0.0.1:9/hook", "events": ["ticket.created"]}, format="json")
    assert response.status_code == 201
    body = response.json()
    assert set(body) == {"id", "url", "events", "is_active", "description", "created_at", "updated_at", "secret"}
    assert body["secret"].startswith("whsec_")
    shown = manager.get(reverse("webhook-detail", args=[body["id"]])).json()
    assert "secret" not in shown
    assert shown["events"] == ["ticket.created"]
    assert shown["is_active"] is True
    rotated = manager.post(reverse("webhook-rotate-secret", args=[body["id"]])).json()
    assert rotated["secret"].startswith("whsec_")
    assert rotated["secret"] != body["secret"]
    assert Webhook.objects.get().secret == rotated["secret"]


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1/hook",
        "http://localhost:8000/hook",
        "http://10.1.2.3/hook",
        "http://192.168.0.1/hook",
        "http://169.254.169.254/latest/meta-data",
        "http://[::1]/hook",
        "http://0.0.0.0/hook",
        "http://240.0.0.1/hook",
        "ftp://example.com/hook",
        "not a url",
        "http://user:pw@example.com/hook",
    ],
)
def test_a_private_or_malformed_url_is_a_400(manager, url):
    response = manager.post(LIST, {"url": url, "events": ["*"]}, format="json")
    assert response.status_code == 400
    assert "url" in response.json()
    assert not Webhook.objects.exists()


def test_unknown_event_types_are_a_400(manager, private_ok):
    response = manager.post(LIST, {"url": "http://127.0.0.1/h", "events": ["ticket.exploded"]}, format="json")
    assert response.status_code == 400
    assert "events" in response.json()


def test_customers_and_staff_without_the_permission_are_refused(customer_client, staff_client):
    assert customer_client.get(LIST).status_code == 403
    assert staff_client().get(LIST).status_code == 403


def make_hook(url, events=("*",)):
    return webhook_create(url=url, events=list(events))


def test_an_event_is_delivered_signed_and_logged(receiver, private_ok, manager):
    hook = make_hook(receiver.url, events=["ticket.status_changed"])
    record_event(type="ticket.created", ticket_id=1)  # not a type it takes
    event = record_event(type="ticket.status_changed", ticket_id=1, data={"from": "open", "to": "in_progress"})
    assert deliver_webhook.call(hook.pk) == "sent 1"
    ((path, headers, body),) = receiver.requests
    assert path == "/hook"
    lower = {k.lower(): v for k, v in headers.items()}
    assert lower["webhook-id"] == str(event.pk)
    assert abs(int(lower["webhook-timestamp"]) - time.time()) < 60
    assert Reference(hook.secret).verify(body, lower)["type"] == "ticket.status_changed"
    assert json.loads(body) == {
        "id": event.pk,
        "type": "ticket.status_changed",
        "ticket_id": 1,
        "created_at": json.loads(body)["created_at"],
        "updated_at": json.loads(body)["created_at"],  # an event never changes
        "actor": {"kind": "system", "id": None},
        "data": {"from": "open", "to": "in_progress"},
    }
    log = manager.get(reverse("webhook-deliveries", args=[hook.pk])).json()["results"]
    assert len(log) == 1
    assert log[0]["status"] == "delivered"
    assert log[0]["response_status"] == 200
    assert log[0]["attempt"] == 1
    assert log[0]["event_type"] == "ticket.status_changed"
    assert log[0]["event_id"] == event.pk


def test_failures_are_retried_on_the_schedule_then_failed(receiver, private_ok, settings):
    settings.WEBHOOK_RETRY_SCHEDULE = [0, 0]
    receiver.answer = lambda n: 500
    hook = make_hook(receiver.url)
    event = record_event(type="ticket.created", ticket_id=1)
    deliver_webhook.call(hook.pk)
    attempts = list(WebhookDelivery.objects.filter(event=event).order_by("attempt"))
    assert [(d.attempt, d.status, d.response_status) for d in attempts] == [
        (1, "retrying", 500),
        (2, "retrying", 500),
        (3, "failed", 500),
    ]
    assert len(receiver.requests) == 3
    assert {r[1]["webhook-id"] for r in receiver.requests} == {str(event.pk)}  # the same id on every retry


def test_a_waiting_retry_holds_back_later_events(receiver, private_ok, settings):
    settings.WEBHOOK_RETRY_SCHEDULE = [3600]
    receiver.answer = lambda n: 503 if n == 1 else 200
    hook = make_hook(receiver.url)
    first = record_event(type="ticket.created", ticket_id=1)
    record_event(type="ticket.created", ticket_id=2)
    assert deliver_webhook.call(hook.pk).startswith("sent 1; next at")
    assert len(receiver.requests) == 1  # the second waits for the first: deliveries go in event order
    WebhookDelivery.objects.filter(event=first, status="pending").update(next_attempt_at=None)
    deliver_webhook.call(hook.pk)
    ids = [json.loads(body)["id"] for _, _, body in receiver.requests]
    assert ids == [first.pk, first.pk, first.pk + 1]


def test_a_redirect_is_not_followed(receiver, private_ok):
    receiver.answer = lambda n: 302
    hook = make_hook(receiver.url)
    record_event(type="ticket.created", ticket_id=1)
    deliver_webhook.call(hook.pk)
    delivery = WebhookDelivery.objects.get(attempt=1)
    assert (delivery.status, delivery.response_status) == ("retrying", 302)
    assert len(receiver.requests) == 1


def test_a_closed_connection_and_a_timeout_are_retried(private_ok, settings, monkeypatch):
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen()
    hook = make_hook(f"http://127.0.0.1:{server.getsockname()[1]}/hook")
    monkeypatch.setattr("mechanic_shop.events.outbound.TIMEOUT_SECONDS", 0.5)
    record_event(type="ticket.created", ticket_id=1)
    started = time.monotonic()
    deliver_webhook.call(hook.pk)  # accepted by the backlog, never answered: times out
    assert time.monotonic() - started < 5
    delivery = WebhookDelivery.objects.get(attempt=1)
    assert delivery.status == "retrying"
    assert delivery.response_status is None
    assert "timed out" in delivery.error
    server.close()


def test_a_connection_closed_without_an_answer_is_retried(private_ok):
    import threading

    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen()

    def close_it():
        connection, _ = server.accept()
        connection.recv(65536)
        connection.close()

    threading.Thread(target=close_it, daemon=True).start()
    hook = make_hook(f"http://127.0.0.1:{server.getsockname()[1]}/hook")
    record_event(type="ticket.created", ticket_id=1)
    deliver_webhook.call(hook.pk)
    delivery = WebhookDelivery.objects.get(attempt=1)
    assert delivery.status == "retrying"
    assert delivery.response_status is None
    assert delivery.error
    assert WebhookDelivery.objects.get(attempt=2).status == "pending"
    server.close()


def test_the_address_is_checked_again_at_delivery(receiver, private_ok, settings):
    hook = make_hook(receiver.url)
    settings.WEBHOOK_ALLOW_PRIVATE_URLS = False  # as if the name now resolved to a private address
    record_event(type="ticket.created", ticket_id=1)
    deliver_webhook.call(hook.pk)
    delivery = WebhookDelivery.objects.get(attempt=1)
    assert delivery.status == "retrying"
    assert "private" in delivery.error
    assert receiver.requests == []


def test_redeliver_and_ping(receiver, private_ok, manager):
    hook = make_hook(receiver.url, events=["ticket.created"])
    record_event(type="ticket.created", ticket_id=1)
    deliver_webhook.call(hook.pk)
    delivery = WebhookDelivery.objects.get()
    response = manager.post(reverse("webhook-redeliver", args=[hook.pk, delivery.pk]))
    assert response.status_code == 202
    assert response.json()["attempt"] == 2
    ping = manager.post(reverse("webhook-ping", args=[hook.pk]))
    assert ping.status_code == 202
    assert ping.json()["event_type"] == "webhook.ping"
    deliver_webhook.call(hook.pk)
    assert [json.loads(b)["type"] for _, _, b in receiver.requests] == [
        "ticket.created",
        "ticket.created",
        "webhook.ping",
    ]
    other = make_hook(receiver.url)
    assert manager.post(reverse("webhook-redeliver", args=[other.pk, delivery.pk])).status_code == 404


def test_an_inactive_webhook_gets_nothing(receiver, private_ok):
    hook = make_hook(receiver.url)
    Webhook.objects.filter(pk=hook.pk).update(is_active=False)
    record_event(type="ticket.created", ticket_id=1)
    assert not WebhookDelivery.objects.exists()
    assert Event.objects.count() == 1
