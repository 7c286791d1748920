"""make bench-query: statement queries at 1,000,000 stored statements, on PostgreSQL.

Run: .venv/bin/python bench/run_query.py [--postgres URL] [--regenerate]
         [--statements N] [--per-kind 200] [--walk-limit N]

The statements are stored once into `kipina_bench_query` and kept (bench/kept_dataset.py).
gunicorn (2 workers) serves it; each kind of query runs --per-kind times over HTTP with
limit=100 and filter values of random stored statements; PostgreSQL's plan of one query of
each kind is checked for sequential scans; then every store is walked through by `more`
links while the workers' memory is sampled. Prints the tables and rewrites the "Queries at
1,000,000 statements" section of docs/benchmarks.md.
"""

import json
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

import kept_dataset
from ingest import warm_up
from lrs import Lrs
from machine import machine_summary
from options import command_line, postgres_parser, postgres_url, shown
from population import ORGANISATIONS
from processes import CpuMeter, postgres_pids
from query_kinds import KINDS, Query, draw_statements, queries
from query_report import query_tables
from report import QUERIES, conditions, load_average, section, write_doc
from server import BASE_DIR, gunicorn, server_env, with_database
from walk import timed_queries, walk_stores

DATABASE = "kipina_bench_query"
STATEMENTS = 1_000_000
BATCH_SIZE = 10_000  # bench/dataset.py stores batches of this size
WORKERS, THREADS = 2, 1
SECRET = "bench-secret"  # noqa: S105  (the throw-away clients of bench/dataset.py)


def explain(database_url: str, requests: list[Query], keys: dict[str, str]) -> list[Any]:
    """bench/plans.py's EXPLAIN (ANALYZE, BUFFERS) of each request's statement queries."""
    env = server_env(Path(tempfile.gettempdir()), database_url)
    env["DJANGO_ALLOWED_HOSTS"] = "testserver"  # the test client's host
    wanted = [{"kind": q.kind, "key": keys[q.slug], "path": q.path} for q in requests]
    answer = subprocess.run(  # noqa: S603
        [sys.executable, str(BASE_DIR / "bench" / "plans.py")],
        input=json.dumps(wanted),
        capture_output=True,
        text=True,
        cwd=BASE_DIR,
        env=env,
        check=False,
    )
    if answer.returncode != 0:
        raise RuntimeError(f"bench/plans.py failed:\n{answer.stderr}")
    result: list[Any] = json.loads(answer.stdout)
    return result


def _others(meter: CpuMeter) -> str:
    ours = sum(meter.used.values()) + meter.own_seconds
    others = max(meter.machine_busy - ours, 0.0)
    share = others / (meter.machine_busy + meter.machine_idle)
    return (
        f"While the queries and the walk ran, other processes used {share:.0%} of the "
        f"machine's CPU time."
    )


def main() -> None:
    parser = postgres_parser(__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--regenerate", action="store_true", help="store the statements anew")
    parser.add_argument("--statements", type=int, default=STATEMENTS)
    parser.add_argument("--per-kind", type=int, default=200)
    parser.add_argument("--walk-limit", type=int, help="stop the walk after this many")
    options = parser.parse_args()
    url = postgres_url(options)
    if options.statements % BATCH_SIZE:
        parser.error(f"--statements must be a multiple of {BATCH_SIZE:,}")
    load_before = load_average()
    made = kept_dataset.ensure(url, DATABASE, options.statements, regenerate=options.regenerate)
    database_url = with_database(url, DATABASE)
    made += f"; load average {load_before} when the run began"
    load_before = load_average()  # the measured part starts now
    keys = {lms.slug: f"bench-{lms.slug}" for lms in ORGANISATIONS}
    drawn = draw_statements(database_url, 6 * options.per_kind, seed=7)
    planned = {kind: queries(kind, drawn, options.per_kind) for kind in KINDS}
    with tempfile.TemporaryDirectory(prefix="kipina-bench-") as var_dir:
        env = server_env(Path(var_dir), database_url)
        with gunicorn(env, workers=WORKERS, threads=THREADS) as server:
            clients = {slug: Lrs.of(server, key, SECRET) for slug, key in keys.items()}
            for lrs in clients.values():
                warm_up(lrs)
            print("Timed queries...", flush=True)
            meter = CpuMeter(
                {
                    "gunicorn workers": server.worker_pids,
                    "postgres backends": lambda: postgres_pids(DATABASE)[0],
                    "postgres background": lambda: postgres_pids(DATABASE)[1],
                }
            )
            meter.start()
            latencies = [timed_queries(kind, planned[kind], clients) for kind in KINDS]
            print("Walking through every store by `more` links...", flush=True)
            walk = walk_stores(server, clients, options.walk_limit)
            meter.stop()
            server_command = server.command
    deep = Query("`more` page follow", walk.deep_slug, walk.deep_more)
    plans = explain(database_url, [kind.at_p95() for kind in latencies] + [deep], keys)
    command = command_line("bench-query", url)
    extra = (
        f"Server: `{server_command}`, production settings, PostgreSQL at {shown(url)} "
        f"(database `{DATABASE}`, {made}). {kept_dataset.summary(database_url)} "
        f"{_others(meter)}"
    )
    tables = query_tables(latencies, walk, plans)
    text = section(
        QUERIES, machine_summary(url), [conditions(command, load_before, extra), *tables]
    )
    print(text, flush=True)
    write_doc({QUERIES: text})


if __name__ == "__main__":
    main()
