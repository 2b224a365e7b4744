"""The OpenAPI schema (drf-spectacular): who may call each operation, and every error it can answer.

drf-spectacular documents the success bodies from the serializers. What it cannot see, this module adds:

- `ShopJWTScheme`: the two bearer tokens (staff from POST /auth/token, customer from POST /customers/login), and per
  operation which of them it takes, read from the view's permission classes — plus `{}` where an anonymous caller
  is let in (registration) or nothing is checked at all (login, `/`, `/health`).
- `ShopAutoSchema`: the error responses each operation can really give, with DRF's bodies (`{"detail"}`, or the
  field-error dict for 400), derived from the view: 400 where a body or validated query parameters are read,
  401/403 where a token is checked, 404 where the path names an object or a page can run past the end, 409 where
  a delete is blocked by PROTECT, 415 where a body is parsed, 429 where a throttle applies, and everywhere the
  WSGI server's own 414 for a request line too long to read; and the `RateLimit-Policy` / `RateLimit` headers on
  the success and 429 answers of every throttled operation. Business-rule errors a view raises itself (a closed
  ticket's 409, an inactive mechanic's 400) are declared beside that view with `extend_schema`; this class gives
  them their body.
- `paths_without_trailing_slash`: paths without their optional trailing slash (`/customers`).
"""

import copy
import re
from collections.abc import Callable
from decimal import Decimal
from typing import TYPE_CHECKING, Any

import uritemplate
from django.db import models
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.extensions import OpenApiAuthenticationExtension, OpenApiSerializerFieldExtension
from drf_spectacular.openapi import AutoSchema
from drf_spectacular.plumbing import ResolvedComponent, get_view_model
from rest_framework import filters, permissions

from mechanic_shop.api import conditional
from mechanic_shop.api.callers import ANONYMOUS, CUSTOMER, EVERYONE, STAFF
from mechanic_shop.api.filters import MAX_ID, ShopSearchFilter
from mechanic_shop.api.viewsets import ID_PATTERN, ShopViewSetMixin

if TYPE_CHECKING:
    from django_filters import Filter, FilterSet
    from drf_spectacular.utils import Direction
    from rest_framework.views import APIView

STAFF_SCHEME, CUSTOMER_SCHEME = "staffToken", "customerToken"
# Ids in paths: the base viewset's pattern (1 to 18 digits); anything else matches no route (404).
PATH_ID_REGEX = f"^{ID_PATTERN}$"
PATH_ID_MAX = 10**18 - 1
# DRF's own classes, which cannot carry our `callers` attribute.
DRF_PERMISSION_CALLERS: dict[type, frozenset[str]] = {permissions.IsAuthenticated: frozenset({CUSTOMER, STAFF})}


def permitted_callers(permission: object) -> frozenset[str]:
    """Which kinds of caller a permission instance can let through: its class's `callers`, composed through `|`
    and `&`. A class that names none (AllowAny) refuses no one for sure."""
    # DRF's OR and AND hold their operands in op1 and op2, which the stubs leave out.
    if isinstance(permission, permissions.OR):
        return permitted_callers(permission.op1) | permitted_callers(permission.op2)  # type: ignore[attr-defined]
    if isinstance(permission, permissions.AND):
        return permitted_callers(permission.op1) & permitted_callers(permission.op2)  # type: ignore[attr-defined]
    callers = getattr(permission, "callers", None)
    if callers is not None:
        return frozenset(callers)
    return DRF_PERMISSION_CALLERS.get(type(permission), EVERYONE)


def view_callers(view: "APIView") -> frozenset[str]:
    """The callers every permission of the view can let through (DRF requires all of them to pass)."""
    callers = EVERYONE
    for permission in view.get_permissions():
        callers &= permitted_callers(permission)
    return callers


class ShopJWTScheme(OpenApiAuthenticationExtension):
    """`Authorization: Bearer <jwt>`: one header, two kinds of token, so two schemes a client can tell apart."""

    target_class = "mechanic_shop.accounts.authentication.ShopJWTAuthentication"
    name = [STAFF_SCHEME, CUSTOMER_SCHEME]

    def get_security_requirement(self, auto_schema: AutoSchema) -> list[dict[str, list[Any]]]:
        callers = view_callers(auto_schema.view)
        # A list is OR: either token will do where both kinds of caller are let in.
        return [
            {name: []} for caller, name in ((STAFF, STAFF_SCHEME), (CUSTOMER, CUSTOMER_SCHEME)) if caller in callers
        ]

    def get_security_definition(self, auto_schema: AutoSchema) -> list[dict[str, Any]]:
        return [
            {
                "type": "http",
                "scheme": "bearer",
                "bearerFormat": "JWT",
                "description": (
                    "A staff account's access token: `access` from `POST /auth/token`. What it may do follows the "
                    "account's Django model permissions (`view_`, `add_`, `change_`, `delete_`)."
                ),
            },
            {
                "type": "http",
                "scheme": "bearer",
                "bearerFormat": "JWT",
                "description": (
                    "A customer's access token: `access` (or `token`, the same) from `POST /customers/login`. It "
                    "reaches only the customer's own record (also at `/customers/me`) and tickets; anything else "
                    "answers 403, another customer's objects 404."
                ),
            },
        ]


