"""A PostgreSQL cluster of the test's own, to stop and restart under a running stack (the
shared server must never be restarted: other tests use it). initdb and pg_ctl come from
Debian's /usr/lib/postgresql/<version>/bin; PostgreSQL refuses to run as root, so as root the
commands run as the `postgres` OS user, in a directory of its own under /tmp (pytest's
tmp_path is root's, 0700, where that user cannot enter). `scratch_database` gives a test a
throw-away database on the suite's own server instead, when a restart is not needed."""

import glob
import os
import shutil
import subprocess
import tempfile
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import pytest

from tests.conftest import REQUIRE_SERVICES
from tests.e2e.stack import free_port


def _binaries() -> Path | None:
    found = sorted(
        (Path(p).parent for p in glob.glob("/usr/lib/postgresql/*/bin/pg_ctl")),
        key=lambda path: int(path.parent.name) if path.parent.name.isdigit() else 0,
    )
    return found[-1] if found and (found[-1] / "initdb").exists() else None


class PgCluster:
    def __init__(self) -> None:
        binaries = _binaries()
        if binaries is None:
            message = "initdb and pg_ctl are needed (Debian package postgresql)"
            if REQUIRE_SERVICES:
                pytest.fail(message + " (KIPINA_REQUIRE_SERVICES=1 makes this a failure)")
            pytest.skip(message)
        self.bin = binaries
        self.port = free_port()
        self.root = Path(tempfile.mkdtemp(prefix="kipina-pg-"))
        self.data = self.root / "data"
        self.as_postgres = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
        if self.as_postgres:
            shutil.chown(self.root, user="postgres", group="postgres")
        self._run(
            "initdb",
            "-D",
            str(self.data),
            "-U",
            "postgres",
            "--auth=trust",
            "-E",
            "UTF8",
            "--no-sync",
        )

    def url(self, database: str = "postgres") -> str:
        return f"postgres://postgres@127.0.0.1:{self.port}/{database}"

    def start(self) -> None:
        # fsync off: an immediate stop kills the server's processes, not the machine, so
        # what they wrote is in the kernel's page cache and crash recovery replays it.
        options = (
            f"-p {self.port} -c listen_addresses=127.0.0.1 -k {self.root} "
            "-c fsync=off -c full_page_writes=off -c max_connections=50"
        )
        self._run(
            "pg_ctl", "-D", str(self.data), "-l", str(self.root / "server.log"),
            "-o", options, "-w", "-t", "60", "start",
        )  # fmt: skip

    def stop(self, *, mode: str = "immediate") -> None:
        """`immediate` is a crash (no checkpoint, connections cut mid-query); `fast` a clean
        shutdown that still cuts every connection."""
        self._run("pg_ctl", "-D", str(self.data), "-m", mode, "-w", "-t", "60", "stop")

    def create_database(self, name: str) -> str:
        import psycopg

        with psycopg.connect(self.url(), autocommit=True) as admin:
            admin.execute(f'CREATE DATABASE "{name}"')
        return self.url(name)

    def log(self) -> str:
        path = self.root / "server.log"
        return path.read_text(errors="replace")[-4000:] if path.exists() else ""

    def close(self) -> None:
        if (self.data / "postmaster.pid").exists():
            self.stop()
        shutil.rmtree(self.root, ignore_errors=True)

    def _run(self, program: str, *args: str) -> None:
        result = subprocess.run(
            [*self.as_postgres, str(self.bin / program), *args],
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
        assert result.returncode == 0, f"{program} failed: {result.stderr[-2000:]}\n{self.log()}"


@contextmanager
def scratch_database() -> Iterator[dict[str, str]]:
    """With DATABASE_URL naming PostgreSQL: a database of the test's own on that server (a
    unique name, so tests running side by side never share one), dropped afterwards, as
    {"DATABASE_URL": ...} for a Stack. Without it: {} (the stack's own SQLite file)."""
    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith(("postgres://", "postgresql://")):
        yield {}
        return
    import psycopg

    parts = urlsplit(url)
    name = f"{parts.path.lstrip('/')}_faults_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(url, dbname="postgres", autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    try:
        yield {"DATABASE_URL": urlunsplit(parts._replace(path=f"/{name}"))}
    finally:
        with psycopg.connect(url, dbname="postgres", autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
