"""The OpenAPI schema (mechanic_shop.api.schema): clean to generate, public, and true to what the API answers."""

import copy
import functools
from decimal import Decimal

import jsonschema
import pytest
from django.core.management import call_command
from django.urls import reverse
from drf_spectacular.drainage import GENERATOR_STATS
from model_bakery import baker
from rest_framework.test import APIClient

from inventory.models import Part, Supplier
from inventory.services import part_create
from mechanic_shop.testing.factories import CUSTOMER_PASSWORD

pytestmark = pytest.mark.django_db

ERROR_CODES = {"400", "401", "403", "404", "409", "415", "429"}


@functools.cache
def _openapi() -> dict:
    response = APIClient().get(reverse("schema"), {"format": "json"})
    assert response.status_code == 200
    return response.json()


@pytest.fixture
def openapi(db):
    return copy.deepcopy(_openapi())


def operation(openapi, method: str, path: str) -> dict:
    return openapi["paths"][path][method.lower()]


def component(openapi, name: str) -> dict:
    return openapi["components"]["schemas"][name]


def body_schema(openapi, method: str, path: str, status: int) -> dict:
    """The documented JSON body of one response, as plain JSON Schema over the schema's components."""
    documented = operation(openapi, method, path)["responses"]
    assert str(status) in documented, f"{method} {path} does not document {status}: {sorted(documented)}"
    schema = documented[str(status)]["content"]["application/json"]["schema"]
    return _as_json_schema({**schema, "components": openapi["components"]})


def _as_json_schema(node):
    # OpenAPI 3.0's `nullable: true` is JSON Schema's `type: [T, "null"]`.
    if isinstance(node, list):
        return [_as_json_schema(item) for item in node]
    if not isinstance(node, dict):
        return node
    node = {key: _as_json_schema(value) for key, value in node.items()}
    if node.pop("nullable", False) and "type" in node:
        node["type"] = [node["type"], "null"]
    return node


def assert_documented(openapi, method: str, path: str, response) -> None:
    """The response's status is documented for the operation, and its body matches the documented schema."""
    jsonschema.validate(response.json(), body_schema(openapi, method, path, response.status_code))


# --- Generation -------------------------------------------------------------------------------------------------


def test_schema_generates_and_validates_without_a_warning(tmp_path):
    GENERATOR_STATS.reset()  # warnings of schemas generated earlier in this process would count
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(tmp_path / "schema.yaml"))
    assert (tmp_path / "schema.yaml").read_text().startswith("openapi: 3.0.3")


@pytest.mark.parametrize(
    ("name", "query", "content_type"),
    [
        ("schema", {}, "application/vnd.oai.openapi"),
        ("schema", {"format": "json"}, "application/vnd.oai.openapi+json"),
        ("swagger-ui", {}, "text/html"),
        ("redoc", {}, "text/html"),
    ],
)
def test_schema_and_docs_need_no_token(name, query, content_type):
    for client in (APIClient(), APIClient(HTTP_AUTHORIZATION="Bearer not-a-token")):
        response = client.get(reverse(name), query)
        assert response.status_code == 200
        assert response["Content-Type"].split(";")[0] == content_type


def test_paths_are_written_as_in_the_contract(openapi):
    assert "/customers" in openapi["paths"]
    assert "/service-tickets/{id}/add-part/{part_id}" in openapi["paths"]
    assert not [path for path in openapi["paths"] if path != "/" and path.endswith("/")]


def test_ids_in_paths_are_integers(openapi):
    parameters = operation(openapi, "put", "/service-tickets/{id}/add-part/{part_id}")["parameters"]
    assert {p["name"]: p["schema"]["type"] for p in parameters if p["in"] == "path"} == {
        "id": "integer",
        "part_id": "integer",
    }


# --- Callers ----------------------------------------------------------------------------------------------------


