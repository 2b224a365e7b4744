"""Salaries: shown and writable only for staff with mechanics.view_mechanic_salary (Manager, superusers)."""

from decimal import Decimal

import pytest
from django.contrib.auth.models import Group
from django.core.management import call_command
from django.urls import reverse

from mechanic_shop.accounts.authentication import ROLE_STAFF
from mechanic_shop.testing.clients import client_with_token
from mechanics.models import Mechanic

pytestmark = pytest.mark.django_db
LIST = reverse("mechanic-list")
NEW = {"name": "Mo Mechanic", "email": "mo@shop.com", "phone_number": "555-0001"}
ALL_MECHANIC_PERMS = ("mechanics.view_mechanic", "mechanics.add_mechanic", "mechanics.change_mechanic")
WITHOUT_SALARY = {"id", "name", "email", "phone_number", "is_active", "user_id", "created_at", "updated_at"}


def detail(pk):
    return reverse("mechanic-detail", args=[pk])


@pytest.fixture
def desk(staff_client):
    """Staff who may view, add and change mechanics, but not see salaries."""
    return staff_client(*ALL_MECHANIC_PERMS)


@pytest.fixture
def payroll(staff_client):
    """Staff who may do the same and see salaries."""
    return staff_client(*ALL_MECHANIC_PERMS, "mechanics.view_mechanic_salary")


def group_client(make_staff, name):
    call_command("setup_roles", verbosity=0)
    user = make_staff()
    user.groups.add(Group.objects.get(name=name))
    return client_with_token(user, ROLE_STAFF)


def test_salary_is_absent_from_every_body_without_the_permission(desk, make_mechanic):
    mechanic = make_mechanic(salary=Decimal("52000.00"))
    listed = desk.get(LIST)
    shown = desk.get(detail(mechanic.pk))
    changed = desk.patch(detail(mechanic.pk), {"name": "Mo Renamed"}, format="json")
    created = desk.post(LIST, NEW, format="json")
    assert (listed.status_code, shown.status_code, changed.status_code, created.status_code) == (200, 200, 200, 201)
    for body in (listed.json()["results"][0], shown.json(), changed.json(), created.json()):
        assert set(body) == WITHOUT_SALARY
    for response in (listed, shown, changed, created):
        assert b"salary" not in response.content
        assert b"52000" not in response.content
    mechanic.refresh_from_db()
    assert (mechanic.name, mechanic.salary) == ("Mo Renamed", Decimal("52000.00"))  # the salary stays as it was


def test_mechanic_created_without_the_permission_earns_zero(desk):
    response = desk.post(LIST, NEW, format="json")
    assert response.status_code == 201
    assert Mechanic.objects.get(pk=response.json()["id"]).salary == Decimal("0.00")


@pytest.mark.parametrize("value", ["60000.00", 0, None, "-1"])
def test_sending_salary_without_the_permission_is_403_and_changes_nothing(desk, make_mechanic, value):
    mechanic = make_mechanic(salary=Decimal("52000.00"))
    created = desk.post(LIST, NEW | {"salary": value}, format="json")
    patched = desk.patch(detail(mechanic.pk), {"name": "X", "salary": value}, format="json")
    replaced = desk.put(detail(mechanic.pk), NEW | {"email": "x@shop.com", "salary": value}, format="json")
    for response in (created, patched, replaced):
        assert response.status_code == 403
        assert "salary" in response.json()["detail"]
    assert list(Mechanic.objects.values_list("pk", "name", "salary")) == [
        (mechanic.pk, mechanic.name, Decimal("52000.00"))
    ]


def test_staff_with_the_permission_see_and_set_salaries(payroll, make_mechanic):
    mechanic = make_mechanic(salary=Decimal("52000.00"))
    assert payroll.get(LIST).json()["results"][0]["salary"] == "52000.00"
    assert payroll.get(detail(mechanic.pk)).json()["salary"] == "52000.00"
    changed = payroll.patch(detail(mechanic.pk), {"salary": "54000.50"}, format="json")
    assert (changed.status_code, changed.json()["salary"]) == (200, "54000.50")
    created = payroll.post(LIST, NEW | {"salary": "41000"}, format="json")
    assert (created.status_code, created.json()["salary"]) == (201, "41000.00")
    assert set(created.json()) == WITHOUT_SALARY | {"salary"}
    unpaid = payroll.post(LIST, NEW | {"email": "new@shop.com"}, format="json")
    assert (unpaid.status_code, unpaid.json()["salary"]) == (201, "0.00")
    assert sorted(Mechanic.objects.values_list("salary", flat=True)) == [Decimal("0.00"), Decimal("41000.00"),
                                                                         Decimal("54000.50")]  # fmt: skip


def test_superusers_see_salaries(admin_client_api, make_mechanic):
    mechanic = make_mechanic(salary=Decimal("52000.00"))
    assert admin_client_api.get(detail(mechanic.pk)).json()["salary"] == "52000.00"


def test_roles_manager_sees_salaries_and_front_desk_does_not(make_staff, make_mechanic):
    mechanic = make_mechanic(salary=Decimal("52000.00"))
    manager = group_client(make_staff, "Manager")
    front_desk = group_client(make_staff, "Front desk")
    assert manager.get(detail(mechanic.pk)).json()["salary"] == "52000.00"
    assert "salary" not in front_desk.get(detail(mechanic.pk)).json()
    assert front_desk.get(LIST).json()["results"][0].keys() == WITHOUT_SALARY


def test_lists_never_order_or_search_by_salary(payroll, desk, make_mechanic):
    rich = make_mechanic(name="Rich", salary=Decimal("90000.00"))
    poor = make_mechanic(name="Poor", salary=Decimal("10.00"))
    for client in (payroll, desk):
        ordered = client.get(LIST, {"ordering": "-salary"}).json()["results"]
        assert [row["id"] for row in ordered] == [rich.pk, poor.pk]  # ignored: by id, as without it
        assert client.get(LIST, {"search": "90000"}).json()["count"] == 0


def test_salary_check_costs_no_query_per_mechanic(desk, make_mechanic, django_assert_num_queries):
    make_mechanic()
    desk.get(LIST)  # warms the permission cache, as every request after the first finds it
    with django_assert_num_queries(3) as few:
        assert desk.get(LIST).json()["count"] == 1
    for _ in range(5):
        make_mechanic()
    with django_assert_num_queries(len(few.captured_queries)):
        assert desk.get(LIST).json()["count"] == 6


def test_leaderboard_shows_no_salary(payroll, make_mechanic):
    make_mechanic(salary=Decimal("52000.00"))
    response = payroll.get(reverse("mechanic-leaderboard"))
    assert response.status_code == 200
    assert set(response.json()["results"][0]) == {"id", "name", "ticket_count"}


def test_salary_rule_is_in_the_schema(admin_client_api):
    schema = admin_client_api.get(reverse("schema"), {"format": "json"}).json()
    mechanic = schema["components"]["schemas"]["Mechanic"]
    assert "salary" not in mechanic["required"]
    assert "view_mechanic_salary" in mechanic["properties"]["salary"]["description"]
    assert "salary" not in schema["components"]["schemas"]["MechanicRequest"]["required"]
    for method in ("post", "get"):
        assert "view_mechanic_salary" in schema["paths"]["/mechanics"][method]["description"]
    ordering = next(p for p in schema["paths"]["/mechanics"]["get"]["parameters"] if p["name"] == "ordering")
    assert "salary" not in ordering["description"]
