"""make bench-ingest: ingest at scale on PostgreSQL, against the physical limit (COPY).

Run: .venv/bin/python bench/run_ingest.py [--postgres URL] [--seconds 60] [--threads N]

gunicorn (2 workers) on a throw-away database: one POST of 10,000 statements while the
workers' memory is sampled; 4 clients POSTing batches of 100 for --seconds; then the rows
that run stored COPYed into tables of the same shape (bench/copy_baseline.py). Prints the
tables and rewrites the "Ingest at scale" section of docs/benchmarks.md.
"""

from datetime import UTC, datetime, timedelta

import psycopg
from copy_baseline import copy_at_once, copy_concurrently, stored_batches
from ingest import compact_json, ingest_for, post_sampled, warm_up
from ingest_report import ingest_tables
from lrs import Lrs
from machine import machine_summary
from options import command_line, postgres_parser, postgres_url, shown
from population import ORGANISATIONS, Traffic
from processes import CpuMeter, postgres_pids
from report import INGEST, conditions, load_average, section, write_doc
from server import throwaway_server, with_database

DATABASE = "kipina_bench_ingest"
WORKERS = 2
CLIENTS, BATCH_SIZE, BIG_BATCH_SIZE = 4, 100, 10_000
# Bodies are encoded before the clock starts, enough for this rate over the whole run; a
# faster server runs out early, and the report says so.
RATE_CAP = 9_000


def request_bodies(count: int, seed: int) -> list[tuple[int, bytes]]:
    """`count` bodies of BATCH_SIZE statements from one LMS, as compact JSON."""
    traffic = Traffic(seed, organisations=ORGANISATIONS[:1])
    now = datetime.now(tz=UTC)
    bodies = []
    for _ in range(count):
        batch = traffic.statements(BATCH_SIZE, now, timedelta(hours=1))
        bodies.append((BATCH_SIZE, compact_json(batch)))
    return bodies


def last_row_id(url: str) -> int:
    with psycopg.connect(url) as connection:
        row = connection.execute("SELECT coalesce(max(id), 0) FROM learning_records_statement")
        return int(row.fetchone()[0])  # type: ignore[index]


def main() -> None:
    parser = postgres_parser(__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument("--threads", type=int, default=1, help="threads per gunicorn worker")
    options = parser.parse_args()
    url = postgres_url(options)
    load_before = load_average()
    count = int(RATE_CAP * options.seconds / BATCH_SIZE)
    print(f"Encoding {count:,} batches of {BATCH_SIZE} statements...", flush=True)
    bodies = request_bodies(count, seed=20_241_101)
    big = Traffic(20_241_102, ORGANISATIONS[:1]).statements(
        BIG_BATCH_SIZE, datetime.now(tz=UTC), timedelta(days=1)
    )
    database_url = with_database(url, DATABASE)
    with throwaway_server(
        url, database=DATABASE, workers=WORKERS, threads=options.threads
    ) as server:
        lrs = Lrs.of(server)
        warm_up(lrs)
        print(f"One POST of {BIG_BATCH_SIZE:,}...", flush=True)
        big_post = post_sampled(lrs, server, big)
        after = last_row_id(database_url)
        print(f"{CLIENTS} clients for {options.seconds:g} s...", flush=True)
        meter = CpuMeter(
            {
                "gunicorn workers": server.worker_pids,
                "postgres backends": lambda: postgres_pids(DATABASE)[0],
                "postgres background": lambda: postgres_pids(DATABASE)[1],
            }
        )
        sustained = ingest_for(lrs, bodies, CLIENTS, options.seconds, meter)
        print("COPY of the same rows...", flush=True)
        batches = stored_batches(database_url, after, BATCH_SIZE)
        copied = copy_concurrently(database_url, DATABASE, batches, CLIENTS)
        keyed = copy_concurrently(database_url, DATABASE, batches, CLIENTS, foreign_keys=True)
        at_once = copy_at_once(database_url, DATABASE, batches)
        server_command, errors = server.command, server.errors()
    command = command_line("bench-ingest", url)
    extra = (
        f"Server: `{server_command}`, production settings, PostgreSQL at {shown(url)} "
        f"(database `{DATABASE}`, created and dropped)."
    )
    if errors:
        extra += f" The server logged {len(errors)} errors: " + "; ".join(
            f"`{line[:160]}`" for line in sorted(set(errors))
        )
    tables = ingest_tables(big_post, sustained, (copied, keyed, at_once))
    text = section(INGEST, machine_summary(url), [conditions(command, load_before, extra), *tables])
    print(text, flush=True)
    write_doc({INGEST: text})


if __name__ == "__main__":
    main()
