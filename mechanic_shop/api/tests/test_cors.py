"""Browser apps on other origins (CORS_ALLOWED_ORIGINS, django-cors-headers): preflights need no token, and only the
listed origins get an Access-Control-Allow-Origin."""

import json
import subprocess
import sys

import pytest
from django.conf import settings as django_settings
from django.http import HttpResponse
from django.urls import reverse
from django.utils.cache import patch_vary_headers

from customers.models import Customer
from mechanic_shop.api.middleware import _vary_with_origin

pytestmark = pytest.mark.django_db

APP = "https://app.example.com"
ALLOWED_HEADERS = {"authorization", "content-type", "idempotency-key", "if-match", "if-none-match"}
EXPOSED_HEADERS = {"etag", "retry-after", "ratelimit", "ratelimit-policy", "idempotent-replayed"}


@pytest.fixture
def app_origin(settings):
    settings.CORS_ALLOWED_ORIGINS = [APP, "http://localhost:5173"]


def _listed(value: str) -> set[str]:
    return {item.strip().lower() for item in value.split(",")}


def _preflight(client, path, origin=APP, method="POST", headers="authorization, content-type"):
    return client.options(
        path,
        HTTP_ORIGIN=origin,
        HTTP_ACCESS_CONTROL_REQUEST_METHOD=method,
        HTTP_ACCESS_CONTROL_REQUEST_HEADERS=headers,
    )


def test_preflight_needs_no_token_and_names_the_allowed_headers(app_origin, anon_client):
    response = _preflight(anon_client, reverse("customer-list"), headers="authorization, idempotency-key, if-match")
    assert response.status_code == 200
    assert response.content == b""
    assert response.headers["Access-Control-Allow-Origin"] == APP
    assert _listed(response.headers["Access-Control-Allow-Headers"]) == ALLOWED_HEADERS
    assert {"get", "post", "put", "patch", "delete"} <= _listed(response.headers["Access-Control-Allow-Methods"])
    assert "Access-Control-Allow-Credentials" not in response.headers  # bearer tokens, not cookies
    assert not Customer.objects.exists()


def test_preflight_of_a_detail_path_without_slash_also_answers(app_origin, anon_client, customer):
    response = _preflight(anon_client, f"/customers/{customer.pk}", method="PATCH")
    assert response.status_code == 200
    assert response.headers["Access-Control-Allow-Origin"] == APP


def test_another_origin_gets_no_allow_origin(app_origin, anon_client, staff_client):
    preflight = _preflight(anon_client, reverse("customer-list"), origin="https://evil.example.net")
    assert "Access-Control-Allow-Origin" not in preflight.headers
    actual = staff_client("customers.view_customer").get(reverse("customer-list"), HTTP_ORIGIN="https://evil.example")
    assert actual.status_code == 200
    assert "Access-Control-Allow-Origin" not in actual.headers
    assert "Access-Control-Expose-Headers" not in actual.headers


def test_an_origin_differing_only_in_scheme_or_port_is_another_origin(app_origin, anon_client):
    for origin in ("http://app.example.com", "https://app.example.com:8443", "http://localhost:5174"):
        assert "Access-Control-Allow-Origin" not in _preflight(anon_client, "/customers", origin=origin).headers
    assert _preflight(anon_client, "/customers", origin="http://localhost:5173").headers[
        "Access-Control-Allow-Origin"
    ] == ("http://localhost:5173")


def test_actual_request_from_an_allowed_origin_exposes_the_contract_headers(app_origin, staff_client, make_customer):
    make_customer(name="Ada")
    response = staff_client("customers.view_customer").get(reverse("customer-list"), HTTP_ORIGIN=APP)
    assert response.status_code == 200
    assert response.json()["count"] == 1
    assert response.headers["Access-Control-Allow-Origin"] == APP
    assert _listed(response.headers["Access-Control-Expose-Headers"]) == EXPOSED_HEADERS
    assert "origin" in _listed(response.headers["Vary"])


