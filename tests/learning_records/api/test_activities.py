"""The Activities resource (xAPI 1.0.3 Communication §2.5): an Activity with its canonical
definition, kept up to date as statements are stored."""

import hashlib

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from learning_records.models import Activity
from tests.conftest import make_lrs_client
from tests.xapi_samples import make_activity, make_substatement, new_statement

pytestmark = pytest.mark.django_db

STATEMENTS = "/xapi/statements"
ACTIVITIES = "/xapi/activities"
ACTIVITY_ID = make_activity()["id"]


def activity(lrs, activity_id: str = ACTIVITY_ID):
    response = lrs.get(ACTIVITIES, {"activityId": activity_id})
    assert response.status_code == 200, response.content
    return response.json()


def statement_about(definition: dict, activity_id: str = ACTIVITY_ID) -> dict:
    return new_statement(
        object={"objectType": "Activity", "id": activity_id, "definition": definition}
    )


def test_it_returns_the_activity_as_a_statement_defined_it(lrs):
    """The suite's 'returns the complete Activity Object'."""
    statement = new_statement(object=make_activity())
    lrs.post(STATEMENTS, statement)

    assert activity(lrs) == statement["object"]


def test_it_answers_an_activity_it_never_saw_with_its_id(lrs):
    """Communication §2.5.s2.b1: an Activity Object even without a canonical definition."""
    never_seen = "https://lms.example.fi/never-seen"

    assert activity(lrs, never_seen) == {"objectType": "Activity", "id": never_seen}


def test_it_merges_the_languages_of_two_statements_in_one_batch(lrs):
    """XAPI-00254: both language descriptions are returned."""
    lrs.post(
        STATEMENTS,
        [
            statement_about({"name": {"en-US": "example meeting"}}),
            statement_about({"name": {"fr-FR": "réunion"}}),
        ],
    )

    assert activity(lrs)["definition"]["name"] == {"en-US": "example meeting", "fr-FR": "réunion"}


def test_a_later_statement_replaces_other_properties_and_adds_languages(lrs):
    lrs.post(
        STATEMENTS,
        statement_about(
            {
                "name": {"en-US": "Cell chemistry"},
                "type": "http://adlnet.gov/expapi/activities/module",
                "extensions": {"https://kipina.example.fi/x/credits": 2},
            }
        ),
    )
    lrs.post(
        STATEMENTS,
        statement_about(
            {
                "name": {"fi-FI": "Kennokemia"},
                "type": "http://adlnet.gov/expapi/activities/lesson",
                "extensions": {"https://kipina.example.fi/x/level": "basic"},
            }
        ),
    )

    assert activity(lrs)["definition"] == {
        "name": {"en-US": "Cell chemistry", "fi-FI": "Kennokemia"},
        "type": "http://adlnet.gov/expapi/activities/lesson",
        "extensions": {
            "https://kipina.example.fi/x/credits": 2,
            "https://kipina.example.fi/x/level": "basic",
        },
    }


def test_it_takes_definitions_from_context_activities_and_sub_statements(lrs):
    parent = make_activity(id="https://lms.example.fi/course/battery-101")
    inner = make_activity(id="https://lms.example.fi/course/battery-101/quiz")
    context = {"contextActivities": {"parent": [parent]}}
    lrs.post(STATEMENTS, new_statement(object=make_substatement(object=inner), context=context))

    assert activity(lrs, parent["id"])["definition"] == parent["definition"]
    assert activity(lrs, inner["id"])["definition"] == inner["definition"]


def test_it_compares_activity_ids_as_plain_strings(lrs):
    """The 2.0 battery's 4.2.7: RFC 3987 §5.3.1 simple string comparison, no dot segments
    resolved."""
    written = "http://example.com/path/../lesson"
    lrs.post(STATEMENTS, statement_about({"name": {"en": "Lesson"}}, activity_id=written))

    assert activity(lrs, written)["id"] == written
    assert "definition" not in activity(lrs, "http://example.com/lesson")


def test_it_ignores_definitions_from_a_client_without_the_define_scope(lrs, organisation):
    """Communication §4.2 (define): ids are stored, definitions do not become canonical."""
    lrs.post(STATEMENTS, statement_about({"name": {"en-US": "From a definer"}}))
    _, undefining = make_lrs_client(
        organisation, "no-define", scopes=["statements/write", "statements/read"]
    )

    undefining.post(STATEMENTS, statement_about({"name": {"en-US": "Overwritten?"}}))

    assert activity(lrs)["definition"] == {"name": {"en-US": "From a definer"}}


