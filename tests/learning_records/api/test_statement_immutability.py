"""A stored statement is immutable (xAPI 1.0.3 Data §2.3, Communication §2.1.1/§2.1.2)."""

import uuid

import pytest

from learning_records.models import Statement
from tests.xapi_samples import new_statement

pytestmark = pytest.mark.django_db

STATEMENTS = "/xapi/statements"


def test_it_accepts_the_same_statement_again_without_a_second_copy(lrs):
    statement = new_statement(id=str(uuid.uuid4()))
    lrs.post(STATEMENTS, statement)

    response = lrs.post(STATEMENTS, statement)

    assert response.status_code == 200
    assert response.json() == [statement["id"]]
    assert Statement.objects.count() == 1


def test_it_accepts_a_retried_batch_and_stores_only_the_new_statements(lrs):
    first = new_statement(id=str(uuid.uuid4()))
    lrs.post(STATEMENTS, [first])
    second = new_statement(id=str(uuid.uuid4()))

    response = lrs.post(STATEMENTS, [first, second])

    assert response.status_code == 200
    assert Statement.objects.count() == 2


def test_it_refuses_different_content_under_a_stored_id_with_409(lrs):
    statement = new_statement(id=str(uuid.uuid4()))
    lrs.post(STATEMENTS, statement)
    changed = {**statement, "verb": {"id": "http://adlnet.gov/expapi/verbs/failed"}}

    response = lrs.post(STATEMENTS, changed)

    assert response.status_code == 409
    assert statement["id"] in response.json()["message"]
    stored = Statement.objects.get()
    assert stored.payload["verb"] == statement["verb"]


def test_it_refuses_a_conflicting_batch_whole(lrs):
    statement = new_statement(id=str(uuid.uuid4()))
    lrs.post(STATEMENTS, statement)
    changed = {**statement, "verb": {"id": "http://adlnet.gov/expapi/verbs/failed"}}

    response = lrs.post(STATEMENTS, [new_statement(), changed])

    assert response.status_code == 409
    assert Statement.objects.count() == 1


def test_it_refuses_the_same_id_twice_in_one_batch(lrs):
    statement_id = str(uuid.uuid4())

    response = lrs.post(
        STATEMENTS, [new_statement(id=statement_id), new_statement(id=statement_id)]
    )

    assert response.status_code == 400
    assert "statement[1].id" in response.json()["errors"][0]
    assert not Statement.objects.exists()


def test_it_ignores_lrs_set_properties_when_comparing(lrs):
    """xAPI 2.0 statement comparison: stored, authority and version are the LRS's own."""
    statement = new_statement(id=str(uuid.uuid4()))
    lrs.post(STATEMENTS, statement)
    stored = lrs.get(STATEMENTS, {"statementId": statement["id"]}).json()

    response = lrs.post(STATEMENTS, stored)

    assert response.status_code == 200
    assert Statement.objects.count() == 1