def test_two_bearer_schemes(openapi):
    schemes = openapi["components"]["securitySchemes"]
    assert set(schemes) == {"staffToken", "customerToken"}
    assert all(scheme["type"] == "http" and scheme["scheme"] == "bearer" for scheme in schemes.values())


@pytest.mark.parametrize(
    ("method", "path", "security"),
    [
        ("get", "/customers", [{"staffToken": []}]),
        ("post", "/customers", [{"staffToken": []}, {}]),
        ("get", "/customers/{id}", [{"staffToken": []}, {"customerToken": []}]),
        ("get", "/customers/my-tickets", [{"customerToken": []}]),
        ("get", "/mechanics/my-tickets", [{"staffToken": []}]),
        ("get", "/service-tickets", [{"staffToken": []}, {"customerToken": []}]),
        ("put", "/service-tickets/{id}/add-part/{part_id}", [{"staffToken": []}]),
    ],
)
def test_each_operation_names_the_tokens_it_takes(openapi, method, path, security):
    assert operation(openapi, method, path)["security"] == security


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("get", "/"),
        ("get", "/health"),
        ("post", "/customers/login"),
        ("post", "/auth/token"),
        ("post", "/auth/token/refresh"),
        ("post", "/auth/logout"),
        ("get", "/estimates/{token}"),
        ("post", "/estimates/{token}/approve"),
        ("post", "/estimates/{token}/decline"),
        ("get", "/track/{token}"),
    ],
)
def test_public_operations_need_no_token(openapi, method, path):
    assert operation(openapi, method, path).get("security", [{}]) == [{}]


def test_401_and_403_only_where_a_token_is_checked(openapi):
    for path, item in openapi["paths"].items():
        for method, op in item.items():
            codes = set(op["responses"])
            if op.get("security", [{}]) == [{}]:
                assert "403" not in codes, f"{method} {path}"
            else:
                assert {"401", "403"} <= codes, f"{method} {path}"


# --- Bodies -----------------------------------------------------------------------------------------------------


def test_customer_login_bodies(openapi):
    op = operation(openapi, "post", "/customers/login")
    request = op["requestBody"]["content"]["application/json"]["schema"]["$ref"].rsplit("/", 1)[1]
    assert set(component(openapi, request)["required"]) == {"email", "password"}
    token = component(openapi, "CustomerToken")
    assert set(token["properties"]) == set(token["required"]) == {"token", "access", "refresh", "customer_id"}
    assert token["properties"]["customer_id"]["type"] == "integer"
    assert {"200", "400", "401", "415", "429"} <= set(op["responses"])


def test_add_part_body_is_optional_with_a_bounded_quantity(openapi):
    op = operation(openapi, "put", "/service-tickets/{id}/add-part/{part_id}")
    assert not op["requestBody"].get("required", False)
    quantity = component(openapi, "AddPartRequest")["properties"]["quantity"]
    assert (quantity["type"], quantity["minimum"], quantity["maximum"], quantity["default"]) == ("integer", 1, 1000, 1)
    assert "required" not in component(openapi, "AddPartRequest")
    assert {"200", "400", "404", "409", "415"} <= set(op["responses"])


def test_leaderboard_is_a_page_of_id_name_and_ticket_count(openapi):
    page = body_schema(openapi, "get", "/mechanics/leaderboard/most-tickets", 200)
    envelope = page["components"]["schemas"]["PaginatedLeaderboardEntryList"]
    assert envelope["properties"]["results"]["items"] == {"$ref": "#/components/schemas/LeaderboardEntry"}
    assert set(component(openapi, "LeaderboardEntry")["properties"]) == {"id", "name", "ticket_count"}


def test_lists_are_paginated_envelopes_with_page_size_and_per_page(openapi):
    envelope = component(openapi, "PaginatedCustomerList")
    assert set(envelope["properties"]) == {"count", "next", "previous", "results"}
    parameters = {p["name"] for p in operation(openapi, "get", "/customers")["parameters"]}
    assert {"page", "page_size", "per_page", "search", "ordering"} <= parameters


