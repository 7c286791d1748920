"""A database outage answers 503 with Retry-After on every surface (xAPI, the DRF API,
pages, /healthz), and a batch cut off by it leaves nothing behind.

The outage is made in process with Django's execute wrapper: every query raises the
OperationalError a dead connection raises. Savepoint commands pass, so the test's own
transaction survives to look at the tables afterwards. tests/e2e/test_faults_ingest.py
restarts a real PostgreSQL under gunicorn."""

import json
import sqlite3
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import psycopg
import pytest
from django.contrib.auth import get_user_model
from django.db import IntegrityError, OperationalError, connection
from django.test import RequestFactory

from backend.unavailable import RETRY_AFTER_SECONDS, DatabaseUnavailableMiddleware
from learning_records.models import Statement
from tests.xapi_samples import make_statement

pytestmark = pytest.mark.django_db

SAVEPOINT_COMMANDS = ("SAVEPOINT", "RELEASE SAVEPOINT", "ROLLBACK TO SAVEPOINT")
DEAD = "server closed the connection unexpectedly"


@contextmanager
def database_down(*, refuse: Callable[[str], bool] | None = None) -> Iterator[list[str]]:
    """Queries fail as on a dead connection (those `refuse` picks; by default all)."""
    refused: list[str] = []

    def blocker(execute: Any, sql: str, params: Any, many: bool, context: Any) -> Any:
        failing = refuse(sql) if refuse else not sql.startswith(SAVEPOINT_COMMANDS)
        if failing:
            refused.append(sql)
            raise OperationalError(DEAD)
        return execute(sql, params, many, context)

    with connection.execute_wrapper(blocker):
        yield refused


def assert_unavailable(response: Any) -> None:
    assert response.status_code == 503
    assert response["Retry-After"] == str(RETRY_AFTER_SECONDS)
    assert response["Cache-Control"] == "no-store"


def batch(size: int) -> list[dict[str, Any]]:
    return [make_statement(id=str(uuid.uuid4())) for _ in range(size)]


def test_a_post_during_an_outage_is_503_in_xapi_form(lrs):
    with database_down():
        response = lrs.post("/xapi/statements", batch(2))

    assert_unavailable(response)
    assert response["X-Experience-API-Version"] == "1.0.3"
    assert "X-Experience-API-Consistent-Through" in response
    message = json.loads(response.content)["message"]
    assert message.startswith("the learning record store is unavailable")
    assert Statement.objects.count() == 0


def test_a_batch_cut_off_at_its_commit_leaves_no_row_and_its_retry_stores_it_once(lrs):
    statements = batch(5)
    seen_before_the_commit: list[int] = []

    def refuse_the_commit(sql: str) -> bool:
        # The batch's own transaction is a savepoint inside the test's: its release is the
        # commit. Count what the batch wrote, then lose the connection right there (once).
        if seen_before_the_commit or not sql.startswith("RELEASE SAVEPOINT"):
            return False
        with connection.cursor() as cursor:
            cursor.execute("SELECT COUNT(*) FROM learning_records_statement")
            seen_before_the_commit.append(cursor.fetchone()[0])
        return True

    with database_down(refuse=refuse_the_commit) as refused:
        cut_off = lrs.post("/xapi/statements", statements)

    assert refused
    assert seen_before_the_commit == [5]  # the batch was written, then the connection died
    assert_unavailable(cut_off)
    assert Statement.objects.count() == 0
    retried = lrs.post("/xapi/statements", statements)
    again = lrs.post("/xapi/statements", statements)
    assert (retried.status_code, again.status_code) == (200, 200)
    assert retried.json() == [s["id"] for s in statements]
    assert Statement.objects.count() == 5


@pytest.mark.parametrize(
    ("path", "params"),
    [
        ("/xapi/statements", {}),
        ("/xapi/statements", {"statementId": str(uuid.uuid4())}),
        ("/xapi/activities", {"activityId": "https://example.fi/a"}),
        ("/xapi/agents", {"agent": json.dumps({"mbox": "mailto:aino@example.fi"})}),
        (
            "/xapi/activities/state",
            {
                "activityId": "https://example.fi/a",
                "agent": json.dumps({"mbox": "mailto:aino@example.fi"}),
                "stateId": "bookmark",
            },
        ),
    ],
)
def test_every_xapi_read_during_an_outage_is_503(lrs, path, params):
    with database_down():
        response = lrs.get(path, params)

    assert_unavailable(response)
    assert response["X-Experience-API-Version"] == "1.0.3"
    assert "unavailable" in json.loads(response.content)["message"]


def test_the_api_answers_503_with_a_json_detail(client):
    user = get_user_model().objects.create_superuser("admin", "admin@example.fi", "pw")
    client.force_login(user)

    with database_down():
        response = client.get("/api/network/organisations/")

    assert_unavailable(response)
    assert "database cannot be reached" in response.json()["detail"]


def test_a_page_answers_503_with_a_page_saying_so(client):
    with database_down():
        response = client.get("/catalogue/")

    assert_unavailable(response)
    assert response["Content-Type"].startswith("text/html")
    assert b"Temporarily unavailable" in response.content


def test_healthz_reports_the_database_down_with_retry_after(client):
    with database_down():
        response = client.get("/healthz")

    assert_unavailable(response)
    body = response.json()
    assert body["status"] == "down"
    assert body["checks"]["database"]["status"] == "down"
    assert DEAD in body["checks"]["database"]["detail"]


@pytest.mark.parametrize("error", [ValueError("a bug"), IntegrityError("duplicate key")])
def test_other_errors_are_left_to_djangos_500(error):
    middleware = DatabaseUnavailableMiddleware(lambda request: None)  # type: ignore[arg-type,return-value]

    assert middleware.process_exception(RequestFactory().get("/catalogue/"), error) is None


def _wrapped(cause: Exception) -> OperationalError:
    """OperationalError as Django's DatabaseErrorWrapper raises it: from the driver's error."""
    error = OperationalError(str(cause))
    error.__cause__ = cause
    return error


@pytest.mark.parametrize(
    ("cause", "outage"),
    [
        (psycopg.errors.lookup("57P01")("terminating connection due to administrator"), True),
        (psycopg.errors.lookup("57P03")("the database system is starting up"), True),
        (psycopg.errors.lookup("08006")("connection failure"), True),
        (psycopg.errors.lookup("40P01")("deadlock detected"), True),
        (psycopg.OperationalError("connection refused"), True),
        (psycopg.errors.lookup("54000")("index row size exceeds maximum"), False),
        (psycopg.errors.lookup("53100")("could not extend file: No space left"), False),
        (psycopg.errors.lookup("57014")("canceling statement due to statement timeout"), False),
        (sqlite3.OperationalError("database is locked"), True),
        (sqlite3.OperationalError("no such table: learning_records_statement"), False),
    ],
)
def test_only_a_server_away_or_a_transient_conflict_is_an_outage(cause, outage):
    """A bug (a missing table) or an operations problem (disk full) answered 503 would send
    every LMS into retrying for ever and hide the traceback: those stay 500s."""
    middleware = DatabaseUnavailableMiddleware(lambda request: None)  # type: ignore[arg-type,return-value]

    answer = middleware.process_exception(RequestFactory().get("/catalogue/"), _wrapped(cause))

    assert (answer is not None) == outage
    if outage:
        assert_unavailable(answer)
