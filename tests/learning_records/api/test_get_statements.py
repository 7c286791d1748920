"""GET /xapi/statements: single statements and queries (xAPI 1.0.3 Communication §2.1.3)."""

import uuid
from datetime import UTC, datetime, timedelta

import pytest
import time_machine

from tests.xapi_samples import new_statement

pytestmark = pytest.mark.django_db

STATEMENTS = "/xapi/statements"
ANNA = {"objectType": "Agent", "mbox": "mailto:anna.virtanen@example.fi", "name": "Anna"}
MIKKO = {"objectType": "Agent", "account": {"homePage": "https://moodle.example.fi", "name": "42"}}
COMPLETED = "http://adlnet.gov/expapi/verbs/completed"
CHEMISTRY = "https://moodle.example.fi/course/view.php?id=11"


def post(lrs, *statements):
    response = lrs.post(STATEMENTS, list(statements))
    assert response.status_code == 200, response.content
    return response.json()


def listed(lrs, **params):
    response = lrs.get(STATEMENTS, params)
    assert response.status_code == 200, response.content
    return [s["id"] for s in response.json()["statements"]]


def test_it_returns_one_statement_by_id_with_last_modified(lrs):
    [statement_id] = post(lrs, new_statement())

    response = lrs.get(STATEMENTS, {"statementId": statement_id})

    assert response.status_code == 200
    assert response.json()["id"] == statement_id
    assert response["Last-Modified"].endswith("GMT")
    assert response["X-Experience-API-Consistent-Through"].endswith("Z")


def test_it_answers_404_for_an_unknown_id(lrs):
    response = lrs.get(STATEMENTS, {"statementId": str(uuid.uuid4())})

    assert response.status_code == 404


@pytest.mark.parametrize(
    "params",
    [
        {"statementId": "not-a-uuid"},
        {"statementId": str(uuid.uuid4()), "voidedStatementId": str(uuid.uuid4())},
        {"statementId": str(uuid.uuid4()), "verb": COMPLETED},
        {"statementId": str(uuid.uuid4()), "limit": "1"},
        {"limit": "-1"},
        {"limit": "ten"},
        {"ascending": "yes"},
        {"format": "full"},
        {"since": "last tuesday"},
        {"registration": "123"},
        {"agent": "anna@example.fi"},
        {"agent": '{"mbox": "anna@example.fi"}'},
        {"agent": '{"objectType": "Group", "member": [{"mbox": "mailto:a@example.fi"}]}'},
        {"verb": "not an iri"},
        {"Verb": COMPLETED},
        {"cursor": "forged"},
    ],
)
def test_it_refuses_bad_query_parameters_with_400(lrs, params):
    response = lrs.get(STATEMENTS, params)

    assert response.status_code == 400
    assert response.json()["message"]


def test_it_returns_a_statement_result_newest_first(lrs):
    first = post(lrs, new_statement())
    second = post(lrs, new_statement())

    response = lrs.get(STATEMENTS)

    assert response.json()["more"] == ""
    assert [s["id"] for s in response.json()["statements"]] == second + first


def test_it_returns_an_empty_result_when_nothing_matches(lrs):
    response = lrs.get(STATEMENTS, {"verb": COMPLETED})

    assert response.status_code == 200
    assert response.json() == {"statements": [], "more": ""}


def test_it_filters_by_agent_as_actor_or_object(lrs):
    [as_actor] = post(lrs, new_statement(actor=ANNA))
    [as_object] = post(lrs, new_statement(actor=MIKKO, object=ANNA))
    post(lrs, new_statement(actor=MIKKO))

    assert set(listed(lrs, agent='{"mbox": "mailto:anna.virtanen@example.fi"}')) == {
        as_actor,
        as_object,
    }


def test_it_matches_an_agent_inside_a_group_actor(lrs):
    """xAPI 1.0.3 Communication §2.1.3: groups whose members match the agent match."""
    team = {"objectType": "Group", "name": "Cell team", "member": [ANNA, MIKKO]}
    [statement_id] = post(lrs, new_statement(actor=team))

    assert listed(
        lrs, agent='{"account": {"homePage": "https://moodle.example.fi", "name": "42"}}'
    ) == [statement_id]


