"""The OpenAPI schema's house rules (drf-spectacular): every /api/ operation documents the
error answers DRF and our mixins can give it, so a client (and the schemathesis run in
tests/backend/test_schemathesis.py) can rely on the schema for every status code.

A view's own `@extend_schema(responses=...)` wins: the defaults here are only added where
the view says nothing about that status code."""

from typing import Any

from drf_spectacular import openapi
from rest_framework import serializers
from rest_framework.permissions import AllowAny

SAFE_METHODS = {"GET", "HEAD", "OPTIONS"}
# DRF's TimeField writes "20:00:00"; JSON Schema's "time" format (RFC 3339 full-time)
# requires a UTC offset, so a validator would refuse every time we send.
TIME_PATTERN = r"^([01]\d|2[0-3]):[0-5]\d(:[0-5]\d(\.\d{1,6})?)?$"


class ErrorSerializer(serializers.Serializer[Any]):
    """DRF's shape for every refusal that is not a field-by-field validation error."""

    detail = serializers.CharField(help_text="what is wrong, in the request's language")


# DRF's validation error: each field name (or `detail`, or `non_field_errors`) maps to its
# messages, nested like the body. Only the map is fixed: the keys are the request's fields.
VALIDATION_ERROR = {"type": "object", "additionalProperties": {}}


class AutoSchema(openapi.AutoSchema):
    def get_operation(
        self,
        path: str,
        path_regex: str,
        path_prefix: str,
        method: str,
        registry: Any,
    ) -> dict[str, Any] | None:
        operation = super().get_operation(path, path_regex, path_prefix, method, registry)
        if operation is None:
            return None
        for status, response in self._error_responses(operation).items():
            operation["responses"].setdefault(status, response)
        if self.method not in SAFE_METHODS:
            operation["security"] = self._with_csrf(operation.get("security", []))
        return operation

    def _error_responses(self, operation: dict[str, Any]) -> dict[str, dict[str, Any]]:
        locations = {parameter["in"] for parameter in operation.get("parameters", [])}
        has_body = "requestBody" in operation
        errors: dict[str, dict[str, Any]] = {}
        if has_body or "query" in locations:
            errors["400"] = self._error(
                VALIDATION_ERROR, "invalid input: each field (or `detail`) names its problem"
            )
        if not self._is_public() or self.method not in SAFE_METHODS:
            errors["403"] = self._error(
                ErrorSerializer,
                "not signed in, no valid CSRF token (writes), or not allowed to do this",
            )
        if "path" in locations:
            errors["404"] = self._error(ErrorSerializer, "no such object that you may see")
        elif self._is_list_view() and self._get_paginator() is not None:
            # DRF's page number pagination answers a page past the last with 404.
            errors["404"] = self._error(ErrorSerializer, "no such page")
        if has_body and hasattr(self.view, "max_body_bytes"):
            errors["413"] = self._error(ErrorSerializer, "the body is larger than the limit")
        if has_body:
            errors["415"] = self._error(ErrorSerializer, "the body's Content-Type is not accepted")
        return errors

    def _error(self, shape: Any, description: str) -> dict[str, Any]:
        schema = shape
        if isinstance(shape, type):
            schema = self.resolve_serializer(shape, "response").ref
        return {"description": description, "content": {"application/json": {"schema": schema}}}

    def _is_public(self) -> bool:
        permissions = self.view.get_permissions()
        return all(isinstance(permission, AllowAny) for permission in permissions)

    def _with_csrf(self, security: list[dict[str, list[str]]]) -> list[dict[str, list[str]]]:
        # Django's session authentication needs the CSRF token with every write.
        return [
            {**requirement, "csrfToken": []} if "cookieAuth" in requirement else requirement
            for requirement in security
        ]

    def _map_serializer_field(
        self, field: Any, direction: Any, bypass_extensions: bool = False
    ) -> Any:
        if isinstance(field, serializers.TimeField) and not bypass_extensions:
            meta = self._get_serializer_field_meta(field, direction)
            return {"type": "string", "pattern": TIME_PATTERN, "example": "20:00", **meta}
        return super()._map_serializer_field(field, direction, bypass_extensions)


# --- JSON documents outside /api/ ---------------------------------------------------------
# Plain Django views (content negotiation, files, streams) that clients read as an API: the
# learner's data export and the Open Badges documents. Described here by hand, since
# drf-spectacular sees only DRF views; tests/backend/test_schemathesis.py runs them too.

