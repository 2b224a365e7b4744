"""A real `manage.py db_worker` killed in the middle of a delivery: the delivery still happens once a worker runs
again (mark `live`: real processes on the test database)."""

import json
import os
import signal
import subprocess
import sys
import threading
import time

import pytest
from django.db import transaction

from mechanic_shop.events.models import WebhookDelivery
from mechanic_shop.events.services import record_event, webhook_create
from mechanic_shop.events.tests.receivers import Receiver
from mechanic_shop.testing.live import PROJECT_DIR, other_process_env

pytestmark = pytest.mark.live
LEASE = 3


def start_worker(settings) -> subprocess.Popen:
    env = {
        **other_process_env(settings),
        "WEBHOOK_ALLOW_PRIVATE_URLS": "true",
        "OUTBOX_LEASE_SECONDS": str(LEASE),
        "LOG_LEVEL": "WARNING",
    }
    return subprocess.Popen(
        [sys.executable, "manage.py", "db_worker", "--no-reload", "--interval", "0.2", "--no-startup-delay"],
        cwd=PROJECT_DIR,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )


def wait_for(condition, seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.2)
    return False


def test_a_worker_killed_mid_delivery_leaves_it_to_the_next(transactional_db, settings):
    settings.WEBHOOK_ALLOW_PRIVATE_URLS = True
    hanging = threading.Event()
    # The first request hangs (the worker is killed while it waits for the answer); later ones are answered 200.
    receiver = Receiver(answer=lambda n: (hanging.wait(20), 200)[1] if n == 1 else 200)
    workers = []
    try:
        hook = webhook_create(url=receiver.url, events=["*"])
        with transaction.atomic():
            event = record_event(type="ticket.created", ticket_id=42, data={"status": "open"})
        workers.append(start_worker(settings))
        assert receiver.arrived.wait(30), "the first worker never sent the delivery"
        os.killpg(workers[0].pid, signal.SIGKILL)
        workers[0].wait(10)
        hanging.set()
        delivery = WebhookDelivery.objects.get(webhook=hook, event=event)
        assert delivery.status == "pending"  # the killed worker recorded nothing

        workers.append(start_worker(settings))
        assert wait_for(lambda: WebhookDelivery.objects.filter(event=event, status="delivered").exists(), 30)
        assert len(receiver.requests) == 2
        assert [json.loads(body)["id"] for _, _, body in receiver.requests] == [event.pk, event.pk]
    finally:
        for worker in workers:
            if worker.poll() is None:
                os.killpg(worker.pid, signal.SIGTERM)
                worker.wait(10)
        hanging.set()
        receiver.close()
