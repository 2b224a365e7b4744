"""The mechanics admin: salaries only for staff with mechanics.view_mechanic_salary, as in the API."""

from decimal import Decimal

import pytest
from django.urls import reverse

from mechanics.models import Mechanic

pytestmark = pytest.mark.django_db
CHANGELIST = reverse("admin:mechanics_mechanic_changelist")
SALARY = "87654.32"


@pytest.fixture
def mechanic(make_mechanic):
    return make_mechanic(name="Mo", salary=Decimal(SALARY))


def test_front_desk_sees_no_salary(client, make_role_user, mechanic):
    client.force_login(make_role_user("Front desk"))
    listing = client.get(CHANGELIST)
    assert listing.status_code == 200
    assert "salary" not in listing.context["cl"].list_display
    assert SALARY not in listing.content.decode()
    page = client.get(reverse("admin:mechanics_mechanic_change", args=[mechanic.pk]))
    assert page.status_code == 200
    assert SALARY not in page.content.decode()
    assert "Salary" not in page.content.decode()
    # Nor sorted or filtered by it.
    assert client.get(CHANGELIST, {"salary__gte": "1"}).status_code == 400


def test_manager_sees_and_sorts_salaries(client, make_role_user, mechanic, make_mechanic):
    make_mechanic(name="Lo", salary=Decimal("100.00"))
    client.force_login(make_role_user("Manager"))
    listing = client.get(CHANGELIST, {"o": str(1 + ["id", "name", "email", "phone_number", "salary"].index("salary"))})
    assert [m.name for m in listing.context["cl"].result_list] == ["Lo", "Mo"]
    assert SALARY in listing.content.decode()
    assert SALARY in client.get(reverse("admin:mechanics_mechanic_change", args=[mechanic.pk])).content.decode()


def test_a_change_without_the_salary_permission_keeps_the_salary(client, make_staff, mechanic):
    client.force_login(make_staff("mechanics.view_mechanic", "mechanics.change_mechanic"))
    form = {"name": "Mo Mechanic", "email": mechanic.email, "phone_number": "555-0101", "is_active": "on",
            "salary": "1.00"}  # fmt: skip
    response = client.post(reverse("admin:mechanics_mechanic_change", args=[mechanic.pk]), form)
    assert response.status_code == 302
    mechanic.refresh_from_db()
    assert mechanic.name == "Mo Mechanic"
    assert mechanic.salary == Decimal(SALARY)  # the field is not on the form: what was sent is ignored


def test_added_without_the_salary_permission_the_salary_is_zero(client, make_staff):
    client.force_login(make_staff("mechanics.view_mechanic", "mechanics.add_mechanic"))
    form = {"name": "Newt", "email": "newt@example.com", "phone_number": "555-0102", "is_active": "on"}
    assert client.post(reverse("admin:mechanics_mechanic_add"), form).status_code == 302
    assert Mechanic.objects.get(name="Newt").salary == Decimal("0.00")
