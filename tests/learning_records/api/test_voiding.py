"""Voiding (xAPI 1.0.3 Data §2.3.2, Communication §2.1.4)."""

import uuid

import pytest

from tests.xapi_samples import new_statement

pytestmark = pytest.mark.django_db

STATEMENTS = "/xapi/statements"
VOIDED = {"id": "http://adlnet.gov/expapi/verbs/voided", "display": {"en-US": "voided"}}


def voiding(target_id):
    return new_statement(verb=VOIDED, object={"objectType": "StatementRef", "id": target_id})


def post(lrs, statement):
    response = lrs.post(STATEMENTS, statement)
    assert response.status_code == 200, response.content
    return response.json()[0]


def test_it_hides_a_voided_statement_from_get_and_queries(lrs):
    target = post(lrs, new_statement())
    post(lrs, voiding(target))

    assert lrs.get(STATEMENTS, {"statementId": target}).status_code == 404
    assert target not in [s["id"] for s in lrs.get(STATEMENTS).json()["statements"]]


def test_it_returns_a_voided_statement_by_voided_statement_id(lrs):
    target = post(lrs, new_statement())
    post(lrs, voiding(target))

    response = lrs.get(STATEMENTS, {"voidedStatementId": target})

    assert response.status_code == 200
    assert response.json()["id"] == target


def test_it_answers_404_for_voided_statement_id_of_a_live_statement(lrs):
    target = post(lrs, new_statement())

    assert lrs.get(STATEMENTS, {"voidedStatementId": target}).status_code == 404


def test_it_refuses_to_void_a_voiding_statement(lrs):
    target = post(lrs, new_statement())
    voider = post(lrs, voiding(target))

    response = lrs.post(STATEMENTS, voiding(voider))

    assert response.status_code == 400
    assert "cannot be voided" in response.json()["errors"][0]
    assert lrs.get(STATEMENTS, {"statementId": voider}).status_code == 200


def test_it_voids_a_statement_that_arrives_after_its_voiding_statement(lrs):
    target_id = str(uuid.uuid4())
    post(lrs, voiding(target_id))

    post(lrs, new_statement(id=target_id))

    assert lrs.get(STATEMENTS, {"statementId": target_id}).status_code == 404


def test_it_returns_statements_targeting_a_match_recursively(lrs):
    """Communication §2.1.3 Filter Conditions for StatementRefs: a targeting statement
    matches when its target does, also through a chain, and voiding ones are returned."""
    verb = "http://adlnet.gov/expapi/verbs/passed"
    original = post(lrs, new_statement(verb={"id": verb}))
    confirm = post(
        lrs,
        new_statement(
            verb={"id": "http://example.org/verbs/confirmed"},
            object={"objectType": "StatementRef", "id": original},
        ),
    )
    comment = post(
        lrs,
        new_statement(
            verb={"id": "http://example.org/verbs/commented"},
            object={"objectType": "StatementRef", "id": confirm},
        ),
    )
    voider = post(lrs, voiding(original))

    ids = {s["id"] for s in lrs.get(STATEMENTS, {"verb": verb}).json()["statements"]}

    assert ids == {confirm, comment, voider}
