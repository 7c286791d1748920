"""make bench-load: 50 LMS clients posting and querying the LRS for 60 s, on PostgreSQL.

Run: .venv/bin/python bench/load_lrs.py [--postgres URL (default: DATABASE_URL, else the
         local server)] [--clients 50] [--seconds 60] [--warm-up 12]
         [--seed-statements 100000]

The seed is --seed-statements statements of bench/population.py's four organisations,
stored through `statements_store` (bench/dataset.py: stored times over the past year) into
`kipina_bench_load_seed`, which is kept while it fits (bench/kept_dataset.py), so queries
do not run on an empty table. Each run copies it into a throw-away `kipina_bench_load`,
migrates that and gives it one LRS client per LMS (bench/load_clients.py), spread over the
four organisations. gunicorn serves it with production settings (3 workers of 4 threads,
docker-compose's default of 3 workers). The clients (bench/load_traffic.py) warm up, then
run for --seconds. Afterwards the database must hold the seed plus every statement the LRS
acknowledged, once; the server log must show no exception. Prints the tables, rewrites the
"Load" section of docs/benchmarks.md, and exits 1 when anything failed.
"""

import os
import secrets
import statistics
import subprocess
import sys
import tempfile
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import kept_dataset
from load_clients import client_key, client_organisation
from load_traffic import KINDS, MIX, LoadClient, LoadRun, Outcome, run_load
from machine import machine_summary
from options import command_line, postgres_parser, shown
from population import ORGANISATIONS
from processes import CpuMeter, postgres_pids
from report import (
    LOAD,
    Row,
    conditions,
    load_average,
    markdown_table,
    percentiles_ms,
    plain_table,
    section,
    write_doc,
)
from server import BASE_DIR, Server, gunicorn, manage, psql, server_env, with_database

DATABASE = "kipina_bench_load"
SEED_DATABASE = "kipina_bench_load_seed"
DEFAULT_POSTGRES = "postgres://postgres@127.0.0.1:5432/postgres"
WORKERS, THREADS = 3, 4
SEED_BATCH = 10_000  # bench/dataset.py stores batches of this size
SHOWN_ERRORS = 10


def prepare(env: dict[str, str], clients: int, secret: str) -> None:
    """Bring the copy of the seed up to the project's migrations and make the clients (a
    process of its own: the Django setup stays out of this process)."""
    manage(env, "migrate", "-v0")
    command = [sys.executable, str(BASE_DIR / "bench" / "load_clients.py")]
    # One argument: a token_urlsafe secret may begin with "-".
    command += ["--clients", str(clients), f"--secret={secret}"]
    subprocess.run(command, cwd=BASE_DIR, env=env, check=True)  # noqa: S603


@contextmanager
def seeded_copy(url: str, seed_statements: int) -> Iterator[tuple[str, str]]:
    """A throw-away copy of the kept seed (bench/kept_dataset.py, made on the first run and
    whenever the generator or the LRS's migrations change), dropped afterwards; and a note
    on whether the seed was kept or made."""
    made = kept_dataset.ensure(url, SEED_DATABASE, seed_statements, regenerate=False)
    admin = with_database(url, "postgres")
    drop = f"DROP DATABASE IF EXISTS {DATABASE} WITH (FORCE)"
    psql(admin, drop, f"CREATE DATABASE {DATABASE} TEMPLATE {SEED_DATABASE}")
    try:
        yield with_database(url, DATABASE), made
    finally:
        psql(admin, drop)


def load_clients(count: int, secret: str) -> list[LoadClient]:
    by_slug = {lms.slug: lms for lms in ORGANISATIONS}
    return [
        LoadClient(client_key(n), secret, by_slug[client_organisation(n)], seed=1000 + n)
        for n in range(count)
    ]


def stored_count(database_url: str) -> int:
    return int(psql(database_url, "SELECT count(*) FROM learning_records_statement"))


