"""Fuzzing the query parameters and headers of every GET resource: statements, documents,
Activities and Agents (Communication §2.1.3, §2.2-§2.7), as parameters and as raw query
strings with broken escapes.

Whatever is asked: never a 5xx, every refusal a JSON message, nothing written, and a
statements answer whose `more` link can be followed.
"""

import base64
from typing import Any

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from tests.learning_records.fuzz import strategies as fs
from tests.learning_records.fuzz.calls import Call
from tests.learning_records.fuzz.checks import exchange
from tests.learning_records.fuzz.conftest import FUZZ, rolled_back
from tests.learning_records.fuzz.world import DOCUMENT_RESOURCES, STATEMENTS

pytestmark = pytest.mark.django_db

STATEMENT_PARAMS: dict[str, st.SearchStrategy[str]] = {
    "agent": fs.agent_params(),
    "verb": fs.IRIS,
    "activity": fs.IRIS,
    "registration": fs.UUIDISH,
    "related_activities": fs.BOOLEANS,
    "related_agents": fs.BOOLEANS,
    "since": fs.TIMESTAMPS,
    "until": fs.TIMESTAMPS,
    "limit": fs.LIMITS,
    "format": st.sampled_from(["exact", "ids", "canonical"]) | fs.PARAM_TEXT,
    "attachments": fs.BOOLEANS,
    "ascending": fs.BOOLEANS,
    "cursor": fs.cursors(),
    "statementId": fs.UUIDISH,
    "voidedStatementId": fs.UUIDISH,
}
RESOURCES = [STATEMENTS, *sorted(DOCUMENT_RESOURCES), "/xapi/activities", "/xapi/agents"]
QUERY_PIECES = st.sampled_from(
    [
        *(f"{name}=" for name in STATEMENT_PARAMS),
        "activityId=",
        "stateId=",
        "profileId=",
        "method=GET",
        "%00",
        "%ff",
        "%ed%a0%80",
        "%",
        "%zz",
        "&",
        ";",
        "=",
        "+",
    ]
) | st.text(st.characters(min_codepoint=0x20, max_codepoint=0x7E), max_size=8)


@st.composite
def statement_queries(draw: st.DrawFn) -> dict[str, str]:
    names = draw(st.lists(st.sampled_from(sorted(STATEMENT_PARAMS)), max_size=4, unique=True))
    params = {name: draw(STATEMENT_PARAMS[name]) for name in names}
    if draw(st.integers(0, 9)) == 0:
        params[draw(fs.PARAM_TEXT)] = draw(fs.PARAM_TEXT)
    return params


def _headers(draw: st.DrawFn) -> dict[str, str | None]:
    headers: dict[str, str | None] = {"X-Experience-API-Version": draw(fs.VERSIONS)}
    if draw(st.booleans()):
        headers["Accept-Language"] = draw(fs.ACCEPT_LANGUAGES)
    if draw(st.integers(0, 3)) == 0:
        headers["If-None-Match"] = draw(fs.ETAG_HEADERS)
    if draw(st.integers(0, 9)) == 0:
        headers["Authorization"] = draw(fs.AUTHORIZATIONS)
    return headers


@st.composite
def statement_gets(draw: st.DrawFn) -> Call:
    method = draw(st.sampled_from(["GET", "GET", "HEAD"]))
    return Call(method, STATEMENTS, draw(statement_queries()), headers=_headers(draw))


@st.composite
def raw_gets(draw: st.DrawFn) -> Call:
    path = draw(st.sampled_from(RESOURCES))
    query = "".join(draw(st.lists(QUERY_PIECES, max_size=12)))
    return Call(draw(st.sampled_from(["GET", "HEAD"])), path, headers=_headers(draw), query=query)


@st.composite
def activity_and_agent_gets(draw: st.DrawFn) -> Call:
    if draw(st.booleans()):
        path, params = "/xapi/activities", {"activityId": draw(fs.IRIS | fs.PARAM_TEXT)}
    else:
        path, params = "/xapi/agents", {"agent": draw(fs.agent_params())}
    if draw(st.integers(0, 4)) == 0:
        params = draw(st.dictionaries(fs.PARAM_TEXT, fs.PARAM_TEXT, max_size=2))
    return Call(draw(st.sampled_from(["GET", "HEAD"])), path, params, headers=_headers(draw))


def _follow_more(lrs: Any, call: Call, response: Any, organisation_id: int) -> None:
    """A `more` link leads to the next page (Communication §2.1.3: an IRL to follow)."""
    if call.method != "GET" or response.status_code != 200 or call.params.get("attachments"):
        return
    more = response.json().get("more")
    if more:
        path, _, query = more.partition("?")
        follow = Call("GET", path, headers=call.headers, query=query)
        assert exchange(lrs, follow, organisation_id=organisation_id).status_code == 200


def _cursor(text: str) -> str:
    return base64.urlsafe_b64encode(text.encode()).decode()


@FUZZ
@given(call=statement_gets())
@example(call=Call("GET", STATEMENTS, {"limit": "²"}))
@example(call=Call("GET", STATEMENTS, {"limit": "9" * 5000}))
@example(call=Call("GET", STATEMENTS, {"cursor": _cursor("2024-01-01T00:00:00Z|" + "9" * 25)}))
def test_a_statement_query_is_answered_and_writes_nothing(seeded, organisation, call):
    with rolled_back():
        response = exchange(seeded, call, organisation_id=organisation.id)
        _follow_more(seeded, call, response, organisation.id)


@FUZZ
@given(call=raw_gets())
def test_a_raw_query_string_is_answered_and_writes_nothing(seeded, organisation, call):
    with rolled_back():
        exchange(seeded, call, organisation_id=organisation.id)


@FUZZ
@given(call=activity_and_agent_gets())
def test_an_activity_or_agent_query_is_answered(seeded, organisation, call):
    with rolled_back():
        response = exchange(seeded, call, organisation_id=organisation.id)
    if call.method == "GET" and response.status_code == 200:
        assert response.json()["objectType"] in ("Activity", "Person")
        assert response["ETag"].startswith('"')


@FUZZ
@given(limit=st.integers(1, 4), ascending=st.sampled_from(["true", "false"]))
def test_paging_returns_every_statement_once(seeded, organisation, limit, ascending):
    """Following `more` to the end sees each stored statement once, in order."""
    seen: list[str] = []
    call = Call("GET", STATEMENTS, {"limit": str(limit), "ascending": ascending})
    with rolled_back():
        while True:
            page = exchange(seeded, call, organisation_id=organisation.id).json()
            seen += [statement["id"] for statement in page["statements"]]
            if not page["more"]:
                break
            path, _, query = page["more"].partition("?")
            call = Call("GET", path, query=query)
    assert len(seen) == len(set(seen)) == 4  # the seeded five, one of them voided
