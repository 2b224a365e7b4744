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


@pytest.mark.parametrize("accept", [None, "*/*", "application/json", "application/json, text/plain, */*"])
def test_a_plain_get_of_the_root_is_the_drf_views_answer_without_drf(rf, accept):
    from django.http import HttpResponse

    from mechanic_shop.api.views import _root, root

    headers = {} if accept is None else {"HTTP_ACCEPT": accept}
    fast, drf = root(rf.get("/", **headers)), _root(rf.get("/", **headers))
    drf.render()
    assert type(fast) is HttpResponse  # not DRF's Response: the plain path was taken
    assert (fast.status_code, dict(fast.headers), fast.content) == (drf.status_code, dict(drf.headers), drf.content)
    assert fast.content == b'{"status":"ok"}'


@pytest.mark.parametrize(
    ("method", "headers", "query", "status"),
    [
        ("options", {}, "", 200),
        ("post", {}, "", 405),
        ("head", {}, "", 200),
        ("get", {"HTTP_ACCEPT": "text/html"}, "", 406),
        ("get", {}, "format=json", 200),
    ],
)
def test_everything_else_at_the_root_goes_to_the_drf_view(anon_client, method, headers, query, status):
    from rest_framework.response import Response

    response = getattr(anon_client, method)("/" + (f"?{query}" if query else ""), **headers)
    assert response.status_code == status
    assert isinstance(response, Response)
    assert set(response["Allow"].split(", ")) == {"GET", "HEAD", "OPTIONS"}


def test_the_root_keeps_the_drf_views_schema_and_csrf_exemption(anon_client):
    from mechanic_shop.api.views import root

    assert root.csrf_exempt is True
    operation = anon_client.get("/api/schema", HTTP_ACCEPT="application/json").json()["paths"]["/"]["get"]
    assert operation["summary"] == "Check that the API answers"


@pytest.mark.parametrize("path", ["/", "/health"])
def test_head_answers_like_get_without_a_body(anon_client, path):
    # What a load balancer's HEAD health check sees: the GET's status and headers, no body.
    get, head = anon_client.get(path), anon_client.head(path)
    assert (head.status_code, head["Content-Type"]) == (get.status_code, get["Content-Type"])
    assert (head.status_code, head["Content-Type"]) == (200, "application/json")
    assert head.content == b""
