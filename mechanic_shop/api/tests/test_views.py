"""`/` and `/health` (mechanic_shop/api/views.py)."""

import pytest

pytestmark = pytest.mark.django_db


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
    assert response.json()["cache"] == "down"
    assert response.json()["database"] == "ok"
    assert "cache" in response.json()["detail"]


def test_health_names_a_database_that_is_down(anon_client, monkeypatch):
    from mechanic_shop.api import views

    monkeypatch.setattr(views, "_database_ok", lambda: False)
    response = anon_client.get("/health")
    assert response.status_code == 503
    assert response.json()["database"] == "down"
