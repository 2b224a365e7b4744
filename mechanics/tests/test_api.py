"""Mechanics through the API, and the leaderboard."""

import pytest
from django.contrib.auth import get_user_model
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from mechanics.models import Mechanic

pytestmark = pytest.mark.django_db
LIST = reverse("mechanic-list")
BOARD = reverse("mechanic-leaderboard")
NEW = {"name": "Mo Mechanic", "email": "Mo@Shop.com", "phone_number": "555-0001", "salary": "52000.00"}


def detail(pk):
    return reverse("mechanic-detail", args=[pk])


def test_create_and_read(admin_client_api):
    response = admin_client_api.post(LIST, NEW, format="json")
    assert response.status_code == 201
    body = response.json()
    assert body["email"] == "mo@shop.com"
    assert body["salary"] == "52000.00"
    assert body["is_active"] is True
    assert body["user_id"] is None
    assert set(body) == {"id", "name", "email", "phone_number", "salary", "is_active", "user_id", "created_at",
                         "updated_at"}  # fmt: skip
    assert Mechanic.objects.get(pk=body["id"]).email == "mo@shop.com"


@pytest.mark.parametrize(
    ("field", "value"),
    [("salary", "-1"), ("salary", "abc"), ("name", ""), ("name", "x" * 101), ("phone_number", "12"), ("email", "x"),
     ("is_active", 0), ("is_active", "false"), ("is_active", None), ("user_id", "1")],
)  # fmt: skip
def test_invalid_mechanic_is_400(admin_client_api, field, value):
    response = admin_client_api.post(LIST, NEW | {field: value}, format="json")
    assert response.status_code == 400
    assert field in response.json()
    assert not Mechanic.objects.exists()


def test_email_unique_regardless_of_case(admin_client_api):
    admin_client_api.post(LIST, NEW, format="json")
    response = admin_client_api.post(LIST, NEW | {"email": "MO@SHOP.COM"}, format="json")
    assert response.status_code == 400
    assert "email" in response.json()
    assert Mechanic.objects.count() == 1


def test_user_id_links_one_staff_account(admin_client_api, make_staff):
    staff = make_staff()
    first = admin_client_api.post(LIST, NEW | {"user_id": staff.pk}, format="json")
    assert first.status_code == 201
    assert first.json()["user_id"] == staff.pk
    second = admin_client_api.post(LIST, NEW | {"email": "b@shop.com", "user_id": staff.pk}, format="json")
    assert second.status_code == 400
    assert "user_id" in second.json()
    plain = get_user_model().objects.create_user("plain")
    third = admin_client_api.post(LIST, NEW | {"email": "c@shop.com", "user_id": plain.pk}, format="json")
    assert third.status_code == 400
    assert "user_id" in third.json()
    huge = admin_client_api.post(LIST, NEW | {"email": "d@shop.com", "user_id": 10**30}, format="json")
    assert huge.status_code == 400
    assert Mechanic.objects.count() == 1


def test_patch_retires_a_mechanic(admin_client_api, make_mechanic):
    mechanic = make_mechanic()
    response = admin_client_api.patch(detail(mechanic.pk), {"is_active": False}, format="json")
    assert response.status_code == 200
    assert response.json()["is_active"] is False
    mechanic.refresh_from_db()
    assert mechanic.is_active is False


def test_mechanic_on_a_ticket_cannot_be_deleted(admin_client_api, customer, make_mechanic, make_ticket):
    mechanic = make_mechanic()
    make_ticket(customer, mechanics=[mechanic])
    response = admin_client_api.delete(detail(mechanic.pk))
    assert response.status_code == 409
    assert response.json() == {
        "detail": f"Mechanic #{mechanic.pk} “{mechanic.name}” is still referenced by 1 service ticket, "
        "so it cannot be deleted."
    }
    assert Mechanic.objects.filter(pk=mechanic.pk).exists()


def test_free_mechanic_is_deleted(admin_client_api, make_mechanic):
    mechanic = make_mechanic()
    assert admin_client_api.delete(detail(mechanic.pk)).status_code == 204
    assert not Mechanic.objects.exists()


def test_search_and_ordering(admin_client_api, make_mechanic):
    make_mechanic(name="Zed", email="zed@shop.com")
    make_mechanic(name="Ann", email="ann@shop.com")
    assert [m["name"] for m in admin_client_api.get(LIST, {"search": "zed@"}).json()["results"]] == ["Zed"]
    assert [m["name"] for m in admin_client_api.get(LIST, {"ordering": "name"}).json()["results"]] == ["Ann", "Zed"]


@pytest.mark.parametrize(("client_name", "expected"), [("anon_client", 401), ("customer_client", 403)])
def test_mechanics_are_staff_only(request, client_name, expected):
    client = request.getfixturevalue(client_name)
    assert client.get(LIST).status_code == expected
    assert client.get(BOARD).status_code == expected


def test_staff_need_view_mechanic(staff_client):
    assert staff_client().get(LIST).status_code == 403
    assert staff_client().get(BOARD).status_code == 403
    assert staff_client("mechanics.view_mechanic").get(BOARD).status_code == 200


def test_leaderboard_ranks_active_mechanics_by_completed_tickets(
    admin_client_api, customer, make_mechanic, make_ticket
):
    ann, bob, cid, retired = (make_mechanic(name=n, is_active=n != "Ret") for n in ("Ann", "Bob", "Cid", "Ret"))
    make_ticket(customer, mechanics=[bob, cid], status="completed")
    make_ticket(customer, mechanics=[bob], status="completed")
    make_ticket(customer, mechanics=[cid], status="completed")
    make_ticket(customer, mechanics=[ann], status="in_progress")  # not completed: does not count
    make_ticket(customer, mechanics=[ann], status="open")
    Mechanic.objects.filter(pk=retired.pk).update(completed_ticket_count=99)
    body = admin_client_api.get(BOARD).json()
    assert body["results"] == [
        {"id": bob.pk, "name": "Bob", "ticket_count": 2},
        {"id": cid.pk, "name": "Cid", "ticket_count": 2},
        {"id": ann.pk, "name": "Ann", "ticket_count": 0},
    ]
    assert body["count"] == 3
    assert admin_client_api.get(BOARD, {"per_page": 1}).json()["next"]


def test_over_long_email_is_400_before_any_query_uses_it(admin_client_api, make_mechanic):
    mechanic = make_mechanic()
    long_email = "a" * 100_000 + "@shop.com"
    with CaptureQueriesContext(connection) as captured:
        created = admin_client_api.post(LIST, NEW | {"email": long_email}, format="json")
        changed = admin_client_api.patch(detail(mechanic.pk), {"email": long_email}, format="json")
    for response in (created, changed):
        assert response.status_code == 400
        assert set(response.json()) == {"email"}
    assert not any("a" * 1000 in query["sql"] for query in captured.captured_queries)
    assert list(Mechanic.objects.values_list("email", flat=True)) == [mechanic.email]
