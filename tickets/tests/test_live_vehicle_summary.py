"""A vehicle's summary (ticket_count, odometer, last_service_date) stays exact when ticket writes on it race, on a
real server with several worker processes: creates on the vehicle and tickets moved onto it from another one."""

from concurrent.futures import ThreadPoolExecutor
from datetime import date, timedelta

import pytest

from mechanic_shop.accounts.authentication import ROLE_STAFF
from mechanic_shop.accounts.tokens import issue_tokens
from mechanic_shop.testing.factories import valid_vin
from mechanic_shop.testing.live import http_json
from tickets.models import ServiceTicket

pytestmark = pytest.mark.live

CREATES = 20
MOVES = 10


def test_parallel_ticket_writes_leave_the_vehicle_summary_exact(
    live_server_workers, make_customer, make_staff, make_vehicle, make_ticket
):
    customer = make_customer(with_login=False)
    car, other = make_vehicle(customer), make_vehicle(customer)
    movers = [make_ticket(customer, vehicle=other, service_date=date(2025, 1, 1 + i)) for i in range(MOVES)]
    _refresh, token = issue_tokens(make_staff("tickets.add_serviceticket", "tickets.change_serviceticket"), ROLE_STAFF)
    url = live_server_workers(workers=4)
    first_day = date(2026, 1, 1)

    def write(i: int) -> tuple[int, dict]:
        if i < CREATES:
            # Readings that rise with the service date: valid in whatever order the creates commit.
            body = {
                "vehicle_id": car.pk,
                "service_date": (first_day + timedelta(days=i)).isoformat(),
                "description": f"Visit {i}",
                "customer_id": customer.pk,
                "mileage_in": 1_000 * (i + 1),
            }
            return http_json("POST", f"{url}/service-tickets", body, token)
        ticket = movers[i - CREATES]
        return http_json("PATCH", f"{url}/service-tickets/{ticket.pk}", {"vehicle_id": car.pk}, token)

    with ThreadPoolExecutor(max_workers=CREATES + MOVES) as pool:
        results = list(pool.map(write, range(CREATES + MOVES)))

    assert sorted(status for status, _ in results) == [200] * MOVES + [201] * CREATES, results
    car.refresh_from_db()
    other.refresh_from_db()
    assert ServiceTicket.objects.filter(vehicle=car).count() == CREATES + MOVES
    assert car.ticket_count == CREATES + MOVES
    assert car.odometer == 1_000 * CREATES
    assert car.last_service_date == first_day + timedelta(days=CREATES - 1)
    assert (other.ticket_count, other.odometer, other.last_service_date) == (0, None, None)
    assert set(ServiceTicket.objects.filter(vehicle=car).values_list("vin", flat=True)) == {car.vin}


def test_vin_corrections_racing_ticket_writes_never_deadlock_and_leave_every_vin_equal(
    live_server_workers, make_customer, make_staff, make_vehicle, make_ticket
):
    # A VIN correction locks the car's tickets, then the car; a ticket write locks its ticket, then its car. Raced
    # against each other on one car (MariaDB in CI: real row locks), every request must succeed — a deadlock would
    # be a 500 — and every ticket must end with the VIN the car ends with.
    customer = make_customer(with_login=False)
    car = make_vehicle(customer, vin=valid_vin(1))
    tickets = [make_ticket(customer, vehicle=car, service_date=date(2025, 1, 1 + i)) for i in range(6)]
    staff = make_staff("tickets.add_serviceticket", "tickets.change_serviceticket", "customers.change_vehicle")
    _refresh, token = issue_tokens(staff, ROLE_STAFF)
    url = live_server_workers(workers=4)
    vins = [valid_vin(serial) for serial in range(2, 12)]

    def write(i: int) -> tuple[int, dict]:
        if i % 2 == 0:
            return http_json("PATCH", f"{url}/vehicles/{car.pk}", {"vin": vins[i // 2]}, token)
        ticket = tickets[(i // 2) % len(tickets)]
        body = {"description": f"Write {i}", "mileage_in": None}
        return http_json("PATCH", f"{url}/service-tickets/{ticket.pk}", body, token)

    with ThreadPoolExecutor(max_workers=20) as pool:
        results = list(pool.map(write, range(20)))

    assert [status for status, _ in results] == [200] * 20, results
    car.refresh_from_db()
    assert car.vin in vins
    assert set(ServiceTicket.objects.filter(vehicle=car).values_list("vin", flat=True)) == {car.vin}
