"""Faults on the ingest path, with real processes (issue 9, docs/reliability.md).

PostgreSQL restarted during ingest: a cluster of the test's own (tests/e2e/pgcluster.py)
under gunicorn is crashed (`pg_ctl stop -m immediate`) and started again while LMS senders
post batches. Requests fail cleanly (503 + Retry-After, the xAPI error body), a reader
polling the table never sees part of a batch, and senders that retry end with exactly one
copy of each statement.

Redis stopped during a stream of LMS posts: every post still answers 200 and is stored
once; projection, the event rules and deliveries (in-app and e-mail to a loopback SendGrid)
catch up after Redis returns, each expected decision and notification exactly once.
"""

import base64
import json
import threading
import time
import urllib.error
import urllib.request
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import psycopg
import pytest

from tests.e2e.pgcluster import PgCluster
from tests.e2e.stack import Stack, wait_for

pytestmark = pytest.mark.live

KEY, SECRET = "moodle", "moodle-secret"
EXPERIENCED = "http://adlnet.gov/expapi/verbs/experienced"
CLIENT_SEED = f"""
import json
from engagement.network import services as n
from learning_records.services import lrs_client_create
org, _ = n.organisation_get_or_create(name="Savonia", kind="uas")
lrs_client_create(organisation=org, name="Moodle", key={KEY!r}, secret={SECRET!r})
print(json.dumps("seeded"))
"""


@dataclass
class Answer:
    status: int  # 0: no HTTP answer (connection refused or reset)
    headers: dict[str, str]
    body: bytes


def request(stack: Stack, method: str, path: str, payload: Any = None) -> Answer:
    token = base64.b64encode(f"{KEY}:{SECRET}".encode()).decode()
    call = urllib.request.Request(
        f"http://127.0.0.1:{stack.web_port}{path}",
        data=None if payload is None else json.dumps(payload).encode(),
        method=method,
        headers={
            "Authorization": f"Basic {token}",
            "X-Experience-API-Version": "1.0.3",
            "Content-Type": "application/json",
        },
    )
    try:
        with urllib.request.urlopen(call, timeout=30) as response:  # noqa: S310  (loopback)
            return Answer(response.status, dict(response.headers), response.read())
    except urllib.error.HTTPError as error:
        return Answer(error.code, dict(error.headers), error.read())
    except (urllib.error.URLError, ConnectionError, TimeoutError):
        return Answer(0, {}, b"")


# --- PostgreSQL restarted during ingest ------------------------------------------------------

BATCH = 5  # statements per POST; a reader must see 0 or 5 of a batch, never 1-4
SENDERS = 2


def batch_of(sender: int) -> list[dict[str, Any]]:
    """BATCH statements sharing a registration, by which the reader groups them."""
    registration = str(uuid.uuid4())
    return [
        {
            "id": str(uuid.uuid4()),
            "actor": {"mbox": f"mailto:sender{sender}@example.fi"},
            "verb": {"id": EXPERIENCED},
            "object": {"id": f"https://moodle.savonia.fi/mod/page/{n}"},
            "context": {"registration": registration},
        }
        for n in range(BATCH)
    ]


@dataclass(eq=False)  # a thread is hashed by identity
class Sender(threading.Thread):
    """An LMS that posts batches one after another and retries each until it is stored,
    as an LMS's statement queue does: a 503 or a lost connection means "send it again"."""

    stack: Stack
    number: int
    stop: threading.Event
    stored: list[list[dict[str, Any]]] = field(default_factory=list)
    unavailable: list[Answer] = field(default_factory=list)
    unexpected: list[Answer] = field(default_factory=list)
    lost: int = 0  # answers that never came (the connection died with the request)
    stored_at: list[float] = field(default_factory=list)

    def __post_init__(self) -> None:
        super().__init__(daemon=True)

    def run(self) -> None:
        while not self.stop.is_set():
            statements = batch_of(self.number)
            while True:
                answer = request(self.stack, "POST", "/xapi/statements", statements)
                if answer.status == 200:
                    self.stored.append(statements)
                    self.stored_at.append(time.monotonic())
                    break
                if answer.status == 503:
                    self.unavailable.append(answer)
                elif answer.status == 0:
                    self.lost += 1
                else:
                    self.unexpected.append(answer)
                    return
                # Retry-After says 5 s; a test retries sooner, to see the first moment the
                # store is back (an LMS that honours it only waits longer).
                time.sleep(0.2)


