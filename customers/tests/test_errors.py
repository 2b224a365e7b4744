"""Bad input gets a clear 4xx with a JSON body, never a 500 (API.md §1)."""

import json

import pytest
from django.urls import reverse

from customers.models import Customer

pytestmark = pytest.mark.django_db


def test_malformed_json_is_400_naming_the_problem(anon_client):
    response = anon_client.generic("POST", reverse("customer-list"), '{"name": ', content_type="application/json")
    assert response.status_code == 400
    assert "JSON parse error" in response.json()["detail"]


def test_other_content_types_are_415(anon_client):
    response = anon_client.post(reverse("customer-list"), {"name": "Form"}, format="multipart")
    assert response.status_code == 415
    assert "detail" in response.json()


def test_json_that_is_not_an_object_is_400(anon_client):
    response = anon_client.generic("POST", reverse("customer-list"), "[1, 2]", content_type="application/json")
    assert response.status_code == 400
    assert not Customer.objects.exists()


def test_null_bytes_are_refused(anon_client):
    body = {"name": "Nul\x00l", "email": "n@example.com", "phone_number": "5550100", "password": "Tr1cky-Gear-42"}
    response = anon_client.post(reverse("customer-list"), body, format="json")
    assert response.status_code == 400
    assert "name" in response.json()


def test_body_over_the_limit_is_refused_not_500(anon_client):
    body = json.dumps({"name": "x" * (3 * 1024 * 1024)})
    response = anon_client.generic("POST", reverse("customer-list"), body, content_type="application/json")
    assert response.status_code in (400, 413)
    assert "detail" in response.json() or response.json()
    assert not Customer.objects.exists()


@pytest.mark.parametrize("path", ["/customers/abc", "/customers/99999999999999999999999", "/nowhere", "/customers/1/x"])
def test_unknown_paths_are_json_404(admin_client_api, path):
    response = admin_client_api.get(path)
    assert response.status_code == 404
    assert "detail" in response.json()


def test_unsupported_method_is_405(admin_client_api, customer):
    response = admin_client_api.post(reverse("customer-detail", args=[customer.pk]), {}, format="json")
    assert response.status_code == 405
    assert "detail" in response.json()


def test_root_and_health_answer_without_token(anon_client):
    assert anon_client.get("/").json() == {"status": "ok"}
    response = anon_client.get("/health")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok", "cache": "ok"}


def test_health_names_a_cache_that_is_down(anon_client, monkeypatch):
    from django.core.cache import cache

    monkeypatch.setattr(cache, "get", lambda *a, **k: None)
    response = anon_client.get("/health")
    assert response.status_code == 503
    assert response.json()["cache"] == "down" and response.json()["database"] == "ok"
    assert "cache" in response.json()["detail"]


def test_health_names_a_database_that_is_down(anon_client, monkeypatch):
    from mechanic_shop.api import views

    monkeypatch.setattr(views, "_database_ok", lambda: False)
    response = anon_client.get("/health")
    assert response.status_code == 503
    assert response.json()["database"] == "down"
