"""A Celery worker killed during a send produces no second e-mail (issue 6, docs/notifications.md
"Dead workers and duplicates"). Real processes: a Redis of the test's own, a prefork worker
whose process group gets SIGKILL while its pool child waits for SendGrid, then a fresh worker
and beat whose dispatch recovers the stale claim. SendGrid's v3 mail/send is a loopback server
in this process that records our kipina_id of every request (the only stand-in).

A second case kills the worker after its claim and before the provider call: on PostgreSQL
the test holds a lock on the person's row, which the dispatcher takes to count the weekly
cap, so the worker waits there; that notification is due again and goes out once.

On SQLite the stack has its own file; with DATABASE_URL set to PostgreSQL it gets a database
of its own next to that one (`<name>_e2e`), dropped afterwards."""

import json
import os
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import pytest

from tests.conftest import need_service
from tests.e2e.stack import Stack, wait_for
from tests.notifications.conftest import sendgrid_v3_problems

pytestmark = pytest.mark.live

# The settings refuse a stale-claim time that is not longer than the hard time limit.
TIMINGS = {
    "CELERY_TASK_SOFT_TIME_LIMIT": "4",
    "CELERY_TASK_TIME_LIMIT": "5",
    "KIPINA_NOTIFY_STALE_CLAIM_SECONDS": "6",
    "SENDGRID_TIMEOUT_SECONDS": "3",
    "KIPINA_NOTIFY_DISPATCH_BEAT_SECONDS": "1",
}
KILLED = "kill:during-send"
AFTER = "kill:after-restart"
SEED = """
import datetime as dt, json
from engagement.network import services as n
from notifications.models import Preference
aino = n.person_create(given_name="Aino", family_name="Virtanen", email="aino@example.fi")
# No quiet hours (equal times), so the send is due whatever the hour in Helsinki.
Preference.objects.create(person=aino, quiet_from=dt.time(0), quiet_until=dt.time(0))
print(json.dumps(aino.pk))
"""
NOTIFY = """
import json
from engagement.network.models import Person
from notifications.services import notification_create
notification_create(person=Person.objects.get(pk={person}), topic="study_reminders",
                    template="come_back", idempotency_key={key!r})
print(json.dumps("queued"))
"""
STATE = """
import json
from notifications.models import Notification
n = Notification.objects.get(idempotency_key={key!r})
print(json.dumps({{
    "status": n.status, "reason": n.reason, "attempts": n.attempts,
    "rows": [[a.number, a.channel, a.outcome, a.finished_at is None]
             for a in n.delivery_attempts.order_by("number")],
}}))
"""


class LoopbackSendGrid:
    """SendGrid's v3 mail/send on 127.0.0.1: records the kipina_id of every request and
    answers 202; with `hold_first`, the first request gets no answer until `release`."""

    def __init__(self, *, hold_first: bool) -> None:
        self.kipina_ids: list[str] = []
        self.problems: list[str] = []
        self.arrived = threading.Event()
        self.release = threading.Event()
        self.hold_first = hold_first
        self.lock = threading.Lock()
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_port}/v3/"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def count(self, key: str) -> int:
        with self.lock:
            return self.kipina_ids.count(key)

    def close(self) -> None:
        self.release.set()
        self.server.shutdown()
        self.server.server_close()

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                try:
                    payload = json.loads(body)
                except ValueError:
                    payload = None
                with fake.lock:
                    first = not fake.kipina_ids
                    fake.problems += sendgrid_v3_problems(self.path, self.headers, payload)
                    args = payload.get("custom_args", {}) if isinstance(payload, dict) else {}
                    fake.kipina_ids.append(str(args.get("kipina_id", "")))
                fake.arrived.set()
                if first and fake.hold_first:
                    fake.release.wait(30)  # the send is in flight until the sender is dead
                try:
                    self.send_response(202)
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                except OSError:  # the worker that asked is gone
                    pass

            def log_message(self, *args: Any) -> None:
                pass

        return Handler


