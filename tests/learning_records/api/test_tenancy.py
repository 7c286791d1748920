"""A client reads and writes only its own organisation's store (DESIGN.md: who may see what)."""

import uuid

import pytest

from learning_records.models import Statement
from tests.xapi_samples import new_statement

pytestmark = pytest.mark.django_db

STATEMENTS = "/xapi/statements"


def test_it_does_not_show_another_tenants_statement_by_id(lrs, other_lrs):
    [statement_id] = lrs.post(STATEMENTS, new_statement()).json()

    assert other_lrs.get(STATEMENTS, {"statementId": statement_id}).status_code == 404


def test_it_does_not_list_another_tenants_statements(lrs, other_lrs):
    lrs.post(STATEMENTS, new_statement())

    assert other_lrs.get(STATEMENTS).json()["statements"] == []


def test_it_keeps_the_same_id_apart_in_two_stores(lrs, other_lrs):
    """Another tenant's id is no conflict: a 409 would tell that the id exists elsewhere."""
    statement_id = str(uuid.uuid4())
    lrs.post(STATEMENTS, new_statement(id=statement_id))

    response = other_lrs.post(
        STATEMENTS,
        new_statement(id=statement_id, verb={"id": "http://adlnet.gov/expapi/verbs/failed"}),
    )

    assert response.status_code == 200
    assert Statement.objects.filter(statement_id=statement_id).count() == 2


def test_it_does_not_let_a_tenant_void_another_tenants_statement(lrs, other_lrs):
    [target] = lrs.post(STATEMENTS, new_statement()).json()

    other_lrs.post(
        STATEMENTS,
        new_statement(
            verb={"id": "http://adlnet.gov/expapi/verbs/voided"},
            object={"objectType": "StatementRef", "id": target},
        ),
    )

    assert lrs.get(STATEMENTS, {"statementId": target}).status_code == 200