def test_a_browser_app_can_register_and_sees_the_refusals_too(app_origin, anon_client, throttle_rates):
    body = {"name": "Bea", "email": "bea@example.com", "phone_number": "5550100", "password": "Tr1cky-Gear-42"}
    created = anon_client.post(reverse("customer-list"), body, format="json", HTTP_ORIGIN=APP)
    assert created.status_code == 201
    assert created.headers["Access-Control-Allow-Origin"] == APP
    assert Customer.objects.get().email == "bea@example.com"
    # A 401 and a 429 reach the app's code too (a browser hides any answer without the header).
    refused = anon_client.get(reverse("customer-list"), HTTP_ORIGIN=APP)
    assert refused.status_code == 401
    assert refused.headers["Access-Control-Allow-Origin"] == APP
    throttle_rates(login="1/minute")
    codes = [anon_client.post("/customers/login", {}, format="json", HTTP_ORIGIN=APP) for _ in range(2)]
    assert [r.status_code for r in codes] == [400, 429]
    assert codes[1].headers["Access-Control-Allow-Origin"] == APP
    assert "retry-after" in _listed(codes[1].headers["Access-Control-Expose-Headers"])


def test_no_origin_is_allowed_by_default(anon_client, staff_client):
    assert django_settings.CORS_ALLOWED_ORIGINS == []
    preflight = _preflight(anon_client, reverse("customer-list"))
    assert "Access-Control-Allow-Origin" not in preflight.headers
    actual = staff_client("customers.view_customer").get(reverse("customer-list"), HTTP_ORIGIN=APP)
    assert "Access-Control-Allow-Origin" not in actual.headers


def test_the_admin_takes_no_cross_origin_calls(app_origin, anon_client):
    response = _preflight(anon_client, "/admin/login/")
    assert "Access-Control-Allow-Origin" not in response.headers


def test_origins_come_from_the_environment_comma_separated():
    code = "from django.conf import settings; import json; print(json.dumps(settings.CORS_ALLOWED_ORIGINS))"
    result = subprocess.run(
        [sys.executable, "-c", f"import django; django.setup(); {code}"],
        env={
            "DJANGO_SETTINGS_MODULE": "mechanic_shop.settings",
            "DEBUG": "true",
            "PATH": "/usr/bin:/bin",
            "CORS_ALLOWED_ORIGINS": " https://app.example.com, http://localhost:5173 ,",
        },
        cwd=django_settings.BASE_DIR,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout.strip().splitlines()[-1]) == ["https://app.example.com", "http://localhost:5173"]


def test_a_request_without_origin_gets_only_vary_origin(app_origin, staff_client, make_customer):
    # Non-browser callers send no Origin: no CORS header, but a cache in front must still tell the answers apart.
    make_customer(name="Ada")
    response = staff_client("customers.view_customer").get(reverse("customer-list"))
    assert response.status_code == 200
    assert response.json()["count"] == 1
    assert not [name for name in response.headers if name.lower().startswith("access-control-")]
    assert "origin" in _listed(response.headers["Vary"])
    assert "accept" in _listed(response.headers["Vary"])  # the list's own Vary is kept beside it


def test_the_admin_gets_no_cors_headers_and_no_vary_origin(app_origin, client):
    response = client.get("/admin/login/", HTTP_ORIGIN=APP)
    assert response.status_code == 200
    assert "Access-Control-Allow-Origin" not in response.headers
    assert "origin" not in _listed(response.headers.get("Vary", ""))


@pytest.mark.parametrize(
    ("vary", "expected"),
    [
        ("Accept", "Accept, origin"),
        ("Accept,Cookie", "Accept, Cookie, origin"),
        ("Accept, Origin", "Accept, Origin"),
        ("*", "*"),
    ],
)
def test_an_answer_s_own_vary_gets_origin_as_django_would_add_it(vary, expected):
    response = HttpResponse()
    response.headers["Vary"] = vary
    patch_vary_headers(response, ("origin",))
    assert response.headers["Vary"] == expected
    assert _vary_with_origin(vary) == expected
    assert _vary_with_origin(vary) == expected  # worked out once, then remembered


def test_a_cached_page_carries_vary_origin_too(app_origin, staff_client, make_customer):
    make_customer(name="Ada")
    client = staff_client("customers.view_customer")
    first, second = client.get(reverse("customer-list")), client.get(reverse("customer-list"))
    assert second.json() == first.json()
    assert _listed(second.headers["Vary"]) == _listed(first.headers["Vary"]) == {"accept", "origin"}
