"""Each process remembers the active webhooks between changes: a change reads them once, and any save or delete of a
webhook, or a `flush`, makes the next change read them again — so an event never misses a new webhook and never
names a deleted one."""

import pytest
from django.core.management import call_command
from django.db import connection

from mechanic_shop.events import services
from mechanic_shop.events.models import Event, Webhook, WebhookDelivery
from mechanic_shop.events.services import record_event, webhook_create, webhook_delete, webhook_update


@pytest.fixture(autouse=True)
def _private_urls(settings):
    settings.WEBHOOK_ALLOW_PRIVATE_URLS = True


def record(capture, type="ticket.updated"):  # noqa: A002
    with capture(execute=True):
        return record_event(type=type, ticket_id=1)


def delivered_to(event):
    return sorted(WebhookDelivery.objects.filter(event=event).values_list("webhook_id", flat=True))


@pytest.mark.django_db
def test_a_second_change_does_not_read_the_webhooks_again(
    django_capture_on_commit_callbacks, django_assert_num_queries
):
    hook = webhook_create(url="http://127.0.0.1:9/a", events=["*"])
    record(django_capture_on_commit_callbacks)
    with django_assert_num_queries(0), django_capture_on_commit_callbacks(execute=False):
        services.active_webhooks()
    event = record(django_capture_on_commit_callbacks)
    assert delivered_to(event) == [hook.pk]


@pytest.mark.django_db
def test_new_changed_and_deleted_webhooks_are_seen_at_the_next_change(django_capture_on_commit_callbacks):
    first = webhook_create(url="http://127.0.0.1:9/a", events=["ticket.updated"])
    assert delivered_to(record(django_capture_on_commit_callbacks)) == [first.pk]
    second = webhook_create(url="http://127.0.0.1:9/b", events=["*"])
    assert delivered_to(record(django_capture_on_commit_callbacks)) == [first.pk, second.pk]
    webhook_update(webhook=first, is_active=False)
    assert delivered_to(record(django_capture_on_commit_callbacks)) == [second.pk]
    webhook_update(webhook=second, events=["ticket.created"])
    assert delivered_to(record(django_capture_on_commit_callbacks)) == []
    assert delivered_to(record(django_capture_on_commit_callbacks, "ticket.created")) == [second.pk]
    webhook_delete(webhook=second)
    assert delivered_to(record(django_capture_on_commit_callbacks, "ticket.created")) == []


@pytest.mark.django_db
def test_what_a_rolled_back_transaction_read_is_not_remembered(django_capture_on_commit_callbacks):
    webhook_create(url="http://127.0.0.1:9/a", events=["*"])
    with django_capture_on_commit_callbacks(execute=False):  # read, never committed
        services.active_webhooks()
    assert services._remembered is None


@pytest.mark.django_db
def test_when_the_shared_cache_cannot_answer_every_change_reads_them(monkeypatch, django_assert_num_queries):
    monkeypatch.setattr(services, "in_process_cache", lambda: False)
    monkeypatch.setattr(services, "current_generation", lambda key: 0)
    for _ in range(2):
        with django_assert_num_queries(1):
            services.active_webhooks()
    assert services._remembered is None


@pytest.mark.django_db(transaction=True)
def test_flush_retires_what_was_remembered():
    hook = webhook_create(url="http://127.0.0.1:9/a", events=["*"])
    assert delivered_to(record_event(type="ticket.updated", ticket_id=1)) == [hook.pk]
    assert services._remembered is not None
    call_command("flush", interactive=False, verbosity=0)
    assert not Webhook.objects.exists()
    # Remembering the deleted webhook would name it in a delivery: a foreign key error, refusing every change.
    event = record_event(type="ticket.updated", ticket_id=1)
    assert delivered_to(event) == []
    assert Event.objects.count() == 1


@pytest.mark.django_db(transaction=True)
def test_after_raw_sql_bump_webhooks_retires_them():
    webhook_create(url="http://127.0.0.1:9/a", events=["*"])
    record_event(type="ticket.updated", ticket_id=1)
    with connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {WebhookDelivery._meta.db_table}")
        cursor.execute(f"DELETE FROM {Webhook._meta.db_table}")
    services.bump_webhooks()
    assert delivered_to(record_event(type="ticket.updated", ticket_id=1)) == []