def test_ticket_filters_carry_their_bounds(openapi):
    parameters = {p["name"]: p for p in operation(openapi, "get", "/service-tickets")["parameters"]}
    assert {"status", "customer_id", "mechanic_id", "vin", "service_date_after", "service_date_before"} <= set(
        parameters
    )
    assert parameters["customer_id"]["schema"]["minimum"] == 1
    assert parameters["vin"]["schema"]["maxLength"] == 17
    assert parameters["status"]["schema"]["enum"] == ["cancelled", "completed", "in_progress", "open"]


def test_money_goes_in_as_a_number_or_a_digit_string(openapi):
    price = component(openapi, "PartRequest")["properties"]["price"]
    assert [branch["type"] for branch in price["oneOf"]] == ["string", "number"]
    assert component(openapi, "Part")["properties"]["price"]["type"] == "string"


def test_every_error_response_has_drfs_body(openapi):
    for path, item in openapi["paths"].items():
        for method, op in item.items():
            for code in ERROR_CODES & set(op["responses"]):
                schema = op["responses"][code]["content"]["application/json"]["schema"]
                expected = "ValidationError" if code == "400" else "ErrorDetail"
                assert schema == {"$ref": f"#/components/schemas/{expected}"}, f"{method} {path} {code}"


def test_every_operation_documents_the_servers_414(openapi):
    for path, item in openapi["paths"].items():
        for method, op in item.items():
            assert list(op["responses"]["414"]["content"]) == ["text/html"], f"{method} {path}"


def test_409_only_where_the_api_gives_it(openapi):
    conflicts = {
        (method, path)
        for path, item in openapi["paths"].items()
        for method, op in item.items()
        if "409" in op["responses"]
    }
    # A POST that takes an Idempotency-Key answers 409 while an earlier request with its key still runs.
    keyed = {
        (method, path)
        for path, item in openapi["paths"].items()
        for method, op in item.items()
        if any(parameter["name"] == "Idempotency-Key" for parameter in op.get("parameters", []))
    }
    assert keyed <= conflicts
    assert conflicts == keyed | {
        ("delete", "/customers/{id}"),
        ("delete", "/customers/me"),
        ("delete", "/mechanics/{id}"),
        ("delete", "/inventory/{id}"),
        ("post", "/inventory/{id}/adjust"),
        ("delete", "/service-tickets/{id}"),
        ("delete", "/vehicles/{id}"),
        ("put", "/service-tickets/{id}/edit"),
        ("put", "/service-tickets/{id}/assign-mechanic/{mechanic_id}"),
        ("put", "/service-tickets/{id}/remove-mechanic/{mechanic_id}"),
        ("put", "/service-tickets/{id}/add-part/{part_id}"),
        ("put", "/service-tickets/{id}/remove-part/{part_id}"),
        ("post", "/service-tickets/{ticket_id}/clock-in"),
        ("post", "/service-tickets/{ticket_id}/clock-out"),
        ("post", "/service-tickets/{id}/labor-lines"),
        ("patch", "/service-tickets/{id}/labor-lines/{line_id}"),
        ("delete", "/service-tickets/{id}/labor-lines/{line_id}"),
        ("delete", "/suppliers/{id}"),
        # approval-required tickets: no start before approval, no completion above the approved total
        ("put", "/service-tickets/{id}"),
        ("patch", "/service-tickets/{id}"),
        ("post", "/service-tickets/{id}/estimates"),
        ("post", "/estimates/{token}/approve"),
        ("post", "/estimates/{token}/decline"),
        ("patch", "/purchase-orders/{id}"),
        ("delete", "/purchase-orders/{id}"),
        ("post", "/purchase-orders/{id}/order"),
        ("post", "/purchase-orders/{id}/receive"),
        ("post", "/purchase-orders/{id}/cancel"),
    }


