"""Bad input gets a clear 4xx and stores nothing (xAPI 1.0.3 Communication §3.2)."""

import json

import pytest

from learning_records.models import Statement
from tests.xapi_samples import new_statement

pytestmark = pytest.mark.django_db

STATEMENTS = "/xapi/statements"


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (b'{"actor": ', "not valid JSON"),
        (b"\xff\xfe{}", "not UTF-8"),
        (b'[{"actor": NaN}]', "NaN is not a JSON number"),
        (b"[" * 100_000 + b"]" * 100_000, "nests too deeply"),
        (b'"a statement"', "must be a JSON object or an array"),
    ],
    ids=["truncated", "not-utf8", "nan", "deep-nesting", "a-string"],
)
def test_it_refuses_a_body_that_is_not_statements_json(lrs, body, message):
    response = lrs.post(STATEMENTS, body)

    assert response.status_code == 400
    assert message in json.dumps(response.json())
    assert not Statement.objects.exists()


def test_it_refuses_a_wrong_content_type(lrs):
    response = lrs.post(STATEMENTS, json.dumps(new_statement()), content_type="text/plain")

    assert response.status_code == 400
    assert "Content-Type must be application/json" in response.json()["message"]


def test_it_refuses_a_body_over_the_limit_with_413(lrs, settings):
    settings.KIPINA_XAPI_MAX_BODY_BYTES = 2048
    batch = [new_statement() for _ in range(20)]

    response = lrs.post(STATEMENTS, batch)

    assert response.status_code == 413
    assert (
        "limit of 2048" in response.json()["message"]
        or "limit is 2048" in response.json()["message"]
    )
    assert not Statement.objects.exists()


def test_it_refuses_a_whole_batch_when_one_statement_is_invalid(lrs):
    broken = new_statement()
    broken["actor"] = {"mbox": "mailto:a@example.org", "openid": "https://example.org/a"}

    response = lrs.post(STATEMENTS, [new_statement(), broken, new_statement()])

    assert response.status_code == 400
    assert response.json()["errors"][0].startswith("statement[1].actor")
    assert not Statement.objects.exists()


def test_it_refuses_unknown_query_parameters_on_post(lrs):
    response = lrs.post(f"{STATEMENTS}?statementid=x", new_statement())

    assert response.status_code == 400
    assert "statementid" in response.json()["message"]


def test_it_answers_405_to_delete(lrs):
    response = lrs.http.delete(STATEMENTS, headers=lrs.headers)

    assert response.status_code == 405
    assert "DELETE" in response.json()["message"]
    assert response["X-Experience-API-Version"] == "1.0.3"


@pytest.mark.parametrize(
    "text",
    ['"Akku\\u0000kemia"', '"\\ud83d"', '"\\udc00 alone"'],
    ids=["nul", "lone-high-surrogate", "lone-low-surrogate"],
)
def test_it_refuses_text_no_database_can_store(lrs, text):
    body = json.dumps(new_statement()).replace('"Aino Learner"', text)

    response = lrs.post(STATEMENTS, body)

    assert response.status_code == 400
    assert "U+0000 or an unpaired surrogate" in response.json()["message"]
    assert not Statement.objects.exists()


def test_it_accepts_escaped_pairs_and_a_literal_backslash_u(lrs):
    body = json.dumps(new_statement()).replace('"Aino Learner"', '"Aino \\ud83d\\udd0b \\\\u0000"')

    response = lrs.post(STATEMENTS, body)

    assert response.status_code == 200