class MoneyFieldExtension(OpenApiSerializerFieldExtension):
    """Money in: a JSON number or a string of digits, exactly as MoneyField reads it; out: a string."""

    target_class = "mechanic_shop.api.fields.MoneyField"

    def map_serializer_field(self, auto_schema: AutoSchema, direction: "Direction") -> dict[str, Any]:
        schema: dict[str, Any] = auto_schema._map_serializer_field(self.target, direction, bypass_extensions=True)
        if direction != "request":
            return schema
        places = self.target.decimal_places
        whole = self.target.max_digits - places
        largest = Decimal(10) ** whole - Decimal(10) ** -places
        return {
            "oneOf": [
                # Leading zeros do not count as digits (Decimal drops them), so the pattern lets them through.
                {"type": "string", "format": "decimal", "pattern": rf"^0*[0-9]{{1,{whole}}}(\.[0-9]{{1,{places}}})?$"},
                {"type": "number", "minimum": 0, "maximum": float(largest)},
            ],
            "description": f'Not negative, at most {largest}, at most {places} decimals: `12.99` or `"12.99"`.',
            "example": "12.99",
        }


class IdRelatedFieldExtension(OpenApiSerializerFieldExtension):
    """A related object's id: a JSON integer from 1 to the largest 64-bit id, as IdRelatedField reads it."""

    target_class = "mechanic_shop.api.fields.IdRelatedField"

    def map_serializer_field(self, auto_schema: AutoSchema, direction: "Direction") -> dict[str, Any]:
        schema: dict[str, Any] = auto_schema._map_serializer_field(self.target, direction, bypass_extensions=True)
        return {**schema, "minimum": 1, "maximum": MAX_ID}