@pytest.fixture
def database() -> Iterator[dict[str, str]]:
    """The stack's own SQLite file, or a throw-away PostgreSQL database when DATABASE_URL
    names one (the server of the suite's database, a name of its own)."""
    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith(("postgres://", "postgresql://")):
        yield {}
        return
    import psycopg

    parts = urlsplit(url)
    name = parts.path.lstrip("/") + "_e2e"
    with psycopg.connect(url, dbname="postgres", autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.execute(f'CREATE DATABASE "{name}"')
    yield {"DATABASE_URL": urlunsplit(parts._replace(path=f"/{name}"))}
    with psycopg.connect(url, dbname="postgres", autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def make_stack(tmp_path: Any, database: dict[str, str], fake: LoopbackSendGrid) -> Stack:
    need_service("Redis", "REDIS_URL")  # the machine has Redis; this test runs its own
    stack = Stack(
        tmp_path,
        SENDGRID_API_KEY="SG.loopback-test-key",
        SENDGRID_API_URL=fake.url,
        **TIMINGS,
        **database,
    )
    stack.manage("migrate", "-v0")
    stack.start_redis()
    return stack


def postgres_url(database: dict[str, str]) -> str:
    url = database.get("DATABASE_URL", "")
    if not url:
        pytest.skip("holding the worker before the send needs PostgreSQL (set DATABASE_URL)")
    return url


@pytest.fixture
def killed_during_send(tmp_path, database) -> Iterator[tuple[Stack, LoopbackSendGrid]]:
    fake = LoopbackSendGrid(hold_first=True)
    stack = make_stack(tmp_path, database, fake)
    yield stack, fake
    stack.close()
    fake.close()


def state(stack: Stack, key: str) -> dict[str, Any]:
    result: dict[str, Any] = stack.python(STATE.format(key=key))
    return result


def test_a_worker_killed_during_the_send_sends_no_second_email(killed_during_send):
    stack, fake = killed_during_send
    person = stack.python(SEED)
    assert stack.python(NOTIFY.format(person=person, key=KILLED)) == "queued"  # kicks dispatch
    stack.start_worker(pool="prefork")

    assert fake.arrived.wait(30), stack.log("worker")
    stack.kill("worker")  # main process and pool child, while SendGrid has not answered
    fake.release.set()
    killed_at = time.monotonic()

    in_flight = state(stack, KILLED)
    assert in_flight["status"] == "claimed"
    assert in_flight["rows"] == [[1, "email", "started", True]]
    # A message queued while no worker runs; the fresh worker must still send e-mail.
    assert stack.python(NOTIFY.format(person=person, key=AFTER)) == "queued"
    stack.start_worker(pool="prefork")
    stack.start_beat()  # dispatch every second: stale-claim recovery, then the due ones

    wait_for(
        "the dead worker's claim to be settled",
        lambda: state(stack, KILLED)["status"] not in ("claimed", "pending", "deferred"),
        timeout=40,
    )
    wait_for("the next e-mail", lambda: fake.count(AFTER) == 1, timeout=20)
    # More dispatch runs, well past the stale-claim time, to give a resend every chance.
    time.sleep(max(0.0, killed_at + 12 - time.monotonic()))

    assert fake.count(KILLED) == 1, (fake.kipina_ids, stack.log("worker"))
    assert fake.count(AFTER) == 1
    assert fake.problems == []
    final = state(stack, KILLED)
    assert final["status"] == "failed"
    assert final["reason"] == (
        "the worker stopped during the send; not sent again, to avoid a duplicate"
    )
    assert final["attempts"] == 1
    # One attempt, started and never finished: the send that was in flight when it died.
    assert final["rows"] == [[1, "email", "started", True]]
    assert state(stack, AFTER)["rows"] == [[1, "email", "sent", False]]


@pytest.fixture
def killed_before_send(tmp_path, database) -> Iterator[tuple[Stack, LoopbackSendGrid, str]]:
    url = postgres_url(database)
    fake = LoopbackSendGrid(hold_first=False)
    stack = make_stack(tmp_path, database, fake)
    yield stack, fake, url
    stack.close()
    fake.close()


def test_a_worker_killed_before_the_send_leaves_it_due_and_it_goes_out_once(killed_before_send):
    import psycopg

    stack, fake, url = killed_before_send
    person = stack.python(SEED)
    name = urlsplit(url).path.lstrip("/")
    with (
        psycopg.connect(url) as holder,
        psycopg.connect(url, autocommit=True) as watcher,
    ):
        # NO KEY UPDATE: the notification's insert (a foreign key share lock) still passes;
        # the dispatcher's FOR UPDATE waits.
        holder.execute("SELECT 1 FROM network_person WHERE id = %s FOR NO KEY UPDATE", [person])
        assert stack.python(NOTIFY.format(person=person, key=KILLED)) == "queued"
        stack.start_worker(pool="prefork")

        def waiting_for_the_lock() -> bool:
            row = watcher.execute(
                "SELECT count(*) FROM pg_stat_activity"
                " WHERE datname = %s AND wait_event_type = 'Lock'",
                [name],
            ).fetchone()
            return bool(row and row[0])

        wait_for("the worker to wait on the person's row", waiting_for_the_lock, timeout=30)
        stack.kill("worker")
        killed_at = time.monotonic()
        holder.rollback()

    in_flight = state(stack, KILLED)
    assert in_flight["status"] == "claimed"
    assert in_flight["rows"] == []
    assert fake.kipina_ids == []
    stack.start_worker(pool="prefork")
    stack.start_beat()

    wait_for(
        "the recovered notification to be sent",
        lambda: state(stack, KILLED)["status"] not in ("claimed", "pending", "deferred"),
        timeout=40,
    )
    time.sleep(max(0.0, killed_at + 12 - time.monotonic()))

    assert fake.kipina_ids == [KILLED], stack.log("worker")
    assert fake.problems == []
    final = state(stack, KILLED)
    assert (final["status"], final["reason"], final["attempts"]) == ("sent", "", 1)
    assert final["rows"] == [[1, "email", "sent", False]]
