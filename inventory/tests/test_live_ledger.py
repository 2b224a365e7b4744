"""The stock ledger under parallel mixed operations on one part, on a real server with several worker processes (the
suite runs this on SQLite and on MariaDB): afterwards the movements' deltas sum to the stock, their balances form
one chain, every refused request left nothing, and `manage.py check_stock` agrees."""

import io
import random
from concurrent.futures import ThreadPoolExecutor
from decimal import Decimal

import pytest
from django.core.management import call_command

from inventory.management.commands.check_stock import ledger_problems
from inventory.models import Part, StockMovement
from inventory.services import part_create
from mechanic_shop.accounts.authentication import ROLE_STAFF
from mechanic_shop.accounts.tokens import issue_tokens
from mechanic_shop.testing.live import http_json
from tickets.models import TicketPart

pytestmark = pytest.mark.live

STOCK = 20
REQUESTS = 60


def test_parallel_mixed_stock_changes_keep_one_exact_chain(live_server_workers, make_customer, make_staff, make_ticket):
    customer = make_customer(with_login=False)
    part = part_create(name="Oil filter", price=Decimal("8.50"), quantity_in_stock=STOCK)
    tickets = [make_ticket(customer, description=f"Job {i}") for i in range(4)]
    staff = make_staff("tickets.change_serviceticket", "inventory.change_part", "inventory.view_part")
    _refresh, token = issue_tokens(staff, ROLE_STAFF)
    url = live_server_workers(workers=4)
    rng = random.Random(14)
    operations = []
    for i in range(REQUESTS):
        ticket = tickets[i % len(tickets)]
        operations.append(
            rng.choice(
                [
                    ("PUT", f"/service-tickets/{ticket.pk}/add-part/{part.pk}", {"quantity": rng.randint(1, 3)}),
                    ("PUT", f"/service-tickets/{ticket.pk}/remove-part/{part.pk}", {"quantity": 1}),
                    ("POST", f"/inventory/{part.pk}/adjust", {"delta": rng.choice([-4, -1, 2, 5])}),
                    ("PATCH", f"/inventory/{part.pk}", {"quantity_in_stock": rng.randint(0, 15)}),
                ]
            )
        )

    def run(operation):
        method, path, body = operation
        return http_json(method, url + path, body, token)

    with ThreadPoolExecutor(max_workers=16) as pool:
        results = list(pool.map(run, operations))

    statuses = [status for status, _ in results]
    assert set(statuses) <= {200, 201, 404, 409}, statuses  # 404: nothing of the part on that ticket yet
    assert statuses.count(409) + statuses.count(404) < REQUESTS  # the race did change the stock
    part.refresh_from_db()
    movements = list(StockMovement.objects.filter(part=part).order_by("id").values_list("delta", "balance_after"))
    assert sum(delta for delta, _ in movements) == part.quantity_in_stock
    balance = 0
    for delta, balance_after in movements:
        balance += delta
        assert balance_after == balance
    on_tickets = sum(TicketPart.objects.filter(part=part).values_list("quantity", flat=True))
    ticket_moves = StockMovement.objects.filter(part=part, reason="ticket").values_list("delta", flat=True)
    assert -sum(ticket_moves) == on_tickets
    assert ledger_problems() == {}
    out = io.StringIO()
    call_command("check_stock", stdout=out)
    assert f"{Part.objects.count()} parts, every one explained" in out.getvalue()
