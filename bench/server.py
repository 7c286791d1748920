"""Kipinä behind gunicorn for the benchmarks, with production settings.

`throwaway_server`: like scripts/conformance, SQLite in a temporary directory or a database
created next to the given PostgreSQL URL and dropped afterwards, with one LRS client.
`gunicorn` alone serves a database that already exists (the kept data of bench-query).
"""

import os
import re
import secrets
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.parse
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from http.client import HTTPConnection
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
KEY, SECRET = "bench", "bench-secret"
WORKERS, THREADS = 3, 4
BENCH_DATABASE = "kipina_bench"
# Three workers importing the project take over 20 s on a 2-core machine that is busy.
STARTUP_SECONDS = 90
_EXCEPTION_LINE = re.compile(
    r"^[a-z_][\w.]*\.[A-Z]\w*(Error|Exception|Violation|Conflict)\b: |^[A-Z]\w*(Error|Exception): "
)


@dataclass(frozen=True)
class Server:
    host: str
    port: int
    master_pid: int
    command: str
    log_path: Path

    def errors(self) -> list[str]:
        """The exception lines of the tracebacks in the server's log, e.g.
        "psycopg.errors.UniqueViolation: duplicate key value ...", in order."""
        lines = self.log_path.read_text(errors="replace").splitlines()
        return [line for line in lines if _EXCEPTION_LINE.match(line)]

    def worker_pids(self) -> list[int]:
        """The gunicorn workers: the master's children, found through /proc."""
        children = []
        for stat in Path("/proc").glob("[0-9]*/stat"):
            try:
                fields = stat.read_text().rpartition(")")[2].split()
            except OSError:
                continue  # the process ended while we looked
            if int(fields[1]) == self.master_pid:
                children.append(int(stat.parent.name))
        return children


@contextmanager
def throwaway_server(
    postgres_url: str | None,
    *,
    database: str = BENCH_DATABASE,
    workers: int = WORKERS,
    threads: int = THREADS,
) -> Iterator[Server]:
    with (
        tempfile.TemporaryDirectory(prefix="kipina-bench-") as var_dir,
        throwaway_database(postgres_url, database) as database_url,
    ):
        env = server_env(Path(var_dir), database_url)
        manage(env, "migrate", "-v0")
        client = ("Bench", "--organisation", "Bench", "--key", KEY, "--secret", SECRET)
        manage(env, "create_lrs_client", *client)
        with gunicorn(env, workers=workers, threads=threads) as server:
            yield server


@contextmanager
def throwaway_database(postgres_url: str | None, database: str) -> Iterator[str | None]:
    """A new, empty database next to `postgres_url`, dropped afterwards (None: SQLite)."""
    if postgres_url is None:
        yield None
        return
    admin_url = with_database(postgres_url, "postgres")
    drop = f"DROP DATABASE IF EXISTS {database} WITH (FORCE)"
    psql(admin_url, drop, f"CREATE DATABASE {database}")
    try:
        yield with_database(postgres_url, database)
    finally:
        psql(admin_url, drop)


def with_database(url: str, database: str) -> str:
    return urllib.parse.urlsplit(url)._replace(path=f"/{database}").geturl()


def psql(url: str, *commands: str) -> str:
    """Run SQL through psql (each command its own transaction) and return its bare output."""
    executable = shutil.which("psql")
    if executable is None:
        raise RuntimeError("psql is not on PATH; it is needed to create the bench database")
    arguments = [executable, "-q", "-tA", "-v", "ON_ERROR_STOP=1", url]
    for command in commands:
        arguments += ["-c", command]
    return subprocess.run(arguments, check=True, capture_output=True, text=True).stdout.strip()  # noqa: S603


def throwaway_badge_key() -> str:
    """A new Ed25519 key (PEM) for the run: production settings refuse to start without a
    badge signing key, and nothing a benchmark signs is kept."""
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import ed25519

    return (
        ed25519.Ed25519PrivateKey.generate()
        .private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
        .decode()
    )


def server_env(var_dir: Path, database_url: str | None) -> dict[str, str]:
    """Production settings (DEBUG off), as the docker-compose web service runs. No REDIS_URL:
    Celery is eager, so the projector kick after each stored batch does nothing."""
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REDIS_URL")}
    env |= {
        "KIPINA_VAR_DIR": str(var_dir),
        "DJANGO_DEBUG": "false",
        "DJANGO_SECRET_KEY": secrets.token_urlsafe(50),
        "KIPINA_BADGE_SIGNING_KEY": throwaway_badge_key(),
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1",
        # Loopback speaks plain HTTP; production terminates TLS at the load balancer.
        "DJANGO_SECURE_SSL_REDIRECT": "false",
        "LOG_LEVEL": "WARNING",
    }
    if database_url is not None:
        env["DATABASE_URL"] = database_url
    return env


def manage(env: dict[str, str], *arguments: str) -> None:
    command = [sys.executable, "manage.py", *arguments]
    subprocess.run(command, cwd=BASE_DIR, env=env, check=True, stdout=subprocess.DEVNULL)  # noqa: S603


@contextmanager
def gunicorn(env: dict[str, str], *, workers: int, threads: int) -> Iterator[Server]:
    """gunicorn serving the project with `env`: `workers` processes of `threads` threads;
    its log goes to the KIPINA_VAR_DIR of `env`."""
    port = _free_port()
    options = ["-w", str(workers), "--threads", str(threads), "--timeout", "120"]
    command = [sys.executable, "-m", "gunicorn", "backend.wsgi", "-b", f"127.0.0.1:{port}"]
    log_path = Path(env["KIPINA_VAR_DIR"]) / "gunicorn.log"
    with log_path.open("w") as log:
        process = subprocess.Popen(  # noqa: S603
            [*command, *options], cwd=BASE_DIR, env=env, stdout=log, stderr=subprocess.STDOUT
        )
    try:
        _wait_until_serving("127.0.0.1", port, process, log_path)
        shown = f"gunicorn backend.wsgi {' '.join(options)}"
        yield Server("127.0.0.1", port, process.pid, shown, log_path)
    finally:
        process.terminate()
        process.wait(timeout=30)


def _wait_until_serving(
    host: str, port: int, process: subprocess.Popen[bytes], log_path: Path
) -> None:
    deadline = time.monotonic() + STARTUP_SECONDS
    while time.monotonic() < deadline and process.poll() is None:
        connection = HTTPConnection(host, port, timeout=2)
        try:
            connection.request("GET", "/xapi/about")
            if connection.getresponse().status == 200:
                return
        except OSError:
            time.sleep(0.2)
        finally:
            connection.close()
    raise RuntimeError(f"gunicorn did not start:\n{log_path.read_text()}")


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def peak_rss_mb(pids: list[int]) -> float:
    """The largest peak resident set (VmHWM) among the processes, in MB."""
    peaks = [0]
    for pid in pids:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                peaks.append(int(line.split()[1]))  # in kB
    return max(peaks) / 1024
