"""The alternate request syntax (xAPI 1.0.3 Communication §1.3); xAPI 2.0 has none."""

import json
import uuid
from urllib.parse import urlencode

import pytest

from learning_records.models import Statement
from tests.xapi_samples import REMOVE, new_statement

pytestmark = pytest.mark.django_db

STATEMENTS = "/xapi/statements"
FORM = "application/x-www-form-urlencoded"


def form_post(lrs, method, fields, query=""):
    authorization = lrs.headers["Authorization"]
    body = urlencode({"Authorization": authorization, **fields})
    return lrs.http.post(f"{STATEMENTS}?method={method}{query}", body, content_type=FORM)


def test_it_stores_a_statement_sent_as_a_form_put(lrs):
    statement_id = str(uuid.uuid4())

    response = form_post(
        lrs,
        "PUT",
        {
            "X-Experience-API-Version": "1.0.3",
            "Content-Type": "application/json",
            "statementId": statement_id,
            "content": json.dumps(new_statement(id=REMOVE)),
        },
    )

    assert response.status_code == 204
    assert Statement.objects.get().statement_id == uuid.UUID(statement_id)


def test_it_answers_a_form_get_with_parameters_from_the_form(lrs):
    [statement_id] = lrs.post(STATEMENTS, new_statement()).json()

    response = form_post(
        lrs, "GET", {"X-Experience-API-Version": "1.0.3", "statementId": statement_id}
    )

    assert response.status_code == 200
    assert response.json()["id"] == statement_id


def test_it_refuses_other_query_parameters_beside_method(lrs):
    response = form_post(lrs, "GET", {"X-Experience-API-Version": "1.0.3"}, query="&limit=1")

    assert response.status_code == 400
    assert "form fields" in response.json()["message"]


def test_it_refuses_the_alternate_syntax_in_xapi_2(lrs):
    response = form_post(lrs, "GET", {"X-Experience-API-Version": "2.0.0"})

    assert response.status_code == 400
    assert "2.0" in response.json()["message"]


def test_it_needs_credentials_in_the_form_or_the_header(lrs):
    body = urlencode({"X-Experience-API-Version": "1.0.3"})

    response = lrs.http.post(f"{STATEMENTS}?method=GET", body, content_type=FORM)

    assert response.status_code == 401


def test_it_takes_the_content_as_json_when_the_form_names_no_content_type(lrs):
    """The conformance suite's form PUT carries no Content-Type field (§1.3.s3.b10 is a SHOULD)."""
    statement_id = str(uuid.uuid4())

    response = form_post(
        lrs,
        "PUT",
        {
            "X-Experience-API-Version": "1.0.3",
            "statementId": statement_id,
            "content": json.dumps(new_statement(id=REMOVE)),
        },
    )

    assert response.status_code == 204


def test_it_refuses_a_form_request_that_is_not_form_encoded(lrs):
    response = lrs.http.post(
        f"{STATEMENTS}?method=PUT",
        json.dumps({"content": "{}"}),
        content_type="application/json",
        headers=lrs.headers,
    )

    assert response.status_code == 400
    assert "x-www-form-urlencoded" in response.json()["message"]
