"""The original Flask service's flow, end to end with real tokens, as its clients drive it."""

import pytest
from django.contrib.auth import get_user_model
from rest_framework.test import APIClient

from inventory.models import Part
from tickets.models import ServiceTicket

pytestmark = pytest.mark.django_db


def test_the_original_service_flow_still_works():
    get_user_model().objects.create_user("desk", password="Front-Desk-2026", is_staff=True, is_superuser=True)
    anon = APIClient()

    # Create a customer and log in as them.
    me = {"name": "Dana Driver", "email": "dana@example.com", "phone_number": "555-0100", "password": "Tr1cky-Gear-42"}
    customer = anon.post("/customers", me, format="json")
    assert customer.status_code == 201
    login = anon.post("/customers/login", {"email": "DANA@example.com", "password": "Tr1cky-Gear-42"}, format="json")
    assert login.status_code == 200
    dana = APIClient()
    dana.credentials(HTTP_AUTHORIZATION=f"Bearer {login.json()['token']}")

    staff_token = anon.post("/auth/token", {"username": "desk", "password": "Front-Desk-2026"}, format="json")
    desk = APIClient()
    desk.credentials(HTTP_AUTHORIZATION=f"Bearer {staff_token.json()['access']}")

    # Mechanics and a ticket.
    mo = desk.post("/mechanics", {"name": "Mo", "email": "mo@shop.com", "phone_number": "5550001", "salary": 52000},
                   format="json").json()  # fmt: skip
    zed = desk.post("/mechanics/", {"name": "Zed", "email": "zed@shop.com", "phone_number": "5550002",
                                    "salary": "48000.00"}, format="json").json()  # fmt: skip
    ticket = desk.post(
        "/service-tickets",
        {"vin": "1HGCM82633A004352", "service_date": "2026-02-07", "description": "Brakes",
         "customer_id": customer.json()["id"], "mechanic_ids": [mo["id"]]},
        format="json",
    ).json()  # fmt: skip
    tid = ticket["id"]
    edited = desk.put(f"/service-tickets/{tid}/edit", {"add_ids": [zed["id"]], "remove_ids": [mo["id"]]}, format="json")
    assert [m["name"] for m in edited.json()["mechanics"]] == ["Zed"]

    # Parts.
    pads = desk.post("/inventory", {"name": "Brake pads", "price": 54, "quantity_in_stock": 4}, format="json").json()
    added = desk.put(f"/service-tickets/{tid}/add-part/{pads['id']}", {"quantity": 2}, format="json").json()
    assert added["parts_total"] == "108.00"

    # Work it, complete it, and see the leaderboard.
    desk.patch(f"/service-tickets/{tid}", {"status": "in_progress", "labor_cost": "90"}, format="json")
    done = desk.patch(f"/service-tickets/{tid}/", {"status": "completed"}, format="json").json()
    assert done["total_cost"] == "198.00"
    board = desk.get("/mechanics/leaderboard/most-tickets").json()["results"]
    assert board[0] == {"id": zed["id"], "name": "Zed", "ticket_count": 1}

    # The customer's view.
    mine = dana.get("/customers/my-tickets?per_page=5").json()
    assert mine["count"] == 1
    assert mine["results"][0]["id"] == tid

    # List, update, delete.
    assert desk.get("/service-tickets?status=completed").json()["count"] == 1
    assert desk.put(f"/customers/{customer.json()['id']}", me | {"name": "Dana D."}, format="json").status_code == 200
    assert desk.delete(f"/service-tickets/{tid}").status_code == 409  # history stays
    second = desk.post(
        "/service-tickets",
        {"vin": "1HGCM82633A004352", "service_date": "2026-03-01", "description": "Oil",
         "customer_id": customer.json()["id"]},
        format="json",
    ).json()  # fmt: skip
    desk.put(f"/service-tickets/{second['id']}/add-part/{pads['id']}", format="json")
    assert desk.delete(f"/service-tickets/{second['id']}").status_code == 204
    assert Part.objects.get(pk=pads["id"]).quantity_in_stock == 2
    assert ServiceTicket.objects.count() == 1
