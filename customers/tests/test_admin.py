"""The users admin (customers/admin.py): staff and other accounts only; customers' logins are managed on the
customer's page."""

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db
USERS = reverse("admin:auth_user_changelist")


def test_users_list_leaves_out_customer_logins(admin_client, customer, make_staff):
    clerk = make_staff(username="clerk")
    response = admin_client.get(USERS)
    assert response.status_code == 200
    listed = {user.username for user in response.context["cl"].result_list}
    assert "clerk" in listed
    assert customer.user.username not in listed
    assert customer.user.username.startswith("customer-")
    assert admin_client.get(USERS, {"q": "customer-"}).context["cl"].result_count == 0
    assert admin_client.get(reverse("admin:auth_user_change", args=[clerk.pk])).status_code == 200


def test_a_customer_login_has_no_user_page(admin_client, customer):
    login = customer.user
    response = admin_client.get(reverse("admin:auth_user_change", args=[login.pk]))
    assert response.status_code == 302  # the admin's "doesn't exist", back to the list
    response = admin_client.post(reverse("admin:auth_user_delete", args=[login.pk]), {"post": "yes"})
    assert response.status_code == 302
    login.refresh_from_db()
    assert login.customer == customer


def test_customer_login_is_set_from_the_customer_page(admin_client, make_customer):
    walk_in = make_customer(with_login=False)
    form = {"name": walk_in.name, "email": walk_in.email, "phone_number": walk_in.phone_number,
            "new_password": "Quiet-Engine-2026", "service_tickets-TOTAL_FORMS": "0",
            "service_tickets-INITIAL_FORMS": "0", "vehicles-TOTAL_FORMS": "0",
            "vehicles-INITIAL_FORMS": "0"}  # fmt: skip
    response = admin_client.post(reverse("admin:customers_customer_change", args=[walk_in.pk]), form)
    assert response.status_code == 302
    walk_in.refresh_from_db()
    assert walk_in.user.check_password("Quiet-Engine-2026")
    assert not walk_in.user.is_staff
