"""POST /xapi/statements (xAPI 1.0.3 Communication §2.1.2)."""

import re
import uuid

import pytest

from learning_records.models import Statement, StatementActivity, StatementAgent
from tests.xapi_samples import new_statement

pytestmark = pytest.mark.django_db

STATEMENTS = "/xapi/statements"
UUID4 = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$")


def test_it_stores_one_statement_and_answers_200_with_its_id(lrs):
    response = lrs.post(STATEMENTS, new_statement())

    assert response.status_code == 200
    [statement_id] = response.json()
    assert Statement.objects.get().statement_id == uuid.UUID(statement_id)


def test_it_assigns_lowercase_uuid4_ids(lrs):
    ids = lrs.post(STATEMENTS, [new_statement(), new_statement()]).json()

    assert all(UUID4.match(statement_id) for statement_id in ids)
    assert len(set(ids)) == 2


def test_it_returns_the_ids_of_a_batch_in_order(lrs):
    given = [str(uuid.uuid4()) for _ in range(3)]
    batch = [new_statement(id=statement_id) for statement_id in given]
    batch.insert(1, new_statement())

    ids = lrs.post(STATEMENTS, batch).json()

    assert ids[0] == given[0]
    assert ids[2:] == given[1:]
    assert len(ids) == 4


def test_it_keeps_the_given_id_in_lower_case(lrs):
    statement_id = str(uuid.uuid4())

    ids = lrs.post(STATEMENTS, new_statement(id=statement_id.upper())).json()

    assert ids == [statement_id]


def test_it_writes_index_rows_for_agents_and_activities(lrs):
    statement = new_statement()
    statement["context"] = {
        "contextActivities": {"parent": [{"id": "https://lms.example/course/7"}]},
        "instructor": {"mbox": "mailto:teacher@savonia.fi"},
    }

    lrs.post(STATEMENTS, statement)

    activities = set(StatementActivity.objects.values_list("activity_iri", "related_only"))
    assert (statement["object"]["id"], False) in activities
    assert ("https://lms.example/course/7", True) in activities
    agents = set(StatementAgent.objects.values_list("agent_key", "related_only"))
    assert ("Agent|mbox|mailto:teacher@savonia.fi", True) in agents


def test_it_accepts_an_empty_batch(lrs):
    response = lrs.post(STATEMENTS, [])

    assert response.status_code == 200
    assert response.json() == []
