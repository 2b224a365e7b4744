"""Request bodies are JSON, or a clear 4xx with a JSON body, never a 500 (mechanic_shop/api/parsers.py)."""

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


def test_body_over_the_limit_is_refused_not_500(anon_client):
    body = json.dumps({"name": "x" * (3 * 1024 * 1024)})
    response = anon_client.generic("POST", reverse("customer-list"), body, content_type="application/json")
    assert response.status_code in (400, 413)
    assert "detail" in response.json() or response.json()
    assert not Customer.objects.exists()


def test_deeply_nested_json_is_a_400(anon_client):
    response = anon_client.post(reverse("customer-login"), "[" * 100_000, content_type="application/json")
    assert response.status_code == 400
    assert "nested too deeply" in response.json()["detail"]
