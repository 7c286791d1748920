"""Every API route is in the OpenAPI schema with every method its view answers, read off
Django's URL resolver: a new endpoint without a schema fails here. The schema validates
without a warning (what `manage.py spectacular --validate --fail-on-warn` checks)."""

import re
from collections.abc import Iterator
from typing import Any

import pytest
import yaml
from django.core.management import call_command
from django.urls import URLPattern, URLResolver, get_resolver

from backend.openapi import EXTRA_PATHS

# The schema and its viewer describe the API; they are not part of it.
NOT_API = {"/api/schema/", "/api/docs/"}
METHODS = ["get", "post", "put", "patch", "delete"]


def routes(patterns: list[Any], prefix: str = "") -> Iterator[tuple[str, Any]]:
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            yield from routes(pattern.url_patterns, prefix + str(pattern.pattern))
        elif isinstance(pattern, URLPattern):
            yield prefix + str(pattern.pattern), pattern.callback


def template(route: str) -> str:
    """`api/network/^people/(?P<pk>[^/.]+)/$` -> `/api/network/people/{id}/`, as the schema
    spells it (drf-spectacular names a model's `pk` parameter `id`)."""
    route = route.replace("^", "").replace("$", "")
    route = re.sub(r"\(\?P<(\w+)>[^)]*\)", r"{\1}", route)
    route = re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", route)
    return "/" + route.replace("{pk}", "{id}")


def methods(callback: Any) -> set[str]:
    view_class = getattr(callback, "cls", None) or getattr(callback, "view_class", None)
    if view_class is None:
        return {"get"}
    answered = set(view_class.http_method_names) & set(METHODS)
    actions = getattr(callback, "actions", None)
    if actions is not None:  # a viewset: the router's methods it does not turn away
        return set(actions) & answered
    return {method for method in answered if hasattr(view_class, method)}


def api_routes() -> dict[str, set[str]]:
    found: dict[str, set[str]] = {}
    for route, callback in routes(get_resolver().url_patterns):
        path = template(route)
        if path.startswith("/api/") and path not in NOT_API:
            found.setdefault(path, set()).update(methods(callback))
    return found


@pytest.fixture(scope="module")
def schema(tmp_path_factory: Any, django_db_blocker: Any) -> dict[str, Any]:
    path = tmp_path_factory.mktemp("schema") / "schema.yml"
    with django_db_blocker.unblock():
        call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(path))
    return yaml.safe_load(path.read_text())


def test_it_reads_the_api_routes_off_the_resolver() -> None:
    found = api_routes()

    assert found["/api/network/people/{id}/"] == {"get", "patch", "delete"}
    assert found["/api/rules/{id}/enable/"] == {"post"}
    assert found["/api/events/{event_uuid}/registration/"] >= {"get", "post", "delete"}


def test_every_api_route_and_method_is_in_the_schema(schema: dict[str, Any]) -> None:
    missing = [
        f"{method.upper()} {path}"
        for path, answered in sorted(api_routes().items())
        for method in sorted(answered)
        if method not in schema["paths"].get(path, {})
    ]

    assert missing == []


def test_every_operation_documents_its_refusals(schema: dict[str, Any]) -> None:
    undocumented = []
    for path, item in schema["paths"].items():
        for method, operation in item.items():
            codes = set(operation["responses"])
            expected = set()
            if "requestBody" in operation:
                expected |= {"400", "403", "415"}
            if "{" in path:
                expected.add("404")
            if expected - codes:
                undocumented.append(f"{method.upper()} {path}: {sorted(expected - codes)}")

    assert undocumented == []


def test_writes_with_a_session_name_the_csrf_header(schema: dict[str, Any]) -> None:
    scheme = schema["components"]["securitySchemes"]["csrfToken"]
    assert (scheme["in"], scheme["name"]) == ("header", "X-CSRFToken")
    patch = schema["paths"]["/api/network/people/{id}/"]["patch"]
    assert {"cookieAuth": [], "csrfToken": []} in patch["security"]
    get = schema["paths"]["/api/network/people/{id}/"]["get"]
    assert {"cookieAuth": []} in get["security"]


def test_the_json_documents_outside_api_are_in_the_schema(schema: dict[str, Any]) -> None:
    assert set(EXTRA_PATHS) <= set(schema["paths"])
