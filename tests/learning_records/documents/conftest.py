"""Addresses of the three document resources and a client call that takes any method."""

import hashlib
import json
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

import pytest

from tests.conftest import XapiClient, make_lrs_client

ACTIVITY_ID = "https://lms.example.fi/course/battery-101/module/3"
AGENT = {"objectType": "Agent", "mbox": "mailto:aino@example.fi"}
REGISTRATION = "ec531277-b57b-4c15-8d91-d292c5b2b8f7"
LEFT_OUT = object()
"""Pass as a parameter value to `address` to leave a context parameter out."""


@dataclass(frozen=True)
class Resource:
    name: str
    path: str
    id_name: str
    context: dict[str, Any]

    def __str__(self) -> str:
        return self.name


STATE = Resource(
    "state", "/xapi/activities/state", "stateId", {"activityId": ACTIVITY_ID, "agent": AGENT}
)
ACTIVITY_PROFILE = Resource(
    "activity-profile", "/xapi/activities/profile", "profileId", {"activityId": ACTIVITY_ID}
)
AGENT_PROFILE = Resource("agent-profile", "/xapi/agents/profile", "profileId", {"agent": AGENT})
RESOURCES = [STATE, ACTIVITY_PROFILE, AGENT_PROFILE]
PROFILES = [ACTIVITY_PROFILE, AGENT_PROFILE]


def quoted_sha1(content: bytes) -> str:
    """The ETag the spec asks for, computed here independently of the LRS's code."""
    return f'"{hashlib.sha1(content, usedforsecurity=False).hexdigest()}"'


def address(resource: Resource, document_id: str | None = "doc-1", **params: Any) -> str:
    """The resource's URL for one document (or, with document_id=None, for its context)."""
    query: dict[str, Any] = {**resource.context, **params}
    if document_id is not None:
        query[resource.id_name] = document_id
    encoded = {
        name: json.dumps(value) if isinstance(value, (dict, list)) else value
        for name, value in query.items()
        if value is not LEFT_OUT
    }
    return f"{resource.path}?{urlencode(encoded)}"


def call(
    lrs: XapiClient,
    method: str,
    url: str,
    body: Any = b"",
    *,
    content_type: str = "application/json",
    headers: dict[str, str] | None = None,
) -> Any:
    data = body if isinstance(body, (bytes, str)) else json.dumps(body).encode()
    return lrs.http.generic(
        method, url, data, content_type=content_type, headers={**lrs.headers, **(headers or {})}
    )


def create(
    lrs: XapiClient,
    resource: Resource,
    body: Any,
    *,
    content_type: str = "application/json",
    **params: Any,
) -> Any:
    """A new document, with the If-None-Match header 1.0.3 wants on a profile PUT."""
    response = call(
        lrs,
        "PUT",
        address(resource, **params),
        body,
        content_type=content_type,
        headers={"If-None-Match": "*"},
    )
    assert response.status_code == 204, response.content
    return response


@pytest.fixture
def scoped_lrs(organisation: Any) -> Any:
    """Makes a client of `organisation` with the given scopes."""
    made = 0

    def make(*scopes: str) -> XapiClient:
        nonlocal made
        made += 1
        return make_lrs_client(organisation, f"scoped-{made}", scopes=scopes)[1]

    return make
