"""Mechanic services: the one path every mechanic write takes (API, admin, commands)."""

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from mechanics.models import Mechanic
from mechanics.services import mechanic_create, mechanic_delete, mechanic_update

pytestmark = pytest.mark.django_db


def new_mechanic(**fields):
    return mechanic_create(
        **{"name": "Mo", "email": "mo@shop.example.com", "phone_number": "555-0100", "salary": Decimal(1), **fields}
    )


def test_create_stores_the_email_lower_case_and_refuses_it_again_in_any_case():
    assert new_mechanic(email="Mo@Shop.Example.com").email == "mo@shop.example.com"
    with pytest.raises(ValidationError) as caught:
        new_mechanic(name="Other Mo", email="MO@shop.example.com")
    assert caught.value.message_dict == {"email": ["A mechanic with this email already exists."]}
    assert Mechanic.objects.count() == 1


def test_a_login_must_be_a_staff_account_used_once(django_user_model):
    customer_login = django_user_model.objects.create_user("driver", is_staff=False)
    with pytest.raises(ValidationError) as caught:
        new_mechanic(user=customer_login)
    assert caught.value.message_dict == {"user_id": [f"No staff account has id {customer_login.pk}."]}
    staff = django_user_model.objects.create_user("mo", is_staff=True)
    mechanic = new_mechanic(user=staff)
    with pytest.raises(ValidationError) as caught:
        new_mechanic(email="other@shop.example.com", user=staff)
    assert caught.value.message_dict == {"user_id": ["This account is already linked to a mechanic."]}
    mechanic_update(mechanic=mechanic, user=staff)  # its own login is fine
    assert Mechanic.objects.get().user == staff


def test_update_never_writes_back_a_count_it_did_not_change():
    mechanic = new_mechanic()
    stale = Mechanic.objects.get(pk=mechanic.pk)
    Mechanic.objects.filter(pk=mechanic.pk).update(completed_ticket_count=3)  # a completion meanwhile
    mechanic_update(mechanic=stale, name="Mo Rivera")
    mechanic.refresh_from_db()
    assert (mechanic.name, mechanic.completed_ticket_count) == ("Mo Rivera", 3)


def test_delete():
    mechanic_delete(mechanic=new_mechanic())
    assert not Mechanic.objects.exists()


def test_admin_refuses_a_login_that_is_not_staff(admin_client, django_user_model):
    customer_login = django_user_model.objects.create_user("driver", is_staff=False)
    form = {"name": "Mo", "email": "mo@shop.example.com", "phone_number": "555-0100", "salary": "1.00"}
    response = admin_client.post(reverse("admin:mechanics_mechanic_add"), {**form, "user": customer_login.pk})
    assert response.status_code == 200  # the form again, with the error
    assert f"No staff account has id {customer_login.pk}." in response.content.decode()
    assert not Mechanic.objects.exists()


def test_admin_answers_a_duplicate_email_in_another_case_on_the_form(admin_client):
    new_mechanic()
    form = {"name": "Mo Two", "email": "MO@SHOP.EXAMPLE.COM", "phone_number": "555-0100", "salary": "1.00"}
    response = admin_client.post(reverse("admin:mechanics_mechanic_add"), form)
    assert response.status_code == 200
    assert "A mechanic with this email already exists." in response.content.decode()
    assert Mechanic.objects.count() == 1


def test_admin_edit_changes_only_what_the_form_changed(admin_client):
    mechanic = new_mechanic()
    Mechanic.objects.filter(pk=mechanic.pk).update(completed_ticket_count=4)
    form = {"name": "Mo Rivera", "email": "mo@shop.example.com", "phone_number": "555-0100", "salary": "2.00"}
    form["is_active"] = "on"
    response = admin_client.post(reverse("admin:mechanics_mechanic_change", args=[mechanic.pk]), form)
    assert response.status_code == 302
    mechanic.refresh_from_db()
    assert (mechanic.name, mechanic.salary, mechanic.completed_ticket_count) == ("Mo Rivera", Decimal("2.00"), 4)


def test_admin_list_toggles_active_through_the_service(admin_client):
    mechanic = new_mechanic()
    Mechanic.objects.filter(pk=mechanic.pk).update(completed_ticket_count=2)
    form = {
        "form-TOTAL_FORMS": "1",
        "form-INITIAL_FORMS": "1",
        "form-0-id": str(mechanic.pk),
        "_save": "Save",
    }  # is_active left out: unticked
    response = admin_client.post(reverse("admin:mechanics_mechanic_changelist"), form)
    assert response.status_code == 302
    mechanic.refresh_from_db()
    assert (mechanic.is_active, mechanic.completed_ticket_count) == (False, 2)


@pytest.fixture
def checks_that_miss(monkeypatch):
    """The services' checks pass as if another request's row were not committed yet (the race they cannot see)."""
    monkeypatch.setattr("mechanics.services.mechanic_check_email", lambda *, email, mechanic=None: email.lower())
    monkeypatch.setattr("mechanics.services.mechanic_check_login", lambda *, user, mechanic=None: None)


def test_a_raced_duplicate_email_is_the_checks_400(checks_that_miss):
    first = new_mechanic()
    with pytest.raises(ValidationError) as caught:
        new_mechanic(name="Twin", email="MO@shop.example.com")
    assert caught.value.message_dict == {"email": ["A mechanic with this email already exists."]}
    other = new_mechanic(name="Other", email="other@shop.example.com")
    with pytest.raises(ValidationError) as caught:
        mechanic_update(mechanic=other, email="mo@shop.example.com")
    assert caught.value.message_dict == {"email": ["A mechanic with this email already exists."]}
    assert sorted(Mechanic.objects.values_list("email", flat=True)) == [first.email, "other@shop.example.com"]


def test_a_raced_login_link_is_the_checks_400(checks_that_miss, django_user_model):
    staff = django_user_model.objects.create_user("mo", is_staff=True)
    new_mechanic(user=staff)
    with pytest.raises(ValidationError) as caught:
        new_mechanic(email="other@shop.example.com", user=staff)
    assert caught.value.message_dict == {"user_id": ["This account is already linked to a mechanic."]}
    assert Mechanic.objects.count() == 1