def latency_table(run: LoadRun) -> str:
    rows: list[tuple[str, ...]] = []
    for kind in [*KINDS, "all requests"]:
        outcomes = [o for o in run.measured if kind in (o.kind, "all requests")]
        if len(outcomes) < 2:
            continue
        p50, p95, p99 = percentiles_ms([o.milliseconds for o in outcomes])
        returned = (
            f"{statistics.mean(o.returned for o in outcomes):.1f}" if kind in KINDS[2:] else "—"
        )
        rows.append(
            (
                kind,
                f"{len(outcomes):,}",
                f"{len(outcomes) / run.seconds:,.1f}",
                returned,
                f"{p50:.0f} ms",
                f"{p95:.0f} ms",
                f"{p99:.0f} ms",
                f"{max(o.milliseconds for o in outcomes):.0f} ms",
            )
        )
    header = ("request", "requests", "per second", "statements returned (mean)")
    return plain_table((*header, "p50", "p95", "p99", "max"), rows)


def verdict_table(run: LoadRun, server: Server, seeded: int, found: int) -> str:
    measured_stored = sum(o.stored for o in run.measured if o.error is None)
    expected = seeded + run.stored
    return markdown_table(
        ("check", "result", "target"),
        [
            Row(
                (
                    "throughput (measured window)",
                    f"{len(run.measured) / run.seconds:,.1f} requests/s, "
                    f"{measured_stored / run.seconds:,.1f} statements stored/s",
                    "—",
                )
            ),
            Row(("failed requests in the window", _errors(run.errors), "0"), not run.errors),
            Row(
                (
                    "warm-up: cold start of the workers (not a target)",
                    f"{len(run.warm_up):,} GETs, p50/max {_warm_up(run)}, failed: "
                    + _errors(run.warm_up_errors),
                    "—",
                )
            ),
            Row(
                ("exceptions in the gunicorn log", _lines(server.errors()), "0"),
                not server.errors(),
            ),
            Row(
                (
                    "statements in the database afterwards",
                    f"{found:,} (seed {seeded:,} + acknowledged {run.stored:,} = {expected:,})",
                    "= seed + acknowledged",
                ),
                found == expected,
            ),
        ],
    )


def _warm_up(run: LoadRun) -> str:
    if len(run.warm_up) < 2:
        return "too few"
    p50 = percentiles_ms([o.milliseconds for o in run.warm_up])[0]
    return f"{p50:.0f}/{max(o.milliseconds for o in run.warm_up):.0f} ms"


def _errors(errors: list[Outcome]) -> str:
    if not errors:
        return "0"
    counted = Counter(f"{o.kind}: {o.error}" for o in errors).most_common(SHOWN_ERRORS)
    shown_errors = "; ".join(f"{n}× {error}" for error, n in counted)
    return f"{len(errors):,} ({shown_errors})".replace("|", "\\|").replace("\n", " ")


def _lines(lines: list[str]) -> str:
    if not lines:
        return "0"
    counted = Counter(lines).most_common(SHOWN_ERRORS)
    return f"{len(lines):,} (" + "; ".join(f"{n}× {line[:200]}" for line, n in counted) + ")"


def _others(meter: CpuMeter) -> str:
    total = (meter.machine_busy + meter.machine_idle) or 1.0
    ours = sum(meter.used.values()) + meter.own_seconds
    others = max(meter.machine_busy - ours, 0.0) / total
    workers = meter.used["gunicorn workers"] / total
    busy = ": requests mostly waited for a core" if others > workers else ""
    return (
        f"While the window ran, other processes used {others:.0%} of the machine's CPU time "
        f"and the gunicorn workers {workers:.0%}{busy}."
    )


