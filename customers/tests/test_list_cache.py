"""The cached customer list: served after auth and permissions, never stale after a write."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from customers.models import Customer

pytestmark = pytest.mark.django_db

LIST = reverse("customer-list")


def customer_queries(queries) -> list[str]:
    return [q["sql"] for q in queries if "customers_customer" in q["sql"]]


@pytest.fixture
def viewer(staff_client):
    return staff_client("customers.view_customer")


def test_second_read_is_served_from_cache_without_customer_queries(viewer, customer):
    first = viewer.get(LIST)
    with CaptureQueriesContext(connection) as queries:
        second = viewer.get(LIST)
    assert second.status_code == 200
    assert second.json() == first.json()
    assert customer_queries(queries) == []
    # Only authenticating the caller (its user row) remains.
    assert len(queries) == 1


def test_cache_is_per_query_string(viewer, make_customer):
    for _ in range(3):
        make_customer(with_login=False)
    assert len(viewer.get(LIST, {"page_size": 1}).json()["results"]) == 1
    assert len(viewer.get(LIST, {"page_size": 2}).json()["results"]) == 2


def test_cached_page_is_shared_by_every_allowed_caller(staff_client, customer):
    staff_client("customers.view_customer").get(LIST)
    with CaptureQueriesContext(connection) as queries:
        response = staff_client("customers.view_customer").get(LIST)
    assert response.status_code == 200
    assert customer_queries(queries) == []


def test_cached_page_is_never_served_to_a_caller_who_may_not_see_it(viewer, anon_client, customer_client, customer):
    assert viewer.get(LIST).status_code == 200
    assert anon_client.get(LIST).status_code == 401
    assert customer_client.get(LIST).status_code == 403


def test_clients_are_told_not_to_keep_the_page(viewer, customer):
    viewer.get(LIST)
    response = viewer.get(LIST)
    cache_control = response.headers["Cache-Control"]
    assert "no-store" in cache_control
    assert "private" in cache_control
    assert "Accept" in response.headers["Vary"]


def test_create_through_the_api_makes_the_next_read_fresh(viewer, admin_client_api, customer):
    assert viewer.get(LIST).json()["count"] == 1
    body = {"name": "New", "email": "new@example.com", "phone_number": "5550100"}
    assert admin_client_api.post(LIST, body, format="json").status_code == 201
    assert viewer.get(LIST).json()["count"] == 2


def test_update_through_the_api_makes_the_next_read_fresh(viewer, admin_client_api, customer):
    viewer.get(LIST)
    admin_client_api.patch(reverse("customer-detail", args=[customer.pk]), {"name": "Renamed"}, format="json")
    assert viewer.get(LIST).json()["results"][0]["name"] == "Renamed"


def test_delete_through_the_api_makes_the_next_read_fresh(viewer, admin_client_api, customer):
    viewer.get(LIST)
    assert admin_client_api.delete(reverse("customer-detail", args=[customer.pk])).status_code == 204
    assert viewer.get(LIST).json()["count"] == 0


def test_orm_writes_as_the_admin_makes_them_invalidate_too(viewer, customer):
    viewer.get(LIST)
    customer.name = "Saved In Admin"
    customer.save()
    assert viewer.get(LIST).json()["results"][0]["name"] == "Saved In Admin"
    Customer.objects.create(name="Shell", email="shell@example.com", phone_number="5550100")
    assert viewer.get(LIST).json()["count"] == 2


def test_admin_edit_invalidates(admin_client, viewer, customer):
    viewer.get(LIST)
    response = admin_client.post(
        reverse("admin:customers_customer_change", args=[customer.pk]),
        # With the management form of the page's ticket list (tickets/customer_admin.py), as the page sends it.
        {
            "name": "Admin Name",
            "email": customer.email,
            "phone_number": "5550100",
            "new_password": "",
            "service_tickets-TOTAL_FORMS": "0",
            "service_tickets-INITIAL_FORMS": "0",
            "vehicles-TOTAL_FORMS": "0",
            "vehicles-INITIAL_FORMS": "0",
        },
    )
    assert response.status_code == 302
    assert viewer.get(LIST).json()["results"][0]["name"] == "Admin Name"


def test_invalidation_keeps_throttle_counters(settings, staff_client, customer):
    """Invalidating the list bumps a generation; it never clears the cache, so rate limits keep counting."""
    settings.THROTTLE_ENABLED = True
    settings.THROTTLE_RATES = {**settings.THROTTLE_RATES, "user_short": "2/hour", "user_long": None}
    client = staff_client("customers.view_customer")
    assert client.get(LIST).status_code == 200
    customer.save()  # invalidates the list
    assert client.get(LIST).status_code == 200
    customer.save()
    response = client.get(LIST)
    assert response.status_code == 429
    assert int(response["Retry-After"]) > 0


def test_each_host_and_scheme_gets_pages_with_its_own_links(viewer, make_customer, settings):
    """The page's links are absolute, so a page rendered for one host or scheme is never served to another."""
    settings.ALLOWED_HOSTS = ["shop.example", "api.example"]
    for _ in range(3):
        make_customer(with_login=False)
    for _ in range(2):  # the second round is served from the cache
        one = viewer.get(LIST, {"page_size": 1}, HTTP_HOST="shop.example")
        other = viewer.get(LIST, {"page_size": 1}, HTTP_HOST="api.example")
        secure = viewer.get(LIST, {"page_size": 1}, HTTP_HOST="shop.example", secure=True)
        assert one.json()["next"].startswith("http://shop.example/customers?")
        assert other.json()["next"].startswith("http://api.example/customers?")
        assert secure.json()["next"].startswith("https://shop.example/customers?")


def test_a_host_not_allowed_is_refused_even_with_a_page_cached(viewer, make_customer, settings):
    settings.ALLOWED_HOSTS = ["shop.example"]
    for _ in range(2):
        make_customer(with_login=False)
    assert viewer.get(LIST, {"page_size": 1}, HTTP_HOST="shop.example").status_code == 200
    assert viewer.get(LIST, {"page_size": 1}, HTTP_HOST="shop.example").status_code == 200  # from the cache
    assert viewer.get(LIST, {"page_size": 1}, HTTP_HOST="evil.example").status_code == 400
    # Nor through a forwarded host that is not trusted (USE_X_FORWARDED_HOST is off): the links keep the real host.
    for _ in range(2):
        forwarded = viewer.get(LIST, {"page_size": 1}, HTTP_HOST="shop.example", HTTP_X_FORWARDED_HOST="evil.example")
        assert forwarded.status_code == 200
        assert forwarded.json()["next"].startswith("http://shop.example/customers?")
