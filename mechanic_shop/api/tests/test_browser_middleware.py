"""Django's session, user and messages middleware run for browsers only (mechanic_shop/api/middleware.py).

An API call with a token and no session cookie passes them by; the admin, the customer's pages and anyone who sends
a session cookie (an admin session calling the API) get all three, as before.
"""

import pytest
from django.test import Client
from django.urls import reverse
from rest_framework.test import APIClient

from customers.models import Customer


def _ran_browser_middleware(response) -> bool:
    request = response.wsgi_request
    has_session, has_messages = hasattr(request, "session"), hasattr(request, "_messages")
    assert has_session == has_messages  # all three or none
    return has_session


@pytest.mark.django_db
def test_a_token_call_skips_the_session_user_and_messages(staff_client, customer):
    client = staff_client("customers.view_customer")

    response = client.get(f"/customers/{customer.pk}")

    assert response.status_code == 200
    assert response.json()["id"] == customer.pk
    assert not _ran_browser_middleware(response)
    assert "Cookie" not in response.headers.get("Vary", "")
    assert "Set-Cookie" not in response.headers
    # DRF put the token's user on the Django request, where the events machinery finds the actor.
    assert response.wsgi_request.user.pk == client.user.pk


@pytest.mark.django_db
def test_an_anonymous_call_to_the_api_skips_them_and_is_still_refused(anon_client):
    response = anon_client.get("/customers")

    assert response.status_code == 401
    assert not _ran_browser_middleware(response)


@pytest.mark.django_db
def test_an_admin_session_still_calls_the_api(make_staff, customer):
    staff = make_staff("customers.view_customer", "customers.change_customer")
    client = APIClient(enforce_csrf_checks=True)
    client.force_login(staff)

    response = client.get(f"/customers/{customer.pk}")

    assert response.status_code == 200
    assert _ran_browser_middleware(response)
    assert response.wsgi_request.user.pk == staff.pk
    # The session's writes still need the CSRF token (DRF's SessionAuthentication checks it).
    refused = client.patch(f"/customers/{customer.pk}", {"name": "Changed"}, format="json")
    assert refused.status_code == 403
    assert Customer.objects.get(pk=customer.pk).name == customer.name


@pytest.mark.django_db
def test_the_admin_logs_in_without_a_cookie_first(make_staff):
    user = make_staff(username="desk", is_superuser=True)
    user.set_password("Desk-Password-1")
    user.save()
    client = Client()

    response = client.post(
        reverse("admin:login"), {"username": "desk", "password": "Desk-Password-1", "next": "/admin/"}
    )

    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(user.pk)
    index = client.get("/admin/")
    assert index.status_code == 200
    assert _ran_browser_middleware(index)
    assert index.wsgi_request.user.pk == user.pk


@pytest.mark.django_db
def test_the_customers_page_gets_them_without_a_cookie():
    response = Client().get("/approve/not-a-token")

    assert response.status_code == 404
    assert _ran_browser_middleware(response)
