"""Stock never goes below zero when add-part requests race, on a real server with several worker processes."""

from concurrent.futures import ThreadPoolExecutor
from decimal import Decimal

import pytest
from model_bakery import baker

from inventory.models import Part
from mechanic_shop.accounts.authentication import ROLE_STAFF
from mechanic_shop.accounts.tokens import issue_tokens
from mechanic_shop.testing.live import http_json
from tickets.models import TicketPart

pytestmark = pytest.mark.live

STOCK = 7
REQUESTS = 30


def test_parallel_add_part_takes_exactly_the_stock(live_server_workers, make_customer, make_staff, make_ticket):
    customer = make_customer(with_login=False)
    part = baker.make(Part, name="Last brake pads", price=Decimal("54.00"), quantity_in_stock=STOCK)
    tickets = [make_ticket(customer, description=f"Job {i}") for i in range(3)]
    _refresh, token = issue_tokens(make_staff("tickets.change_serviceticket"), ROLE_STAFF)
    url = live_server_workers(workers=4)

    def add_one(i: int) -> tuple[int, dict]:
        ticket = tickets[i % len(tickets)]
        return http_json("PUT", f"{url}/service-tickets/{ticket.pk}/add-part/{part.pk}", {"quantity": 1}, token)

    with ThreadPoolExecutor(max_workers=REQUESTS) as pool:
        results = list(pool.map(add_one, range(REQUESTS)))

    statuses = sorted(status for status, _ in results)
    assert statuses == [200] * STOCK + [409] * (REQUESTS - STOCK)
    assert all("Not enough Last brake pads" in body["detail"] for status, body in results if status == 409)
    part.refresh_from_db()
    assert part.quantity_in_stock == 0
    assert sum(TicketPart.objects.filter(part=part).values_list("quantity", flat=True)) == STOCK
