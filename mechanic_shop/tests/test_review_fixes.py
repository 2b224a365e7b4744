"""Limits and input checks found missing in review: staff tokens, the admin login, bodies nobody read, deep JSON."""

from decimal import Decimal

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse
from model_bakery import baker

from inventory.models import Part
from inventory.services import MAX_STOCK

pytestmark = pytest.mark.django_db
TOKEN = reverse("token-obtain")


def test_staff_token_counts_against_the_anonymous_limits_too(settings, anon_client):
    settings.THROTTLE_ENABLED = True
    settings.THROTTLE_RATES = {**settings.THROTTLE_RATES, "anon_short": "2/minute", "login": "100/minute"}
    statuses = [
        anon_client.post(TOKEN, {"username": "nobody", "password": "wrong-pass-1"}, format="json").status_code
        for _ in range(4)
    ]
    assert statuses == [401, 401, 429, 429]


def test_staff_token_takes_json_strings_only(anon_client):
    get_user_model().objects.create_user("1234", password="Wrench-Master-77", is_staff=True)
    response = anon_client.post(TOKEN, {"username": 1234, "password": "Wrench-Master-77"}, format="json")
    assert response.status_code == 400
    assert "username" in response.json()
    response = anon_client.post(TOKEN, {"username": "x", "password": "y"}, format="json")
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == 'Bearer realm="mechanic-shop"'


def test_admin_login_shares_the_login_limit(settings, client, anon_client):
    settings.THROTTLE_ENABLED = True
    settings.THROTTLE_RATES = {**settings.THROTTLE_RATES, "login": "3/minute"}
    get_user_model().objects.create_superuser("chief", "chief@example.com", "Chief-Pass-2026")
    url = reverse("admin:login")
    assert url == "/admin/login/"
    wrong = [client.post(url, {"username": "chief", "password": "guess"}).status_code for _ in range(2)]
    assert wrong == [200, 200]  # the form again, with an error
    assert anon_client.post(TOKEN, {"username": "chief", "password": "guess"}, format="json").status_code == 401
    response = client.post(url, {"username": "chief", "password": "Chief-Pass-2026"})
    assert response.status_code == 429 and int(response["Retry-After"]) > 0
    assert "_auth_user_id" not in client.session
    assert client.get(url).status_code == 200  # the page itself still shows


def test_a_body_nobody_reads_is_still_json_or_refused(admin_client_api, customer, make_mechanic, make_ticket):
    mechanic = make_mechanic()
    ticket = make_ticket(customer)
    url = reverse("serviceticket-assign-mechanic", args=[ticket.pk, mechanic.pk])
    assert admin_client_api.put(url, "garbage", content_type="text/plain").status_code == 415
    assert admin_client_api.put(url, "{bad json", content_type="application/json").status_code == 400
    assert not ticket.mechanics.exists()
    part = baker.make(Part, price=Decimal("1.00"), quantity_in_stock=1)
    response = admin_client_api.delete(
        reverse("part-detail", args=[part.pk]), "a=b", content_type="application/x-www-form-urlencoded"
    )
    assert response.status_code == 415
    assert Part.objects.filter(pk=part.pk).exists()
    # No body: as before.
    assert admin_client_api.put(url).status_code == 200
    assert list(ticket.mechanics.all()) == [mechanic]


def test_deeply_nested_json_is_a_400(anon_client):
    response = anon_client.post(reverse("customer-login"), "[" * 100_000, content_type="application/json")
    assert response.status_code == 400
    assert "nested too deeply" in response.json()["detail"]


def test_admin_stock_change_is_bounded(client, django_user_model):
    client.force_login(django_user_model.objects.create_superuser("boss2", "b2@example.com", "Chief-Pass-2026"))
    part = baker.make(Part, name="Bolt", price=Decimal("1.00"), quantity_in_stock=5)
    url = reverse("admin:inventory_part_change", args=[part.pk])
    form = {"name": "Bolt", "price": "1.00", "stock_change": str(10**20)}
    response = client.post(url, form)
    assert response.status_code == 200  # the form again, with the error
    assert "less than or equal to" in response.content.decode()
    response = client.post(url, {**form, "stock_change": str(MAX_STOCK)})
    assert response.status_code == 302
    part.refresh_from_db()
    assert part.quantity_in_stock == 5  # would pass the column's range: refused with a message