# --- The documented errors are the real ones ---------------------------------------------------------------------


def test_no_token_is_a_documented_401_with_a_challenge(openapi, anon_client):
    response = anon_client.get(reverse("customer-list"))
    assert response.status_code == 401
    assert response["WWW-Authenticate"].startswith("Bearer")
    assert_documented(openapi, "get", "/customers", response)


def test_a_customer_on_a_staff_list_is_a_documented_403(openapi, customer_client):
    response = customer_client.get(reverse("customer-list"))
    assert response.status_code == 403
    assert_documented(openapi, "get", "/customers", response)


def test_an_unknown_id_and_a_page_past_the_end_are_documented_404s(openapi, admin_client_api):
    response = admin_client_api.get(reverse("customer-detail", args=[424242]))
    assert response.status_code == 404
    assert_documented(openapi, "get", "/customers/{id}", response)
    response = admin_client_api.get(reverse("customer-list"), {"page": 9})
    assert response.status_code == 404
    assert_documented(openapi, "get", "/customers", response)


def test_field_errors_and_malformed_json_are_documented_400s(openapi, admin_client_api):
    response = admin_client_api.post(reverse("customer-list"), {"name": ""}, format="json")
    assert response.status_code == 400
    assert "email" in response.json()
    assert_documented(openapi, "post", "/customers", response)
    response = admin_client_api.post(reverse("customer-list"), "{not json", content_type="application/json")
    assert response.status_code == 400
    assert "detail" in response.json()
    assert_documented(openapi, "post", "/customers", response)
    response = admin_client_api.get(reverse("serviceticket-list"), {"page_size": "many"})
    assert response.status_code == 400
    assert_documented(openapi, "get", "/service-tickets", response)


def test_errors_inside_a_list_are_a_documented_400(openapi, admin_client_api, make_ticket):
    ticket = make_ticket()
    response = admin_client_api.put(reverse("serviceticket-edit", args=[ticket.pk]), {"add_ids": ["x"]}, format="json")
    assert response.status_code == 400
    assert response.json() == {"add_ids": {"0": ["A valid integer is required."]}}
    assert_documented(openapi, "put", "/service-tickets/{id}/edit", response)


def test_errors_inside_a_list_of_objects_are_a_documented_400(openapi, admin_client_api):
    supplier = Supplier.objects.create(name="Acme Parts")
    part = part_create(name="Oil filter", price=Decimal("8.99"), supplier=supplier)
    body = {"supplier_id": supplier.pk, "lines": [{"part_id": part.pk, "unit_cost": "12.99"}]}
    response = admin_client_api.post(reverse("purchaseorder-list"), body, format="json")
    assert response.status_code == 400
    assert response.json() == {"lines": {"0": {"quantity": ["This field is required."]}}}
    assert_documented(openapi, "post", "/purchase-orders", response)


def test_a_body_that_is_not_json_is_a_documented_415(openapi, admin_client_api):
    response = admin_client_api.post(reverse("part-list"), "name=Bolt", content_type="text/plain")
    assert response.status_code == 415
    assert_documented(openapi, "post", "/inventory", response)


def test_not_enough_stock_and_a_protected_delete_are_documented_409s(openapi, admin_client_api, make_ticket):
    ticket = make_ticket()
    part = baker.make(Part, price=1, quantity_in_stock=1)
    url = reverse("serviceticket-add-part", args=[ticket.pk, part.pk])
    response = admin_client_api.put(url, {"quantity": 2}, format="json")
    assert response.status_code == 409
    assert_documented(openapi, "put", "/service-tickets/{id}/add-part/{part_id}", response)
    response = admin_client_api.delete(reverse("customer-detail", args=[ticket.customer_id]))
    assert response.status_code == 409
    assert_documented(openapi, "delete", "/customers/{id}", response)