def cpu_table(meter: CpuMeter, clients: int) -> str:
    total = meter.machine_busy + meter.machine_idle
    ours = sum(meter.used.values()) + meter.own_seconds
    rows: list[tuple[str, ...]] = [(name, f"{s:.1f}") for name, s in meter.used.items()]
    rows.append((f"the {clients} clients (this process)", f"{meter.own_seconds:.1f}"))
    rows.append(("other processes on the machine", f"{max(meter.machine_busy - ours, 0):.1f}"))
    rows.append(("idle", f"{meter.machine_idle:.1f} of {total:.1f}"))
    return plain_table(("CPU seconds in the measured window", "seconds"), rows)


def main() -> None:
    parser = postgres_parser(__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument(
        "--warm-up", type=int, default=12, help="GETs per client before the window opens"
    )
    parser.add_argument("--seed-statements", type=int, default=100_000)
    options = parser.parse_args()
    url = options.postgres or os.environ.get("DATABASE_URL") or DEFAULT_POSTGRES
    if not url.startswith(("postgres://", "postgresql://")):
        parser.error(f"bench-load runs on PostgreSQL only, not {shown(url)}")
    if options.seed_statements % SEED_BATCH:
        parser.error(f"--seed-statements must be a multiple of {SEED_BATCH:,}")
    secret = secrets.token_urlsafe(16)
    clients = load_clients(options.clients, secret)
    print(f"A seed of {options.seed_statements:,} statements...", flush=True)
    with (
        tempfile.TemporaryDirectory(prefix="kipina-bench-") as var_dir,
        seeded_copy(url, options.seed_statements) as (database_url, made),
    ):
        env = server_env(Path(var_dir), database_url)
        prepare(env, options.clients, secret)
        seeded = stored_count(database_url)
        load_before = load_average()
        with gunicorn(env, workers=WORKERS, threads=THREADS) as server:
            meter = CpuMeter(
                {
                    "gunicorn workers": server.worker_pids,
                    "postgres backends": lambda: postgres_pids(DATABASE)[0],
                    "postgres background": lambda: postgres_pids(DATABASE)[1],
                }
            )
            print(
                f"{options.clients} clients: {options.warm_up} requests each to warm up, "
                f"{options.seconds:g} s measured...",
                flush=True,
            )
            run = run_load(
                clients,
                server.host,
                server.port,
                seconds=options.seconds,
                warm_up=options.warm_up,
                on_window=meter.start,
            )
            meter.stop()
            found = stored_count(database_url)
            verdict = verdict_table(run, server, seeded, found)
            failed = "FAIL" in verdict
            extra = (
                f"Server: `{server.command}`, production settings, PostgreSQL at {shown(url)} "
                f"(database `{DATABASE}`, a copy of `{SEED_DATABASE}` made and dropped by the "
                f"run; the seed {made}). {options.clients} "
                f"LMS clients, each with its own key, spread over the {len(ORGANISATIONS)} "
                f"organisations of the seed of {seeded:,} statements; a warm-up of "
                f"{options.warm_up} GETs a client (each worker checks a client's secret, "
                f"PBKDF2, on its first request only), then {options.seconds:g} s measured, "
                f"the window opening for all clients at once ({run.seconds:.1f} s until "
                f"the last request of the window was answered). Mix drawn per request: "
                + ", ".join(f"{kind} {weight} %" for kind, weight in MIX.items())
                + "; every filtered GET's `more` link followed with probability 1/2 (and "
                "so on down the pages). The warm-up requests are not in the latencies: on "
                "its first request from a client each gunicorn worker checks the client's "
                "secret (a PBKDF2 hash, about half a second of CPU) and then remembers it, "
                f"so a cold start with {options.clients} clients costs "
                f"{options.clients * WORKERS} such checks. {_others(meter)}"
            )
    command = command_line("bench-load", url)
    text = section(
        LOAD,
        machine_summary(url),
        [
            conditions(command, load_before, extra),
            verdict,
            latency_table(run),
            cpu_table(meter, options.clients),
        ],
    )
    print(text, flush=True)
    write_doc({LOAD: text})
    if failed:
        raise SystemExit("bench-load: failed (see the checks above)")


if __name__ == "__main__":
    main()
