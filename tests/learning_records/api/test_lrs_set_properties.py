"""What the LRS sets: stored, authority, timestamp, version (xAPI 1.0.3 Data §2.4.7-2.4.10)."""

from datetime import UTC, datetime

import pytest
import time_machine

from tests.xapi_samples import new_statement

pytestmark = pytest.mark.django_db

STATEMENTS = "/xapi/statements"


@time_machine.travel(datetime(2026, 3, 2, 9, 30, tzinfo=UTC), tick=False)
def test_it_sets_stored_to_the_time_of_storage(lrs):
    [statement_id] = lrs.post(STATEMENTS, new_statement()).json()

    stored = lrs.get(STATEMENTS, {"statementId": statement_id}).json()["stored"]

    assert stored == "2026-03-02T09:30:00.000000Z"


@time_machine.travel(datetime(2026, 3, 2, 9, 30, tzinfo=UTC), tick=False)
def test_it_sets_a_missing_timestamp_to_stored(lrs):
    statement = new_statement()
    statement.pop("timestamp", None)
    [statement_id] = lrs.post(STATEMENTS, statement).json()

    got = lrs.get(STATEMENTS, {"statementId": statement_id}).json()

    assert got["timestamp"] == got["stored"]


def test_it_keeps_a_given_timestamp(lrs):
    [statement_id] = lrs.post(
        STATEMENTS, new_statement(timestamp="2025-11-03T18:04:11.120+02:00")
    ).json()

    got = lrs.get(STATEMENTS, {"statementId": statement_id}).json()

    assert got["timestamp"] == "2025-11-03T18:04:11.120+02:00"


def test_it_sets_the_authority_from_the_credentials(lrs):
    statement = new_statement(
        authority={"objectType": "Agent", "mbox": "mailto:someone-else@example.org"}
    )
    [statement_id] = lrs.post(STATEMENTS, statement).json()

    authority = lrs.get(STATEMENTS, {"statementId": statement_id}).json()["authority"]

    assert authority["account"]["name"] == "moodle-savonia"
    assert "mbox" not in authority


@pytest.mark.parametrize(
    ("header", "expected"),
    [("1.0.3", "1.0.0"), ("2.0.0", "2.0.0")],
)
def test_it_sets_a_missing_version_by_the_request_version(lrs, header, expected):
    statement = new_statement()
    statement.pop("version", None)
    headers = {"X-Experience-API-Version": header}
    [statement_id] = lrs.post(STATEMENTS, statement, headers=headers).json()

    got = lrs.get(STATEMENTS, {"statementId": statement_id}, headers=headers).json()

    assert got["version"] == expected


def test_it_keeps_a_given_version(lrs):
    [statement_id] = lrs.post(STATEMENTS, new_statement(version="1.0.1")).json()

    assert lrs.get(STATEMENTS, {"statementId": statement_id}).json()["version"] == "1.0.1"
