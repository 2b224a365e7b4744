"""Customer services: the one path every customer write takes (API, admin, commands)."""

import pytest
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.urls import reverse
from rest_framework_simplejwt.token_blacklist.models import OutstandingToken

from customers.models import Customer
from customers.services import customer_authenticate, customer_create, customer_delete, customer_update
from mechanic_shop.accounts.authentication import ROLE_CUSTOMER
from mechanic_shop.accounts.tokens import issue_tokens

pytestmark = pytest.mark.django_db
GOOD_PASSWORD = "Tr1cky-Gearbox-42"


def test_create_with_a_password_gives_a_login():
    customer = customer_create(name="Ann Lee", email="Ann@Example.com", phone_number="555-0100", password=GOOD_PASSWORD)
    assert customer.email == "ann@example.com"
    assert customer.user is not None
    assert not customer.user.is_staff
    assert customer_authenticate(email="ANN@example.com", password=GOOD_PASSWORD) == customer.user


def test_create_without_a_password_cannot_log_in():
    customer_create(name="Ann Lee", email="ann@example.com", phone_number="555-0100")
    assert Customer.objects.get().user is None
    assert customer_authenticate(email="ann@example.com", password="anything-at-all") is None


def test_a_password_like_the_customers_email_is_refused_and_nothing_is_saved():
    with pytest.raises(ValidationError) as caught:
        customer_create(name="Ann Lee", email="annlee1984@example.com", phone_number="555-0100", password="annlee1984")
    assert "password" in caught.value.message_dict
    assert not Customer.objects.exists()


def test_update_checks_the_current_password_only_when_asked(make_customer):
    customer = make_customer()
    with pytest.raises(ValidationError) as caught:
        customer_update(customer=customer, password="N3w-Clutch-Plate", confirm_current_password=True)
    assert caught.value.message_dict == {"current_password": ["Send your current password to change it."]}
    with pytest.raises(ValidationError):
        customer_update(
            customer=customer, password="N3w-Clutch-Plate", current_password="wrong", confirm_current_password=True
        )
    customer_update(customer=customer, password="N3w-Clutch-Plate")  # staff need not know it
    assert customer_authenticate(email=customer.email, password="N3w-Clutch-Plate") == customer.user


def test_a_new_password_revokes_the_refresh_tokens(make_customer):
    customer = make_customer()
    issue_tokens(customer.user, ROLE_CUSTOMER)
    customer_update(customer=customer, password="N3w-Clutch-Plate")
    assert not OutstandingToken.objects.filter(user=customer.user, blacklistedtoken__isnull=True).exists()


def test_delete_takes_the_login_with_it(make_customer, django_user_model):
    customer = make_customer()
    login_id = customer.user_id
    customer_delete(customer=customer)
    assert not Customer.objects.exists()
    assert not django_user_model.objects.filter(pk=login_id).exists()


def test_inactive_login_does_not_authenticate(make_customer):
    customer = make_customer()
    customer.user.is_active = False
    customer.user.save()
    assert customer_authenticate(email=customer.email, password=GOOD_PASSWORD) is None


# The management form of the customer page's ticket list (tickets/customer_admin.py), as the page sends it.
TICKET_INLINE = {
    "service_tickets-TOTAL_FORMS": "0",
    "service_tickets-INITIAL_FORMS": "0",
    "vehicles-TOTAL_FORMS": "0",
    "vehicles-INITIAL_FORMS": "0",
}


def test_admin_refuses_a_password_like_the_customers_own_email(admin_client):
    url = reverse("admin:customers_customer_add")
    form = {"name": "Ann Lee", "email": "annlee1984@example.com", "phone_number": "555-0100", **TICKET_INLINE}
    response = admin_client.post(url, {**form, "new_password": "annlee1984"})
    assert response.status_code == 200  # the form again, with the error
    assert "too similar" in response.content.decode()
    assert not Customer.objects.exists()
    response = admin_client.post(url, {**form, "new_password": GOOD_PASSWORD})
    assert response.status_code == 302
    assert customer_authenticate(email="annlee1984@example.com", password=GOOD_PASSWORD) is not None