ERROR_DETAIL = {
    "type": "object",
    "description": "DRF's error body: one human-readable message.",
    "properties": {"detail": {"type": "string"}},
    "required": ["detail"],
}
VALIDATION_ERROR = {
    "type": "object",
    "description": (
        'What was wrong, by field: `{"field": ["message", ...]}`. Errors not tied to one field are under '
        '`non_field_errors`, errors inside a list are keyed by the item\'s index (`{"add_ids": {"0": [...]}}`), '
        'and inside a list of objects by the index, then the field (`{"lines": {"0": {"quantity": [...]}}}`); a '
        'body that is not JSON at all gives `{"detail": "..."}`.'
    ),
    "properties": {
        "detail": {"type": "string"},
        "non_field_errors": {"type": "array", "items": {"type": "string"}},
    },
    "additionalProperties": {
        "oneOf": [
            {"type": "array", "items": {"type": "string"}},
            {"type": "object", "additionalProperties": {"type": "array", "items": {"type": "string"}}},
            {
                "type": "object",
                "additionalProperties": {
                    "type": "object",
                    "additionalProperties": {"type": "array", "items": {"type": "string"}},
                },
            },
        ]
    },
    "minProperties": 1,
}
HEADERS = {
    "401": {
        "WWW-Authenticate": {
            "description": 'The challenge: `Bearer realm="..."`.',
            "required": True,
            "schema": {"type": "string"},
        }
    },
    "429": {
        "Retry-After": {
            "description": "Seconds until the limit resets.",
            "required": True,
            "schema": {"type": "integer", "minimum": 1},
        }
    },
}
# On every answer a throttle counted (mechanic_shop/api/throttling.py), success and 429 alike.
RATE_LIMIT_HEADERS = {
    "RateLimit-Policy": {
        "description": (
            'Every limit this request was counted against (IETF draft "RateLimit header fields for HTTP"): '
            '`"hour";q=1000;w=3600, "day";q=10000;w=86400` — a name per window, `q` requests per `w` seconds. '
            "Absent when rate limits are off or the counters cannot be read."
        ),
        "schema": {"type": "string"},
    },
    "RateLimit": {
        "description": (
            'The limit closest to running out: `"hour";r=<requests remaining>;t=<seconds until it resets>`.'
        ),
        "schema": {"type": "string"},
    },
}
# The caller's own record (a customer's), named by the token rather than an id in the path.
OWN_RECORD_PATH = "/customers/me"
VISIBLE_ASCII = "^[\\x21-\\x7E]{1,255}$"
IDEMPOTENCY_KEY = {
    "name": "Idempotency-Key",
    "in": "header",
    "required": False,
    "description": (
        "1–255 visible ASCII characters. The first request with a key runs; a repeat by the same caller within 24 "
        "hours gets the first answer again (with `Idempotent-Replayed: true`) without running; the same key with "
        "another body or path is a 422, and a repeat while the first still runs a 409. A bad key is a 400."
    ),
    "schema": {"type": "string", "minLength": 1, "maxLength": 255, "pattern": VISIBLE_ASCII},
}
IF_NONE_MATCH = {
    "name": "If-None-Match",
    "in": "header",
    "required": False,
    "description": "ETags from earlier answers (or `*`): if one matches the current answer, a 304 with no body.",
    "schema": {"type": "string"},
}
IF_MATCH = {
    "name": "If-Match",
    "in": "header",
    "required": False,
    "description": (
        "The ETag the change is based on (or `*`): if the object's current representation has another, a 412 and "
        "nothing changes. Checked under the row lock the change takes."
    ),
    "schema": {"type": "string"},
}
ETAG = {
    "ETag": {
        "description": "A strong validator of this answer's body: send it back in `If-None-Match` or `If-Match`.",
        "schema": {"type": "string"},
    }
}
REPLAYED = {
    "Idempotent-Replayed": {
        "description": "`true` when this is the stored answer to an earlier request with the same `Idempotency-Key`.",
        "schema": {"type": "string", "enum": ["true"]},
    }
}
# Every request meets the WSGI server first: gunicorn refuses a request line over its limit (limit_request_line,
# 4094 bytes by default) with its own HTML page, whatever the operation.
URI_TOO_LONG = {
    "description": (
        "The request line (method, path and query string) is longer than the server reads (gunicorn's "
        "`limit_request_line`, 4094 bytes by default): the server answers with an HTML page, before the API."
    ),
    "content": {"text/html": {"schema": {"type": "string"}}},
}
# Looked up by the view's action, which is None outside a viewset.
STANDARD_SUMMARIES: dict[str | None, str] = {
    "list": "List {plural}",
    "create": "Create a {name}",
    "retrieve": "Get a {name}",
    "update": "Replace a {name}",
    "partial_update": "Change part of a {name}",
    "destroy": "Delete a {name}",
}


def takes_idempotency_key(view: "APIView") -> bool:
    """As ShopViewSetMixin decides it: every POST of the API's viewsets but those that say no (logins)."""
    return isinstance(view, ShopViewSetMixin) and bool(getattr(view, "idempotency_keys", False))