JSON_LD = "application/ld+json"
# Every Open Badges document (2.0 and 3.0) is JSON-LD with a context and its own IRI.
LINKED_DATA = {
    "type": "object",
    "required": ["@context", "id"],
    "properties": {"@context": {}, "id": {"type": "string"}},
}
OB2_NEGOTIATED = {
    JSON_LD: {"schema": LINKED_DATA},
    "application/json": {"schema": LINKED_DATA},
    "text/html": {"schema": {"type": "string"}},
}
NOT_FOUND_PAGE = {"description": "no such document", "content": {"text/html": {}}}


def _uuid_parameter(name: str = "uuid") -> dict[str, Any]:
    return {
        "in": "path",
        "name": name,
        "required": True,
        "schema": {"type": "string", "format": "uuid"},
    }


def _document(
    summary: str,
    content: dict[str, Any],
    *,
    parameters: list[dict[str, Any]] | None = None,
    errors: dict[str, Any] | None = None,
    security: list[dict[str, list[str]]] | None = None,
) -> dict[str, Any]:
    responses = {"200": {"description": summary, "content": content}}
    if parameters:
        responses["404"] = NOT_FOUND_PAGE
    operation = {
        "operationId": "document_" + summary.lower().replace(" ", "_").replace("'", ""),
        "summary": summary,
        "tags": ["documents"],
        "parameters": parameters or [],
        "responses": {**responses, **(errors or {})},
        "security": security if security is not None else [{}],
    }
    return {"get": operation}


_OWN: list[dict[str, list[str]]] = [{"cookieAuth": []}]
_OWN_ERRORS = {
    "403": {
        "description": "not signed in, or signed in without a person",
        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}},
    },
    "410": {
        "description": "the badge was revoked",
        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}},
    },
}

EXTRA_PATHS: dict[str, dict[str, Any]] = {
    "/me/export.json": _document(
        "Everything held about me",
        {"application/json": {"schema": {"type": "object"}}},
        security=_OWN,
        errors={
            "302": {"description": "not signed in: to the login page"},
            "403": {"description": "signed in without a person", "content": {"text/html": {}}},
        },
    ),
    "/badges/issuers/{uuid}": _document(
        "Open Badges 2.0 issuer", OB2_NEGOTIATED, parameters=[_uuid_parameter()]
    ),
    "/badges/classes/{uuid}": _document(
        "Open Badges 2.0 badge class", OB2_NEGOTIATED, parameters=[_uuid_parameter()]
    ),
    "/badges/assertions/{uuid}": _document(
        "Open Badges 2.0 assertion",
        OB2_NEGOTIATED,
        parameters=[_uuid_parameter()],
        errors={
            "410": {
                "description": "erased at the learner's request: a stub that says so",
                "content": {"application/json": {"schema": LINKED_DATA}},
            }
        },
    ),
    "/badges/contexts/{name}.json": _document(
        "Bundled JSON-LD context",
        {JSON_LD: {"schema": {"type": "object", "required": ["@context"]}}},
        parameters=[{"in": "path", "name": "name", "required": True, "schema": {"type": "string"}}],
    ),
    "/badges/v3/keys": _document(
        "Issuer's public keys (JWKS)",
        {
            "application/jwk-set+json": {
                "schema": {
                    "type": "object",
                    "required": ["keys"],
                    "properties": {"keys": {"type": "array", "items": {"type": "object"}}},
                }
            }
        },
    ),
    "/badges/v3/keys/{thumbprint}": _document(
        "One public key (JWK)",
        {"application/jwk+json": {"schema": {"type": "object", "required": ["kty"]}}},
        parameters=[
            {"in": "path", "name": "thumbprint", "required": True, "schema": {"type": "string"}}
        ],
    ),
    "/badges/v3/did.json": _document(
        "Issuer's DID document",
        {"application/did+json": {"schema": {"type": "object", "required": ["id"]}}},
    ),
    "/badges/v3/issuers/{uuid}": _document(
        "Open Badges 3.0 issuer profile",
        {JSON_LD: {"schema": LINKED_DATA}},
        parameters=[_uuid_parameter()],
    ),
    "/badges/v3/achievements/{uuid}": _document(
        "Open Badges 3.0 achievement",
        {JSON_LD: {"schema": LINKED_DATA}},
        parameters=[_uuid_parameter()],
    ),
    "/badges/v3/credentials/{uuid}.json": _document(
        "My Open Badges 3.0 credential",
        {JSON_LD: {"schema": {"type": "object", "required": ["@context", "credentialSubject"]}}},
        parameters=[_uuid_parameter()],
        errors=_OWN_ERRORS,
        security=_OWN,
    ),
}


def add_json_documents(result: dict[str, Any], **kwargs: Any) -> dict[str, Any]:
    """drf-spectacular postprocessing hook: the documents above join the generated paths."""
    result["paths"].update(EXTRA_PATHS)
    return result