@dataclass(eq=False)
class BatchReader(threading.Thread):
    """Polls the statement table directly, each poll one snapshot: the sizes of the batches
    (by registration) that it sees."""

    url: str
    stop: threading.Event
    polls: int = 0
    partial: list[tuple[str, int]] = field(default_factory=list)
    failures: int = 0

    def __post_init__(self) -> None:
        super().__init__(daemon=True)

    def run(self) -> None:
        while not self.stop.is_set():
            try:
                with psycopg.connect(self.url, autocommit=True, connect_timeout=2) as reader:
                    while not self.stop.is_set():
                        rows = reader.execute(
                            "SELECT registration, count(*) FROM learning_records_statement"
                            " GROUP BY registration"
                        ).fetchall()
                        self.polls += 1
                        self.partial += [(str(r), n) for r, n in rows if n != BATCH]
                        time.sleep(0.02)
            except psycopg.OperationalError:
                self.failures += 1  # the server is down or restarting: poll again soon
                time.sleep(0.1)


@pytest.fixture
def restartable(tmp_path) -> Iterator[tuple[Stack, PgCluster, str]]:
    cluster = PgCluster()
    try:
        cluster.start()
        url = cluster.create_database("kipina")
        stack = Stack(tmp_path, DATABASE_URL=url)
        stack.manage("migrate", "-v0")
        assert stack.python(CLIENT_SEED) == "seeded"
        stack.start_redis()
        stack.start_web()
        yield stack, cluster, url
        stack.close()
    finally:
        cluster.close()


def stored_statements(url: str) -> tuple[int, set[str]]:
    with psycopg.connect(url) as connection:
        rows = connection.execute("SELECT statement_id FROM learning_records_statement").fetchall()
    return len(rows), {str(row[0]) for row in rows}


def test_a_postgres_restart_during_ingest_is_503_no_partial_batch_and_one_copy_each(
    restartable,
):
    stack, cluster, url = restartable
    stop = threading.Event()
    senders = [Sender(stack, number, stop) for number in range(SENDERS)]
    reader = BatchReader(url, stop)
    for thread in (reader, *senders):
        thread.start()

    def stored() -> int:
        return sum(len(sender.stored) for sender in senders)

    wait_for("batches before the restart", lambda: stored() >= 10, timeout=30)
    cluster.stop(mode="immediate")  # a crash: connections cut mid-query, no checkpoint
    crashed_at = time.monotonic()
    wait_for(
        "a sender to be told the store is unavailable",
        lambda: any(sender.unavailable for sender in senders),
        timeout=20,
    )
    health = request(stack, "GET", "/healthz")
    page = request(stack, "GET", "/catalogue/")
    time.sleep(max(0.0, crashed_at + 2 - time.monotonic()))  # down for two seconds at least
    stored_in_outage = stored()
    cluster.start()
    started_at = time.monotonic()
    wait_for("batches after the restart", lambda: stored() >= stored_in_outage + 10, timeout=30)
    stop.set()
    for thread in (*senders, reader):
        thread.join(timeout=40)

    # Requests during the outage failed cleanly: 503, Retry-After, the xAPI error body.
    assert [a for s in senders for a in s.unexpected] == []
    refusals = [answer for sender in senders for answer in sender.unavailable]
    for answer in refusals:
        assert answer.headers["Retry-After"] == "5"
        assert answer.headers["X-Experience-API-Version"] == "1.0.3"
        assert json.loads(answer.body)["message"].startswith(
            "the learning record store is unavailable"
        )
    assert (health.status, json.loads(health.body)["checks"]["database"]["status"]) == (
        503,
        "down",
    )
    assert health.headers["Retry-After"] == "5"
    assert (page.status, page.headers["Retry-After"]) == (503, "5")
    # No reader ever saw part of a batch, before, during or after the crash recovery.
    assert reader.partial == []
    assert reader.polls > 50
    # Every statement a sender was told is stored is there, once; nothing else is.
    sent = {s["id"] for sender in senders for batch in sender.stored for s in batch}
    rows, ids = stored_statements(url)
    assert (rows, ids) == (len(sent), sent)
    # The gunicorn workers' connections recovered: a resend of stored batches is accepted
    # without a second copy (xAPI: same id and content), every answer 200.
    resent = [
        request(stack, "POST", "/xapi/statements", batch).status
        for sender in senders
        for batch in sender.stored[:5]
    ]
    assert resent == [200] * len(resent)
    assert stored_statements(url)[0] == len(sent)
    healthy = request(stack, "GET", "/healthz")
    assert (healthy.status, json.loads(healthy.body)["checks"]["database"]["status"]) == (
        200,
        "ok",
    )
    back_after = min(t for s in senders for t in s.stored_at if t > started_at) - started_at
    print(
        f"restart: {len(refusals)} answers 503, {sum(s.lost for s in senders)} lost, "
        f"{reader.polls} polls, {len(sent)} statements, first stored {back_after:.2f} s "
        "after the server was started again"
    )
