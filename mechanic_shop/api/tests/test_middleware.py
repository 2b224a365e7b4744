"""Bodies over the limit are a 413, and whatever a response left unread is read, so the client gets the answer
(mechanic_shop/api/middleware.py; the live run against gunicorn is in test_body_limit_live.py)."""

import io
import json

import pytest
from django.http import HttpResponse
from django.test import RequestFactory
from django.urls import reverse

from customers.models import Customer
from mechanic_shop.api import middleware
from mechanic_shop.api.middleware import RequestBodyMiddleware

pytestmark = pytest.mark.django_db

LIMIT = 2_621_440  # Django's DATA_UPLOAD_MAX_MEMORY_SIZE, 2.5 MB


def _request(body: bytes, **extra):
    """A request whose body the test can watch being read (`stream.tell()`)."""
    stream = io.BytesIO(body)
    request = RequestFactory().generic(
        "POST", "/customers", body, content_type="application/json", **{"wsgi.input": stream, **extra}
    )
    return request, stream


def test_a_body_over_the_limit_is_413_before_any_view(anon_client):
    body = json.dumps({"name": "x" * (LIMIT + 1), "email": "big@example.com"})
    response = anon_client.generic("POST", reverse("customer-list"), body, content_type="application/json")
    assert response.status_code == 413
    assert response.json() == {"detail": "The request body is larger than the limit of 2.5 MB."}
    assert not Customer.objects.exists()


def test_a_body_at_the_limit_reaches_the_view(anon_client):
    start = '{"name": "Just Fits", "email": "fits@example.com", "phone_number": "5550100"'
    body = start + " " * (LIMIT - len(start) - 1) + "}"
    assert len(body) == LIMIT
    response = anon_client.generic("POST", reverse("customer-list"), body, content_type="application/json")
    assert response.status_code == 400  # no password: the view read and judged it
    assert set(response.json()) == {"password"}
    assert not Customer.objects.exists()


def test_the_refused_body_is_read_to_its_end():
    request, stream = _request(b"x" * (LIMIT + 10))
    views_called = []
    response = RequestBodyMiddleware(lambda r: views_called.append(r) or HttpResponse())(request)
    assert response.status_code == 413
    assert views_called == []
    assert stream.tell() == LIMIT + 10
    assert "Connection" not in response.headers


def test_a_body_the_view_did_not_read_is_read_after_it():
    request, stream = _request(b'{"a": 1}' * 1000)
    response = RequestBodyMiddleware(lambda r: HttpResponse(status=401))(request)
    assert response.status_code == 401
    assert stream.tell() == 8000


def test_a_body_the_view_read_is_not_read_again():
    request, stream = _request(b'{"a": 1}')

    def view(r):
        assert r.body == b'{"a": 1}'
        stream.seek(0)  # were the body read again, the stream would move
        return HttpResponse(status=201)

    assert RequestBodyMiddleware(view)(request).status_code == 201
    assert stream.tell() == 0


def test_past_the_drain_bound_nothing_is_read_and_the_connection_closes(monkeypatch):
    monkeypatch.setattr(middleware, "DRAIN_MAX_BYTES", LIMIT + 5)
    request, stream = _request(b"x" * (LIMIT + 6))
    response = RequestBodyMiddleware(lambda r: HttpResponse())(request)
    assert response.status_code == 413
    assert stream.tell() == 0
    assert response.headers["Connection"] == "close"


def test_a_slow_body_is_read_only_for_a_while(monkeypatch):
    monkeypatch.setattr(middleware, "DRAIN_SECONDS", 0.0)
    request, stream = _request(b"x" * (LIMIT + 1))
    response = RequestBodyMiddleware(lambda r: HttpResponse())(request)
    assert response.status_code == 413
    assert response.headers["Connection"] == "close"
    assert stream.tell() < LIMIT + 1


def test_a_chunked_body_is_read_where_the_server_ends_it(monkeypatch):
    stream = io.BytesIO(b"y" * 100_000)
    request = RequestFactory().generic(
        "POST",
        "/customers",
        b"",
        content_type="application/json",
        HTTP_TRANSFER_ENCODING="chunked",
        **{"wsgi.input": stream, "wsgi.input_terminated": True},
    )
    request.META.pop("CONTENT_LENGTH", None)
    response = RequestBodyMiddleware(lambda r: HttpResponse(status=415))(request)
    assert response.status_code == 415
    assert stream.tell() == 100_000
    assert "Connection" not in response.headers
