"""Bad requests to the document resources get a 4xx naming the problem and store nothing
(xAPI 1.0.3 Communication §2.3-§2.7, §3.2)."""

import json
from typing import Any
from urllib.parse import urlencode

import pytest

from learning_records.models import Document
from tests.learning_records.documents.conftest import (
    ACTIVITY_PROFILE,
    AGENT_PROFILE,
    LEFT_OUT,
    RESOURCES,
    STATE,
    Resource,
    address,
    call,
)

pytestmark = pytest.mark.django_db
CONCURRENCY = {"If-None-Match": "*"}

# (resource, method, query overrides, what the message names)
BAD_PARAMETERS: list[tuple[Resource, str, dict[str, Any], str]] = [
    (STATE, "PUT", {"activityId": LEFT_OUT}, "activityId parameter is required"),
    (STATE, "POST", {"activityId": LEFT_OUT}, "activityId parameter is required"),
    (STATE, "GET", {"activityId": LEFT_OUT}, "activityId parameter is required"),
    (STATE, "DELETE", {"activityId": LEFT_OUT}, "activityId parameter is required"),
    (STATE, "PUT", {"activityId": "not an iri"}, "activityId must be an IRI"),
    (STATE, "PUT", {"agent": LEFT_OUT}, "agent parameter is required"),
    (STATE, "GET", {"agent": LEFT_OUT}, "agent parameter is required"),
    (STATE, "DELETE", {"agent": LEFT_OUT}, "agent parameter is required"),
    (STATE, "PUT", {"agent": "not JSON"}, "agent must be an Agent or Group as JSON"),
    (STATE, "POST", {"agent": "true"}, "agent is not a valid Agent"),
    (STATE, "GET", {"agent": {"name": "Aino"}}, "agent is not a valid Agent"),
    (STATE, "PUT", {"agent": {"objectType": "Group", "member": []}}, "agent is not"),
    (STATE, "PUT", {"activityId": "https://x.example.fi/\x00"}, "activityId' contains a NUL"),
    (STATE, "GET", {"stateId": "a\x00b"}, "stateId' contains a NUL"),
    (STATE, "PUT", {"agent": {"account": {"homePage": "https://x.fi", "name": "\x00"}}}, "NUL"),
    (STATE, "POST", {"agent": '{"mbox": "mailto:a@x.fi", "name": "\\ud800"}'}, "surrogate"),
    (STATE, "PUT", {"registration": "true"}, "registration must be a UUID"),
    (STATE, "GET", {"registration": "true"}, "registration must be a UUID"),
    (STATE, "DELETE", {"registration": "true"}, "registration must be a UUID"),
    (STATE, "PUT", {"stateId": LEFT_OUT}, "stateId parameter is required"),
    (STATE, "POST", {"stateId": LEFT_OUT}, "stateId parameter is required"),
    (STATE, "PUT", {"stateId": ""}, "stateId must not be empty"),
    (STATE, "GET", {"stateId": LEFT_OUT, "since": "not a timestamp"}, "since must be an ISO"),
    (STATE, "GET", {"since": "2024-01-01T00:00:00Z"}, "unknown parameter 'since'"),
    (STATE, "PUT", {"StateId": "x"}, "unknown parameter 'StateId'"),
    (STATE, "DELETE", {"stateId": LEFT_OUT, "since": "2024-01-01T00:00:00Z"}, "'since'"),
    (ACTIVITY_PROFILE, "PUT", {"activityId": LEFT_OUT}, "activityId parameter is required"),
    (ACTIVITY_PROFILE, "GET", {"activityId": LEFT_OUT}, "activityId parameter is required"),
    (ACTIVITY_PROFILE, "PUT", {"profileId": LEFT_OUT}, "profileId parameter is required"),
    (ACTIVITY_PROFILE, "POST", {"profileId": LEFT_OUT}, "profileId parameter is required"),
    (ACTIVITY_PROFILE, "DELETE", {"profileId": LEFT_OUT}, "profileId parameter is required"),
    (ACTIVITY_PROFILE, "PUT", {"agent": {"mbox": "mailto:a@example.fi"}}, "'agent'"),
    (ACTIVITY_PROFILE, "GET", {"profileId": LEFT_OUT, "since": "yesterday"}, "since must be"),
    (AGENT_PROFILE, "PUT", {"agent": LEFT_OUT}, "agent parameter is required"),
    (AGENT_PROFILE, "POST", {"agent": "true"}, "agent is not a valid Agent"),
    (AGENT_PROFILE, "DELETE", {"agent": "true"}, "agent is not a valid Agent"),
    (AGENT_PROFILE, "GET", {"agent": "true"}, "agent is not a valid Agent"),
    (AGENT_PROFILE, "DELETE", {"profileId": LEFT_OUT}, "profileId parameter is required"),
    (AGENT_PROFILE, "PUT", {"activityId": "https://x.example.fi/a"}, "'activityId'"),
]


