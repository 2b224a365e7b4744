"""Errors Django raises before DRF runs answer in JSON too (mechanic_shop/api/exceptions.py)."""

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("path", ["/customers/abc", "/customers/99999999999999999999999", "/nowhere", "/customers/1/x"])
def test_unknown_paths_are_json_404(admin_client_api, path):
    response = admin_client_api.get(path)
    assert response.status_code == 404
    assert "detail" in response.json()


def test_unsupported_method_is_405(admin_client_api, customer):
    response = admin_client_api.post(reverse("customer-detail", args=[customer.pk]), {}, format="json")
    assert response.status_code == 405
    assert "detail" in response.json()