def test_it_filters_by_verb_activity_and_registration(lrs):
    registration = str(uuid.uuid4())
    [match] = post(
        lrs,
        new_statement(
            verb={"id": COMPLETED},
            object={"id": CHEMISTRY},
            context={"registration": registration},
        ),
    )
    post(lrs, new_statement(object={"id": CHEMISTRY}))
    post(lrs, new_statement(verb={"id": COMPLETED}))

    assert listed(lrs, verb=COMPLETED, activity=CHEMISTRY, registration=registration) == [match]


def test_it_widens_activity_and_agent_filters_with_related(lrs):
    statement = new_statement(
        context={
            "contextActivities": {"grouping": [{"id": CHEMISTRY}]},
            "instructor": ANNA,
        }
    )
    [statement_id] = post(lrs, statement)

    assert listed(lrs, activity=CHEMISTRY) == []
    assert listed(lrs, activity=CHEMISTRY, related_activities="true") == [statement_id]
    anna = '{"mbox": "mailto:anna.virtanen@example.fi"}'
    assert listed(lrs, agent=anna) == []
    assert listed(lrs, agent=anna, related_agents="true") == [statement_id]


def test_it_filters_by_stored_time_with_since_exclusive_and_until_inclusive(lrs):
    start = datetime(2026, 5, 4, 8, 0, tzinfo=UTC)
    ids = []
    for hour in range(3):
        with time_machine.travel(start + timedelta(hours=hour), tick=False):
            ids += post(lrs, new_statement())

    since = "2026-05-04T08:00:00Z"
    until = "2026-05-04T09:00:00+00:00"
    assert listed(lrs, since=since, until=until) == [ids[1]]


def test_it_orders_ascending_when_asked(lrs):
    ids = post(lrs, new_statement(), new_statement(), new_statement())

    assert listed(lrs, ascending="true") == ids


def test_it_pages_with_a_more_link_that_stays_stable_while_statements_arrive(lrs):
    ids = post(lrs, *[new_statement() for _ in range(5)])
    first = lrs.get(STATEMENTS, {"limit": "2"}).json()
    post(lrs, new_statement())  # arrives between pages

    seen = [s["id"] for s in first["statements"]]
    more = first["more"]
    while more:
        assert more.startswith("/xapi/statements?")
        page = lrs.http.get(more, headers=lrs.headers).json()
        seen += [s["id"] for s in page["statements"]]
        more = page["more"]

    assert seen == list(reversed(ids))


def test_it_keeps_the_query_in_the_more_link(lrs):
    post(lrs, *[new_statement(verb={"id": COMPLETED}) for _ in range(3)])
    post(lrs, new_statement(verb={"id": "http://adlnet.gov/expapi/verbs/attempted"}))

    first = lrs.get(STATEMENTS, {"limit": "2", "verb": COMPLETED}).json()
    second = lrs.http.get(first["more"], headers=lrs.headers).json()

    assert len(first["statements"]) == 2
    assert len(second["statements"]) == 1
    assert second["more"] == ""


def test_it_reduces_objects_to_identifiers_with_format_ids(lrs):
    [statement_id] = post(lrs, new_statement(actor=ANNA))

    got = lrs.get(STATEMENTS, {"statementId": statement_id, "format": "ids"}).json()

    assert got["actor"] == {"objectType": "Agent", "mbox": ANNA["mbox"]}
    assert set(got["verb"]) == {"id"}
    assert "definition" not in got["object"]


def test_it_picks_one_language_with_format_canonical(lrs):
    statement = new_statement(
        object={
            "id": CHEMISTRY,
            "definition": {"name": {"en-US": "Battery chemistry", "fi-FI": "Akkukemia"}},
        }
    )
    [statement_id] = post(lrs, statement)

    got = lrs.get(
        STATEMENTS,
        {"statementId": statement_id, "format": "canonical"},
        headers={"Accept-Language": "fi-FI, en;q=0.5"},
    ).json()
    exact = lrs.get(STATEMENTS, {"statementId": statement_id}).json()

    assert got["object"]["definition"]["name"] == {"fi-FI": "Akkukemia"}
    assert len(exact["object"]["definition"]["name"]) == 2


def test_it_answers_head_with_headers_and_no_body(lrs):
    [statement_id] = post(lrs, new_statement())

    response = lrs.http.head(STATEMENTS, {"statementId": statement_id}, headers=lrs.headers)

    assert response.status_code == 200
    assert response.content == b""
    assert response["X-Experience-API-Version"] == "1.0.3"
