"""The admin: a ticket's timeline on its page, webhooks with their delivery log, failed deliveries filtered and
redelivered."""

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse

from mechanic_shop.events.models import Webhook, WebhookDelivery
from mechanic_shop.events.services import record_event, webhook_create
from tickets.services import ticket_set_status

pytestmark = pytest.mark.django_db


@pytest.fixture
def boss(client):
    user = get_user_model().objects.create_superuser("boss", "boss@example.com", "Sup3r-Secret-Boss")
    client.force_login(user)
    return client


def test_the_ticket_page_shows_its_timeline(boss, make_ticket):
    ticket = make_ticket()
    ticket_set_status(ticket=ticket, status="in_progress")
    page = boss.get(reverse("admin:tickets_serviceticket_change", args=[ticket.pk])).content.decode()
    assert "ticket.created" in page
    assert "ticket.status_changed" in page
    assert "Time in each status" in page
    assert "open: 0:00:00" in page


def test_a_webhook_made_in_the_admin_shows_its_secret_once(boss, settings):
    settings.WEBHOOK_ALLOW_PRIVATE_URLS = True
    response = boss.post(
        reverse("admin:events_webhook_add"),
        {
            "url": "http://127.0.0.1:9/hook",
            "events": '["*"]',
            "is_active": "on",
            "description": "",
            "deliveries-TOTAL_FORMS": "0",
            "deliveries-INITIAL_FORMS": "0",
        },
        follow=True,
    )
    webhook = Webhook.objects.get()
    assert webhook.secret in response.content.decode()


def test_a_private_url_is_refused_on_the_form(boss):
    response = boss.post(
        reverse("admin:events_webhook_add"),
        {
            "url": "http://10.0.0.1/hook",
            "events": '["*"]',
            "deliveries-TOTAL_FORMS": "0",
            "deliveries-INITIAL_FORMS": "0",
        },
    )
    assert response.status_code == 200
    assert "private" in response.content.decode()
    assert not Webhook.objects.exists()


def test_failed_deliveries_filter_and_redeliver(boss, settings):
    settings.WEBHOOK_ALLOW_PRIVATE_URLS = True
    hook = webhook_create(url="http://127.0.0.1:9/hook", events=["*"])
    record_event(type="ticket.created", ticket_id=1)
    delivery = WebhookDelivery.objects.get()
    WebhookDelivery.objects.filter(pk=delivery.pk).update(status="failed")
    page = boss.get(reverse("admin:events_webhookdelivery_changelist") + "?status__exact=failed")
    assert page.status_code == 200
    assert "?status__exact=failed" in page.content.decode()
    assert boss.get(reverse("admin:events_webhook_change", args=[hook.pk])).status_code == 200
    boss.post(
        reverse("admin:events_webhookdelivery_changelist"),
        {"action": "redeliver", "_selected_action": [delivery.pk]},
    )
    assert list(WebhookDelivery.objects.order_by("attempt").values_list("attempt", "status")) == [
        (1, "failed"),
        (2, "pending"),
    ]