@pytest.mark.parametrize(
    ("resource", "method", "params", "message"),
    BAD_PARAMETERS,
    ids=[f"{r}-{m}-{'-'.join(p)}" for r, m, p, _ in BAD_PARAMETERS],
)
def test_it_refuses_bad_parameters_with_400_naming_them(lrs, resource, method, params, message):
    query = dict(params)
    document_id = query.pop(resource.id_name, "doc-1")
    url = address(resource, None if document_id is LEFT_OUT else document_id, **query)
    body = b"" if method in ("GET", "DELETE") else b'{"a": 1}'

    response = call(lrs, method, url, body, headers=CONCURRENCY)

    assert response.status_code == 400, response.content
    assert message in json.dumps(response.json())
    assert not Document.objects.exists()


@pytest.mark.parametrize("resource", [STATE, AGENT_PROFILE], ids=str)
def test_it_refuses_agent_json_with_a_broken_encoding(lrs, resource):
    """XAPI-00235, XAPI-00284: a mangled agent parameter is a 400, never a 500."""
    url = address(resource, agent=LEFT_OUT) + '&agent={"objectType"%22"Agent"}'

    response = call(lrs, "POST", url, {"a": 1})

    assert response.status_code == 400
    assert not Document.objects.exists()


@pytest.mark.parametrize("resource", RESOURCES, ids=str)
def test_it_refuses_a_body_over_the_limit_with_413(lrs, resource, settings):
    settings.KIPINA_XAPI_MAX_BODY_BYTES = 2048

    response = call(lrs, "PUT", address(resource), b"x" * 4096, content_type="text/plain")

    assert response.status_code == 413
    assert not Document.objects.exists()


@pytest.mark.parametrize(
    "content_type",
    ["text/plain; name=" + "x" * 300, "text/plain; name=\u20ac"],
    ids=["long", "euro"],
)
def test_it_refuses_a_content_type_it_cannot_return(lrs, content_type):
    """A form field of the alternate syntax can carry any text as Content-Type."""
    lrs.headers["X-Experience-API-Version"] = "1.0.3"
    form = {"content": "data", "Content-Type": content_type, **STATE.context, "stateId": "x"}
    form["agent"] = json.dumps(form["agent"])

    response = call(
        lrs,
        "POST",
        f"{STATE.path}?method=PUT",
        urlencode(form),
        content_type="application/x-www-form-urlencoded",
    )

    assert response.status_code == 400
    assert "Content-Type must be printable ASCII" in response.json()["message"]


def test_it_answers_405_with_the_allowed_methods(lrs):
    response = call(lrs, "PATCH", address(STATE), {"a": 1})

    assert response.status_code == 405
    assert response["Allow"] == "GET, PUT, POST, DELETE, HEAD"


def test_it_refuses_a_request_without_a_version_header(lrs):
    del lrs.headers["X-Experience-API-Version"]

    response = call(lrs, "GET", address(STATE))

    assert response.status_code == 400
    assert "X-Experience-API-Version" in response.json()["message"]
    assert response["X-Experience-API-Version"]