class ShopAutoSchema(AutoSchema):
    """drf-spectacular's AutoSchema plus the error responses, security and typed ids this API really has."""

    def get_auth(self) -> list[dict[str, Any]]:
        auths = super().get_auth()
        # Registration lets anonymous callers in next to staff tokens: the token is optional there.
        if ANONYMOUS in view_callers(self.view) and {} not in auths:
            auths.append({})
        return auths

    def get_summary(self) -> str | None:
        summary = super().get_summary()
        template = STANDARD_SUMMARIES.get(getattr(self.view, "action", None))
        model = get_view_model(self.view, emit_warnings=False)
        if summary or template is None or model is None:
            return summary
        return template.format(name=model._meta.verbose_name, plural=model._meta.verbose_name_plural)

    def _resolve_path_parameters(self, variables: list[str]) -> list[dict[str, Any]]:
        parameters: list[dict[str, Any]] = super()._resolve_path_parameters(variables)
        model = get_view_model(self.view, emit_warnings=False)
        for parameter in parameters:
            # The routers take ids as 1 to 18 digits; say so as an integer, which is what clients hold.
            if parameter["schema"].get("pattern") == PATH_ID_REGEX:
                parameter["schema"] = {"type": "integer", "minimum": 1, "maximum": PATH_ID_MAX}
            if parameter["name"] == "id" and model is not None:
                parameter.setdefault("description", f"The {model._meta.verbose_name}'s id.")
            elif parameter["name"].endswith("_id"):
                parameter.setdefault("description", f"The {parameter['name'].removesuffix('_id')}'s id.")
        return parameters

    def _get_parameters(self) -> list[dict[str, Any]]:
        parameters: list[dict[str, Any]] = super()._get_parameters()
        if self._takes_idempotency_key():
            parameters.append(copy.deepcopy(IDEMPOTENCY_KEY))
        if self._answers_conditionally():
            parameters.append(copy.deepcopy(IF_NONE_MATCH))
        if self._changes_conditionally():
            parameters.append(copy.deepcopy(IF_MATCH))
        return parameters

    def _takes_idempotency_key(self) -> bool:
        return self.method == "POST" and takes_idempotency_key(self.view)

    def _answers_conditionally(self) -> bool:
        return self.method == "GET" and isinstance(self.view, ShopViewSetMixin)

    def _changes_conditionally(self) -> bool:
        # As mechanic_shop/api/conditional.py checks it: a write to one object named in the path (or the caller's own
        # record), compared with what a GET of that path answers.
        return self.method in conditional.WRITING_METHODS and self._on_one_object()

    def _on_one_object(self) -> bool:
        if not isinstance(self.view, ShopViewSetMixin):
            return False
        lookup = getattr(self.view, "lookup_url_kwarg", None) or getattr(self.view, "lookup_field", "pk")
        variables = uritemplate.variables(self.path)
        # drf-spectacular writes the `pk` lookup as `{id}`.
        named = lookup in variables or (lookup == "pk" and "id" in variables)
        return named or self.path == OWN_RECORD_PATH

    def _has_etag(self, code: str) -> bool:
        if code != "200" or not isinstance(self.view, ShopViewSetMixin):
            return False
        if self.method in ("GET", "PUT", "PATCH"):
            return True
        return self.method in ("POST", "DELETE") and bool(getattr(self.view, "detail", False))

    def _get_filter_parameters(self) -> list[dict[str, Any]]:
        parameters: list[dict[str, Any]] = super()._get_filter_parameters()
        filterset_class = getattr(self.view, "filterset_class", None)
        for parameter in parameters:
            # django-filter, search and ordering all take an empty value as "not given".
            parameter["allowEmptyValue"] = True
            if parameter["name"] == getattr(filters.SearchFilter, "search_param", "search"):
                fields = ", ".join(f.lstrip("^=@$") for f in getattr(self.view, "search_fields", ()))
                parameter["description"] = (
                    f"Matches any of: {fields} (case-insensitive, every word must match). "
                    f"At most {ShopSearchFilter.MAX_TERMS} words, separated by spaces or commas, and "
                    f"{ShopSearchFilter.MAX_LENGTH} characters: more is a 400 naming `search`."
                )
                parameter["schema"]["pattern"] = "^[^\\x00]*$"  # a NUL character is a 400
                parameter["schema"]["maxLength"] = ShopSearchFilter.MAX_LENGTH
            elif parameter["name"] == getattr(filters.OrderingFilter, "ordering_param", "ordering") and (
                getattr(self.view, "ordering_fields", None)  # else SyncFilter's own `updated_at` says what it takes
            ):
                fields = ", ".join(getattr(self.view, "ordering_fields", ()))
                parameter["description"] = (
                    f"Sort by one of {fields}; `-` in front for descending, commas between several. "
                    "Other names are ignored."
                )
            filter_field = self._filter_for_parameter(filterset_class, parameter["name"]) if filterset_class else None
            if filter_field is None:
                continue
            # The bounds the filter's form field validates (a 400 outside them), as the schema's own.
            for extra, keyword in (("min_value", "minimum"), ("max_value", "maximum"), ("max_length", "maxLength")):
                if filter_field.extra.get(extra) is not None:
                    parameter["schema"][keyword] = filter_field.extra[extra]
        return parameters

    @staticmethod
    def _filter_for_parameter(filterset_class: "type[FilterSet]", name: str) -> "Filter | None":
        filters = filterset_class.base_filters
        if name in filters:
            return filters[name]
        # Range filters expand into `<name>_after` / `<name>_before`.
        return filters.get(re.sub(r"_(after|before|min|max)$", "", name))

    def _get_response_bodies(self, direction: "Direction" = "response") -> dict[str, Any]:
        responses = super()._get_response_bodies(direction)
        for code, description in self._error_responses().items():
            responses.setdefault(code, {"description": description})
        responses.setdefault("414", copy.deepcopy(URI_TOO_LONG))
        if self._answers_conditionally():
            responses.setdefault(
                "304", {"description": "Not modified: `If-None-Match` named the current ETag.", "headers": ETAG}
            )
        for code, response in responses.items():
            if code >= "400" and "content" not in response:
                self._fill_error_response(code, response)
        for code, response in responses.items():
            if self._has_etag(code):
                response["headers"] = {**response.get("headers", {}), **copy.deepcopy(ETAG)}
            if self._takes_idempotency_key() and code < "500":
                response["headers"] = {**response.get("headers", {}), **copy.deepcopy(REPLAYED)}
        if self.view.get_throttles():
            for code, response in responses.items():
                if code.startswith("2") or code == "429":
                    response["headers"] = {**response.get("headers", {}), **copy.deepcopy(RATE_LIMIT_HEADERS)}
        return dict(sorted(responses.items()))

    def _fill_error_response(self, code: str, response: dict[str, Any]) -> None:
        component = self._error_component("ValidationError" if code == "400" else "ErrorDetail")
        response["content"] = {"application/json": {"schema": component.ref}}
        if code in HEADERS:
            response["headers"] = {**HEADERS[code], **response.get("headers", {})}

    def _error_component(self, name: str) -> ResolvedComponent:
        component = ResolvedComponent(
            name=name,
            type=ResolvedComponent.SCHEMA,
            schema=VALIDATION_ERROR if name == "ValidationError" else ERROR_DETAIL,
            object=f"{__name__}.{name}",
        )
        self.registry.register_on_missing(component)
        return component

    def _error_responses(self) -> dict[str, str]:
        """The errors this operation can answer, whatever its view declares: {status code: description}."""
        view = self.view
        errors = {}
        reads_body = self.method in ("POST", "PUT", "PATCH") and self.get_request_serializer() is not None
        list_view = self.method == "GET" and self._is_list_view()
        paginated = list_view and self._get_paginator() is not None
        if reads_body:
            errors["400"] = "The body is not valid JSON, or a field is missing, of the wrong type or invalid."
        elif paginated or (list_view and self._validates_query_parameters()):
            errors["400"] = (
                "A query parameter's value is invalid (a filter, the page size, a search too long); the body names it."
            )

        if view.get_authenticators():
            callers = view_callers(view)
            if ANONYMOUS in callers:
                errors["401"] = "The bearer token sent is invalid or expired (send none to act anonymously)."
            else:
                errors["401"] = "No bearer token, or an invalid or expired one."
            if callers != EVERYONE:
                errors["403"] = "The token is valid, but its caller may not do this."

        if uritemplate.variables(self.path):
            errors["404"] = "No such object, or one outside the caller's reach."
        elif paginated:
            errors["404"] = "The page asked for (`?page=`) is past the last one."

        if self.method == "DELETE" and self._delete_is_protected():
            errors["409"] = "Other records still refer to this one (the detail names them); nothing was deleted."
        if reads_body:
            errors["415"] = "The body is not `application/json`."
        if view.get_throttles():
            errors["429"] = "Too many requests: see `Retry-After`."
        if self._takes_idempotency_key():
            errors.setdefault("400", "The `Idempotency-Key` header is empty, too long or not visible ASCII.")
            errors.setdefault("409", "A request with this `Idempotency-Key` is still running: retry later.")
            errors["422"] = "This `Idempotency-Key` was used with another body or path."
        if self._changes_conditionally():
            errors.setdefault("400", "`If-Match` is neither `*` nor a list of entity tags.")
            errors["412"] = "`If-Match` does not name the current ETag: the object changed; nothing was changed."
        return errors

    def _validates_query_parameters(self) -> bool:
        # django-filter validates a FilterSet's parameters and answers 400; ordering does not (search does, but every
        # list that searches is paginated, which already names the 400).
        backends = self.get_filter_backends()
        has_filterset = getattr(self.view, "filterset_class", None) or getattr(self.view, "filterset_fields", None)
        return bool(has_filterset) and any(issubclass(backend, DjangoFilterBackend) for backend in backends)

    def _delete_is_protected(self) -> bool:
        model = get_view_model(self.view, emit_warnings=False)
        if model is None:
            return False
        return any(getattr(relation, "on_delete", None) is models.PROTECT for relation in model._meta.related_objects)


# drf-spectacular's preprocessing hook: (path, path regex, method, view callback) for every endpoint.
_Endpoint = tuple[str, str, str, Callable[..., Any]]


def paths_without_trailing_slash(endpoints: list[_Endpoint], **kwargs: Any) -> list[_Endpoint]:
    """Paths as clients write them (`/customers`, not `/customers/`); both answer the same, with no redirect."""
    return [(path.rstrip("/") or "/", path_regex, method, callback) for path, path_regex, method, callback in endpoints]
