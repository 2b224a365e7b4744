"""A decision is taken exactly once, however many arrive at the same moment: parallel approve and decline requests
against real gunicorn workers on the same estimate."""

from concurrent.futures import ThreadPoolExecutor
from decimal import Decimal

import pytest
from model_bakery import baker

from inventory.models import Part, StockMovement
from mechanic_shop.testing.live import http_json
from tickets.estimates import estimate_create
from tickets.links import estimate_token
from tickets.models import Estimate

pytestmark = pytest.mark.live


def test_parallel_decisions_exactly_one_wins(live_server_workers, make_ticket):
    pads = baker.make(Part, name="Brake pad set", price=Decimal("54.00"), quantity_in_stock=10)
    ticket = make_ticket(parts=[(pads, 3)], labor_cost=Decimal("40.00"))
    estimate = estimate_create(ticket=ticket)
    part_line = estimate.lines.get(kind="part")
    token = estimate_token(estimate.pk)
    url = live_server_workers(workers=4)

    def decide(i: int) -> tuple[int, dict]:
        if i % 2:
            return http_json("POST", f"{url}/estimates/{token}/decline", {"signed_by": f"Caller {i}"})
        body = {"signed_by": f"Caller {i}", "declined_line_ids": [part_line.pk]}
        return http_json("POST", f"{url}/estimates/{token}/approve", body)

    with ThreadPoolExecutor(max_workers=12) as pool:
        results = list(pool.map(decide, range(12)))
    statuses = sorted(status for status, _ in results)
    assert statuses == [200] + [409] * 11, results
    winner = next(body for status, body in results if status == 200)
    decided = Estimate.objects.get(pk=estimate.pk)
    assert decided.status == winner["status"]
    assert decided.signed_by == winner["signed_by"]
    assert decided.decided_ip == "127.0.0.1"
    pads.refresh_from_db()
    returned = StockMovement.objects.filter(part=pads, ticket_id=ticket.pk, delta__gt=0).count()
    if decided.status == "approved":
        assert pads.quantity_in_stock == 10
        assert returned == 1  # the declined part came back once, not twice
    else:
        assert pads.quantity_in_stock == 7
        assert returned == 0
