"""`manage.py demo` end to end: its own SQLite file, a real server process, the tincan client.

Each test runs the commands as subprocesses with KIPINA_VAR_DIR in a tmp dir and without
DATABASE_URL and REDIS_URL, so the demo stays embedded whatever the suite runs against.
"""

import os
import re
import signal
import socket
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from backend.demo import events

pytestmark = pytest.mark.live

BASE_DIR = Path(__file__).resolve().parents[2]
SIZE = 400
TIMEOUT = 60


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def manage(var_dir: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REDIS_URL")}
    env.pop("KIPINA_PUBLIC_URL", None)
    env["KIPINA_VAR_DIR"] = str(var_dir)
    # As `make demo` sets them: small batches, a short settle wait.
    env["KIPINA_XAPI_STORE_DEADLINE_SECONDS"] = "5"
    env["KIPINA_PROGRESS_SETTLE_SECONDS"] = "6"
    # Its own session, so a timeout can stop the demo and the server it started, together.
    process = subprocess.Popen(
        [sys.executable, "manage.py", *args],
        cwd=BASE_DIR,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
    try:
        stdout, stderr = process.communicate(timeout=TIMEOUT)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        stdout, stderr = process.communicate()
        pytest.fail(f"manage.py {' '.join(args)} took over {TIMEOUT} s:\n{stdout}\n{stderr}")
    return subprocess.CompletedProcess(process.args, process.returncode, stdout, stderr)


def demo(var_dir: Path, port: int) -> subprocess.CompletedProcess[str]:
    return manage(var_dir, "demo", "--exit-after-replay", "--port", str(port))


def stored_rows(var_dir: Path) -> tuple[int, int]:
    """(statements, voided) counted in the SQLite file itself, not through the app."""
    with sqlite3.connect(var_dir / "kipina.sqlite3") as db:
        count, voided = db.execute(
            "SELECT COUNT(*), SUM(voided) FROM learning_records_statement"
        ).fetchone()
    return count, voided


def progress_rows(var_dir: Path) -> dict[str, int]:
    """What the projection wrote, counted in the SQLite file itself."""
    queries = {
        "enrolments with progress": "SELECT COUNT(*) FROM progress_enrolmentprogress "
        "WHERE percent > 0",
        "milestones completed": "SELECT COUNT(*) FROM progress_milestoneprogress "
        "WHERE completed_at IS NOT NULL",
        "pathways completed": "SELECT COUNT(*) FROM progress_enrolmentprogress "
        "WHERE completed_at IS NOT NULL",
        "events": "SELECT COUNT(*) FROM progress_progressevent",
        "unmatched agents": "SELECT COUNT(*) FROM progress_unmatchedagent",
        "unmatched statements": "SELECT COALESCE(SUM(statements_seen), 0) "
        "FROM progress_unmatchedagent",
    }
    with sqlite3.connect(var_dir / "kipina.sqlite3") as db:
        return {name: db.execute(sql).fetchone()[0] for name, sql in queries.items()}


def directory_rows(var_dir: Path) -> dict[str, int]:
    tables = (
        "network_organisation", "network_person", "network_xapiidentity", "network_role",
        "network_pathway", "network_milestone", "network_milestoneactivity", "network_enrolment",
        "network_cohort", "network_cohort_enrolments", "network_consent", "auth_user",
    )  # fmt: skip
    with sqlite3.connect(var_dir / "kipina.sqlite3") as db:
        # Our own table names, not input: nothing to inject.
        counts = {table: f"SELECT COUNT(*) FROM {table}" for table in tables}  # noqa: S608
        return {table: db.execute(sql).fetchone()[0] for table, sql in counts.items()}


def printed_counts(output: str) -> tuple[int, int, int]:
    """(replayed, held by the LRS, sum of the per-learner lines) as the demo printed them."""
    replayed = re.search(r"^Replayed (\d+) statements", output, re.M)
    held = re.search(r"^The LRS holds (\d+) statements", output, re.M)
    assert replayed, output
    assert held, output
    per_learner = re.findall(r"^  \S+ \S+\s+(\d+)$", output, re.M)
    assert len(per_learner) == 8, output
    return int(replayed.group(1)), int(held.group(1)), sum(int(count) for count in per_learner)


@pytest.fixture(scope="module")
def first_run(tmp_path_factory):
    var_dir = tmp_path_factory.mktemp("demo")
    migrated = manage(var_dir, "migrate", "--no-input")
    assert migrated.returncode == 0, migrated.stderr
    return var_dir, demo(var_dir, free_port())


def test_it_replays_and_verifies_through_the_live_endpoint(first_run):
    var_dir, run = first_run

    assert run.returncode == 0, run.stdout + run.stderr
    replayed, held, per_learner = printed_counts(run.stdout)
    # The attempt voided, the voiding statement added: the query sees as many as were sent.
    assert (replayed, held, per_learner) == (SIZE, SIZE, SIZE)
    # The replay, its voiding statement, and the demo events' registered/attended statements.
    assert stored_rows(var_dir) == (SIZE + 1 + events.STATEMENTS, 1)
    assert "retrieve_voided_statement still returns the attempt" in run.stdout
    assert "curl -u demo-lms:demo-secret-change-me" in run.stdout
    assert "user network  password network" in run.stdout


def test_it_projects_the_replay_into_progress(first_run):
    var_dir, run = first_run

    progress = progress_rows(var_dir)

    assert run.returncode == 0, run.stdout + run.stderr
    assert progress["enrolments with progress"] >= 7
    assert progress["milestones completed"] >= 10
    assert progress["pathways completed"] >= 1
    assert progress["unmatched agents"] == 1
    projected = SIZE + 1 + events.STATEMENTS
    assert re.search(
        rf"^Projected {projected} new statements into learner progress", run.stdout, re.M
    )
    assert "finished the pathway on" in run.stdout
    assert "1 unmatched agent: actors no person is linked to yet" in run.stdout
    assert "/admin/progress/unmatchedagent/" in run.stdout


def test_it_replays_again_without_second_copies(first_run):
    var_dir, _ = first_run
    directory, progress = directory_rows(var_dir), progress_rows(var_dir)

    again = demo(var_dir, free_port())

    assert again.returncode == 0, again.stdout + again.stderr
    assert "already there, secret reset" in again.stdout
    assert "(in an earlier run)" in again.stdout
    assert again.stdout.count("all already there") == 2  # the directory and the enrolments
    assert printed_counts(again.stdout) == (SIZE, SIZE, SIZE)
    # The replay, its voiding statement, and the demo events' registered/attended statements.
    assert stored_rows(var_dir) == (SIZE + 1 + events.STATEMENTS, 1)
    assert directory_rows(var_dir) == directory
    assert progress_rows(var_dir) == progress


def test_it_names_the_port_when_it_is_taken(first_run):
    var_dir, _ = first_run
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]

        run = demo(var_dir, port)

    assert run.returncode != 0
    assert f"Port {port} on 127.0.0.1 is already in use" in run.stderr
    assert f"make demo PORT={port + 1}" in run.stderr
