"""The Agents resource (xAPI 1.0.3 Communication §2.4): the Person object of an Agent."""

import json

import pytest

from tests.conftest import make_lrs_client
from tests.xapi_samples import SHA1, make_agent, new_statement

pytestmark = pytest.mark.django_db

STATEMENTS = "/xapi/statements"
AGENTS = "/xapi/agents"


def person(lrs, agent: dict) -> dict:
    response = lrs.get(AGENTS, {"agent": json.dumps(agent)})
    assert response.status_code == 200, response.content
    return response.json()


@pytest.mark.parametrize(
    ("agent", "expected"),
    [
        (
            {"objectType": "Agent", "name": "Aino", "mbox": "mailto:aino@example.fi"},
            {"objectType": "Person", "name": ["Aino"], "mbox": ["mailto:aino@example.fi"]},
        ),
        ({"mbox_sha1sum": SHA1}, {"objectType": "Person", "mbox_sha1sum": [SHA1]}),
        (
            {"openid": "https://openid.example.fi/aino"},
            {"objectType": "Person", "openid": ["https://openid.example.fi/aino"]},
        ),
        (
            {"account": {"homePage": "https://lms.example.fi", "name": "aino"}},
            {
                "objectType": "Person",
                "account": [{"homePage": "https://lms.example.fi", "name": "aino"}],
            },
        ),
    ],
    ids=["mbox", "mbox_sha1sum", "openid", "account"],
)
def test_it_answers_an_agent_it_never_saw_with_a_person_of_that_agent(lrs, agent, expected):
    """Communication §2.4.s3.b3: the Person holds what the request gave, in arrays."""
    assert person(lrs, agent) == expected


def test_it_adds_the_names_statements_gave_the_agent(lrs):
    for name in ("Aino Virtanen", "A. Virtanen", "Aino Virtanen"):
        lrs.post(STATEMENTS, new_statement(actor=make_agent(name=name)))
    lrs.post(STATEMENTS, new_statement(actor=make_agent(name="Eero", mbox="mailto:eero@x.fi")))

    found = person(lrs, {"mbox": "mailto:aino@example.fi", "name": "Aino"})

    assert found["name"] == ["Aino", "Aino Virtanen", "A. Virtanen"]
    assert found["mbox"] == ["mailto:aino@example.fi"]


def test_it_takes_no_names_from_clients_that_may_not_define(lrs, organisation):
    """Communication §4.2 (define): only such clients change the LRS's view of actors."""
    _, writer = make_lrs_client(organisation, "no-define", scopes=["statements/write"])
    writer.post(STATEMENTS, new_statement(actor=make_agent(name="Someone Else")))

    assert "name" not in person(lrs, {"mbox": "mailto:aino@example.fi"})


def test_it_takes_no_names_from_another_tenant(lrs, other_lrs):
    other_lrs.post(STATEMENTS, new_statement(actor=make_agent(name="Valmet's Aino")))

    assert "name" not in person(lrs, {"mbox": "mailto:aino@example.fi"})


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({}, "agent parameter is required"),
        ({"agent": "not json"}, "agent must be an Agent or Group as JSON"),
        ({"agent": json.dumps({"name": "Rick James"})}, "agent is not a valid Agent"),
        (
            {"agent": json.dumps({"objectType": "Group", "mbox": "mailto:team@example.fi"})},
            "agent must be an Agent, not a Group",
        ),
        ({"agent": json.dumps(make_agent()), "since": "x"}, "unknown parameter 'since'"),
        ({"agent": '{"mbox": "mailto:a@x.fi", "name": "\\udc00"}'}, "a lone surrogate"),
        ({"agent": '{"account": {"homePage": "https://x.fi", "name": "\\u0000"}}'}, "a NUL"),
    ],
    ids=["missing", "not-json", "no-identifier", "group", "unknown-parameter", "surrogate", "nul"],
)
def test_it_refuses_bad_parameters(lrs, params, message):
    """XAPI-00243, XAPI-00249."""
    response = lrs.get(AGENTS, params)

    assert response.status_code == 400
    assert message in response.json()["message"]


def test_it_answers_head_like_get(lrs):
    params = {"agent": json.dumps(make_agent())}
    get = lrs.get(AGENTS, params)

    head = lrs.http.head(AGENTS, params, headers=lrs.headers)

    assert (head.status_code, head.content) == (200, b"")
    assert head["ETag"] == get["ETag"]
    assert head["Content-Length"] == str(len(get.content))


@pytest.mark.parametrize(
    ("scopes", "status"),
    [(["statements/read"], 200), (["all"], 200), (["statements/read/mine"], 403), (["state"], 403)],
)
def test_reading_agents_needs_a_scope_that_reads_all_statements(organisation, scopes, status):
    _, client = make_lrs_client(organisation, "reader", scopes=scopes)

    assert client.get(AGENTS, {"agent": json.dumps(make_agent())}).status_code == status