def test_a_throttled_login_is_a_documented_429_with_retry_after(openapi, settings, anon_client):
    settings.THROTTLE_ENABLED = True
    settings.THROTTLE_RATES = {**settings.THROTTLE_RATES, "login": "1/minute", "anon_short": None, "anon_long": None}
    anon_client.post(reverse("customer-login"), {}, format="json")
    response = anon_client.post(reverse("customer-login"), {}, format="json")
    assert response.status_code == 429
    assert int(response["Retry-After"]) >= 1
    assert_documented(openapi, "post", "/customers/login", response)
    headers = operation(openapi, "post", "/customers/login")["responses"]["429"]["headers"]
    assert headers["Retry-After"]["required"] is True


def test_login_and_leaderboard_answers_match_their_schema(
    openapi, anon_client, admin_client_api, customer, make_mechanic
):
    response = anon_client.post(
        reverse("customer-login"), {"email": customer.email, "password": CUSTOMER_PASSWORD}, format="json"
    )
    assert response.status_code == 200
    assert_documented(openapi, "post", "/customers/login", response)
    make_mechanic(), make_mechanic()
    response = admin_client_api.get(reverse("mechanic-leaderboard"))
    assert response.status_code == 200
    assert response.json()["count"] == 2
    assert_documented(openapi, "get", "/mechanics/leaderboard/most-tickets", response)


@pytest.mark.parametrize(
    ("url", "asset"), [("/api/docs", "swagger-ui-bundle.js"), ("/api/redoc", "redoc.standalone.js")]
)
def test_docs_pages_load_their_scripts_from_our_own_static_files(anon_client, url, asset):
    response = anon_client.get(url)
    page = response.content.decode()
    assert response.status_code == 200
    assert "/static/drf_spectacular_sidecar/" in page
    assert asset in page
    assert "cdn.jsdelivr.net" not in page
    assert "unpkg.com" not in page


def test_rate_limit_headers_are_documented_where_a_throttle_counts(openapi):
    for path, operations in openapi["paths"].items():
        for method, op in operations.items():
            throttled = "429" in op["responses"]
            for code, response in op["responses"].items():
                documented = {"RateLimit", "RateLimit-Policy"} <= set(response.get("headers", {}))
                expected = throttled and (code.startswith("2") or code == "429")
                assert documented == expected, (method, path, code)
    assert "429" not in operation(openapi, "GET", "/health")["responses"]


AUTHENTICATION_POSTS = {"/customers/login", "/auth/token", "/auth/token/refresh", "/auth/logout"}


def _parameters(op) -> set[str]:
    return {parameter["name"] for parameter in op.get("parameters", [])}


def test_every_post_but_authentications_documents_idempotency_keys(openapi):
    for path, item in openapi["paths"].items():
        if "post" not in item:
            continue
        op = item["post"]
        if path in AUTHENTICATION_POSTS:
            assert "Idempotency-Key" not in _parameters(op), path
            continue
        assert "Idempotency-Key" in _parameters(op), path
        assert {"400", "409", "422"} <= set(op["responses"]), path
        success = next(code for code in op["responses"] if code.startswith("2"))
        assert "Idempotent-Replayed" in op["responses"][success]["headers"], path


def test_reads_document_etags_and_304_and_writes_to_one_object_if_match_and_412(openapi):
    for path, item in openapi["paths"].items():
        for method, op in item.items():
            if path in ("/", "/health") or path.startswith("/api/"):
                assert "If-None-Match" not in _parameters(op)
                continue
            if method == "get":
                assert "If-None-Match" in _parameters(op), path
                assert "ETag" in op["responses"]["304"]["headers"], path
                assert "ETag" in op["responses"]["200"]["headers"], path
            if method in ("put", "patch", "delete") and ("{" in path or path == "/customers/me"):
                assert "If-Match" in _parameters(op), (method, path)
                assert "412" in op["responses"], (method, path)
            if method in ("put", "patch"):
                assert "ETag" in op["responses"]["200"]["headers"], (method, path)
