"""Real processes for multi-process tests: a Redis of the test's own, gunicorn, a Celery
worker and beat, all on one throw-away SQLite file (WAL) in a tmp dir (or on the database a
test passes as DATABASE_URL). Each process leads a process group of its own, so `kill` takes
a worker's pool children with it."""

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import pytest

BASE_DIR = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def wait_for(what: str, check: Callable[[], bool], timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():
            return
        time.sleep(0.2)
    pytest.fail(f"{what} did not happen within {timeout:.0f} s")


def _group_alive(group: int) -> bool:
    """Whether a process of the group still runs (zombies, waiting for a reaper, do not)."""
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            # pid (comm) state ppid pgrp ...: comm may hold spaces, so split after its ")".
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            continue
        if int(fields[2]) == group and fields[0] != "Z":
            return True
    return False


class Stack:
    def __init__(self, tmp: Path, **settings: str) -> None:
        self.tmp = tmp
        self.redis_port = free_port()
        self.web_port = free_port()
        self.env = {
            k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REDIS_URL")
        } | {
            "KIPINA_VAR_DIR": str(tmp),
            "REDIS_URL": f"redis://127.0.0.1:{self.redis_port}/0",
            "DJANGO_SETTINGS_MODULE": "backend.settings",
            "PYTHONUNBUFFERED": "1",
            **settings,
        }
        self.processes: dict[str, subprocess.Popen[bytes]] = {}

    # --- processes ---------------------------------------------------------------------
    def start_redis(self) -> None:
        binary = shutil.which("redis-server")
        if binary is None:
            pytest.fail("redis-server is not installed (Debian package redis-server)")
        self._spawn(
            "redis",
            [
                binary,
                "--port",
                str(self.redis_port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
            ],
        )
        wait_for("redis", lambda: self._answers(self.redis_port))

    def stop(self, name: str) -> None:
        process = self.processes.pop(name)
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()

    def start_web(self) -> None:
        self._spawn(
            "web",
            [
                sys.executable,
                "-m",
                "gunicorn",
                "backend.wsgi",
                "-b",
                f"127.0.0.1:{self.web_port}",
                "-w",
                "2",
                "--threads",
                "2",
            ],
        )
        wait_for("web", lambda: self._answers(self.web_port))

    def kill(self, name: str) -> None:
        """SIGKILL the process and its process group (a prefork worker's pool children), as
        the OOM killer or a lost machine would: nothing of it gets to clean up."""
        process = self.processes.pop(name)
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=20)
        wait_for(f"{name}'s process group to be gone", lambda: not _group_alive(process.pid))

    def start_worker(self, *, pool: str = "solo") -> None:
        """A worker; with pool="prefork", one pool child runs the tasks (time limits apply)."""
        options = ["--concurrency", "1"] if pool == "prefork" else []
        self._spawn(
            "worker",
            [
                sys.executable,
                "-m",
                "celery",
                "-A",
                "backend",
                "worker",
                "--pool",
                pool,
                *options,
                "--loglevel",
                "INFO",
            ],
        )

    def start_beat(self) -> None:
        schedule = self.tmp / "beat-schedule"
        self._spawn(
            "beat",
            [
                sys.executable,
                "-m",
                "celery",
                "-A",
                "backend",
                "beat",
                "--schedule",
                str(schedule),
                "--loglevel",
                "INFO",
            ],
        )

    def close(self) -> None:
        for name in list(self.processes):
            self.stop(name)

    def _spawn(self, name: str, command: list[str]) -> None:
        log = open(self.tmp / f"{name}.log", "ab")  # noqa: SIM115  (closed with the process)
        self.processes[name] = subprocess.Popen(
            command,
            cwd=BASE_DIR,
            env=self.env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )

    def log(self, name: str) -> str:
        return (self.tmp / f"{name}.log").read_text(errors="replace")[-4000:]

    @staticmethod
    def _answers(port: int) -> bool:
        with socket.socket() as probe:
            return probe.connect_ex(("127.0.0.1", port)) == 0

    # --- the app -----------------------------------------------------------------------
    def manage(self, *args: str) -> str:
        result = subprocess.run(
            [sys.executable, "manage.py", *args],
            cwd=BASE_DIR,
            env=self.env,
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
        assert result.returncode == 0, result.stderr[-3000:]
        return result.stdout

    def python(self, code: str) -> Any:
        """Run Django code in a separate process; it prints one JSON value."""
        return json.loads(self.manage("shell", "-c", code).strip().splitlines()[-1])

    def post_statements(self, key: str, secret: str, statements: list[dict[str, Any]]) -> int:
        import base64

        request = urllib.request.Request(
            f"http://127.0.0.1:{self.web_port}/xapi/statements",
            data=json.dumps(statements).encode(),
            method="POST",
            headers={
                "Authorization": "Basic " + base64.b64encode(f"{key}:{secret}".encode()).decode(),
                "X-Experience-API-Version": "1.0.3",
                "Content-Type": "application/json",
            },
        )
        with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310  (loopback)
            return int(response.status)


class MigratedTemplate:
    """One migrated database that a module's tests each start from a copy of: `migrate` on
    an empty database takes a minute or more on a busy machine, a copy a second. PostgreSQL
    (`database` names a scratch database, tests/e2e/pgcluster.py) copies it with CREATE
    DATABASE ... TEMPLATE; SQLite copies the file into the stack's own directory."""

    def __init__(self, tmp: Path, database: dict[str, str]) -> None:
        self.tmp, self.url = tmp, database.get("DATABASE_URL", "")
        env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REDIS_URL")}
        env |= {"KIPINA_VAR_DIR": str(tmp), "DJANGO_SETTINGS_MODULE": "backend.settings"}
        env |= database
        subprocess.run(
            [sys.executable, "manage.py", "migrate", "-v0"],
            cwd=BASE_DIR,
            env=env,
            check=True,
            timeout=900,
        )

    @contextmanager
    def copy(self, tmp: Path) -> Iterator[dict[str, str]]:
        """A fresh copy for one test's stack in `tmp`, as settings for Stack; a PostgreSQL
        copy is dropped afterwards."""
        if not self.url:
            shutil.copyfile(self.tmp / "kipina.sqlite3", tmp / "kipina.sqlite3")
            yield {}
            return
        import psycopg

        parts = urlsplit(self.url)
        template = parts.path.lstrip("/")
        copy = f"{template}_{uuid.uuid4().hex[:6]}"
        with psycopg.connect(self.url, dbname="postgres", autocommit=True) as admin:
            admin.execute(f'CREATE DATABASE "{copy}" TEMPLATE "{template}"')
        try:
            yield {"DATABASE_URL": urlunsplit(parts._replace(path=f"/{copy}"))}
        finally:
            with psycopg.connect(self.url, dbname="postgres", autocommit=True) as admin:
                admin.execute(f'DROP DATABASE IF EXISTS "{copy}" WITH (FORCE)')