def test_admin_changes_and_deletes_through_the_services(admin_client, make_customer):
    customer = make_customer(name="Ann Lee")
    url = reverse("admin:customers_customer_change", args=[customer.pk])
    form = {"name": "Ann Leigh", "email": customer.email.upper(), "phone_number": "555-0199", **TICKET_INLINE}
    assert admin_client.post(url, {**form, "new_password": "N3w-Clutch-Plate"}).status_code == 302
    customer.refresh_from_db()
    assert (customer.name, customer.email, customer.phone_number) == ("Ann Leigh", form["email"].lower(), "555-0199")
    assert customer_authenticate(email=customer.email, password="N3w-Clutch-Plate") == customer.user
    login_id = customer.user_id
    response = admin_client.post(reverse("admin:customers_customer_delete", args=[customer.pk]), {"post": "yes"})
    assert response.status_code == 302
    assert not Customer.objects.exists()
    assert not Customer._meta.get_field("user").related_model.objects.filter(pk=login_id).exists()


def test_registration_ignores_a_current_password(anon_client):
    body = {"name": "Ann Lee", "email": "ann@example.com", "phone_number": "555-0100", "password": GOOD_PASSWORD}
    response = anon_client.post(reverse("customer-list"), {**body, "current_password": "whatever"}, format="json")
    assert response.status_code == 201
    assert customer_authenticate(email="ann@example.com", password=GOOD_PASSWORD) is not None


def test_an_email_already_taken_in_another_case_is_refused_on_create_and_update(make_customer):
    taken = make_customer(email="ann@example.com")
    other = make_customer(email="bob@example.com")
    with pytest.raises(ValidationError) as caught:
        customer_create(name="Ann Two", email="ANN@Example.com", phone_number="555-0100")
    assert caught.value.message_dict == {"email": ["A customer with this email already exists."]}
    with pytest.raises(ValidationError):
        customer_update(customer=other, email="Ann@example.com")
    customer_update(customer=taken, email="ANN@example.com")  # its own email, in another case
    assert list(Customer.objects.order_by("pk").values_list("email", flat=True)) == [
        "ann@example.com",
        "bob@example.com",
    ]


def test_update_never_writes_back_a_login_given_meanwhile(make_customer):
    customer = make_customer(with_login=False)
    stale = Customer.objects.get(pk=customer.pk)
    customer_update(customer=customer, password=GOOD_PASSWORD)  # another request gives it a login
    customer_update(customer=stale, name="Ann Leigh")
    customer.refresh_from_db()
    assert customer.name == "Ann Leigh"
    assert customer.user_id is not None
    assert customer_authenticate(email=customer.email, password=GOOD_PASSWORD) == customer.user


def test_email_change_of_ones_own_needs_the_current_password(make_customer):
    customer = make_customer(email="ann@example.com")
    with pytest.raises(ValidationError) as caught:
        customer_update(customer=customer, email="other@example.com", confirm_current_password=True)
    assert set(caught.value.message_dict) == {"current_password"}
    customer.refresh_from_db()
    assert customer.email == "ann@example.com"
    customer_update(customer=customer, email="ANN@example.com", confirm_current_password=True)  # the same email
    customer_update(
        customer=customer, email="other@example.com", current_password=GOOD_PASSWORD, confirm_current_password=True
    )
    customer.refresh_from_db()
    assert customer.email == "other@example.com"


def test_a_raced_duplicate_email_is_the_checks_400(make_customer, monkeypatch):
    first = make_customer(email="ann@example.com")
    other = make_customer(email="bob@example.com")
    # The check passes as if the other request's row were not committed yet; the unique index still refuses.
    monkeypatch.setattr("customers.services.customer_check_email", lambda *, email, customer=None: email.lower())
    with pytest.raises(ValidationError) as caught:
        customer_create(name="Ann Twin", email="ANN@example.com", phone_number="555-0100", password=GOOD_PASSWORD)
    assert caught.value.message_dict == {"email": ["A customer with this email already exists."]}
    with pytest.raises(ValidationError) as caught:
        customer_update(customer=other, email="ann@example.com")
    assert caught.value.message_dict == {"email": ["A customer with this email already exists."]}
    assert sorted(Customer.objects.values_list("email", flat=True)) == [first.email, "bob@example.com"]
    assert get_user_model().objects.filter(is_staff=False).count() == 2  # no login made for the refused one