def test_it_keeps_each_tenants_definitions_apart(lrs, other_lrs):
    lrs.post(STATEMENTS, statement_about({"name": {"en-US": "Savonia's"}}))

    assert "definition" not in activity(other_lrs)


def test_it_does_not_change_the_definition_for_a_retried_statement(lrs):
    statement = statement_about({"name": {"en-US": "First"}})
    lrs.post(STATEMENTS, statement)
    lrs.post(STATEMENTS, statement_about({"name": {"en-US": "Second"}}))

    lrs.post(STATEMENTS, statement)  # the same id and content: stored once, defines nothing

    assert activity(lrs)["definition"]["name"] == {"en-US": "Second"}


@pytest.mark.parametrize("size", [1, 50])
def test_it_defines_a_batch_in_a_fixed_number_of_queries(lrs, size):
    """A plain read, a locking read, one update and one insert of canonical activities per
    batch, however many statements and activities it has: no query per statement."""
    old = [
        statement_about({"name": {"en": "old"}}, f"https://x.example.fi/{n}") for n in range(size)
    ]
    lrs.post(STATEMENTS, old)
    batch = [
        statement_about({"name": {"fi": "uusi"}}, f"https://x.example.fi/{n % (size * 2)}")
        for n in range(size * 4)
    ]

    with CaptureQueriesContext(connection) as queries:
        assert lrs.post(STATEMENTS, batch).status_code == 200

    table = Activity._meta.db_table
    assert len([q for q in queries.captured_queries if table in q["sql"]]) == 4
    assert Activity.objects.count() == size * 2
    assert activity(lrs, "https://x.example.fi/0")["definition"]["name"] == {
        "en": "old",
        "fi": "uusi",
    }


def test_a_batch_repeating_known_definitions_reads_once_and_locks_nothing(lrs):
    """Most batches repeat what the LRS already knows: they must not queue behind each
    other on row locks of the activities they share."""
    known = [
        statement_about({"name": {"en": "known"}}, f"https://x.example.fi/{n}") for n in range(20)
    ]
    lrs.post(STATEMENTS, known)
    again = [
        statement_about({"name": {"en": "known"}}, f"https://x.example.fi/{n}") for n in range(20)
    ]

    with CaptureQueriesContext(connection) as queries:
        assert lrs.post(STATEMENTS, again).status_code == 200

    table = Activity._meta.db_table
    reads = [q["sql"] for q in queries.captured_queries if table in q["sql"]]
    assert len(reads) == 1
    assert "FOR UPDATE" not in reads[0]
    assert activity(lrs, "https://x.example.fi/3")["definition"]["name"] == {"en": "known"}


def test_it_gives_the_answer_an_etag_and_answers_head(lrs):
    lrs.post(STATEMENTS, new_statement(object=make_activity()))
    get = lrs.get(ACTIVITIES, {"activityId": ACTIVITY_ID})

    head = lrs.http.head(ACTIVITIES, {"activityId": ACTIVITY_ID}, headers=lrs.headers)

    assert get["ETag"] == f'"{hashlib.sha1(get.content, usedforsecurity=False).hexdigest()}"'
    assert (head.status_code, head.content, head["ETag"]) == (200, b"", get["ETag"])
    assert head["Content-Length"] == str(len(get.content))


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({}, "activityId parameter is required"),
        ({"activityId": "true"}, "activityId must be an IRI"),
        ({"activityId": ACTIVITY_ID, "agent": "{}"}, "unknown parameter 'agent'"),
    ],
    ids=["missing", "not-an-iri", "unknown-parameter"],
)
def test_it_refuses_bad_parameters(lrs, params, message):
    """XAPI-00250 and Communication §3.2."""
    response = lrs.get(ACTIVITIES, params)

    assert response.status_code == 400
    assert message in response.json()["message"]


@pytest.mark.parametrize(
    ("scopes", "status"),
    [
        (["statements/read"], 200),
        (["all/read"], 200),
        (["statements/read/mine"], 403),
        (["state", "profile", "define"], 403),
    ],
)
def test_reading_activities_needs_a_scope_that_reads_all_statements(organisation, scopes, status):
    _, client = make_lrs_client(organisation, "reader", scopes=scopes)

    assert client.get(ACTIVITIES, {"activityId": ACTIVITY_ID}).status_code == status
