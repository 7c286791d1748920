"""The benchmarks of `make bench`: validation, ingest and queries against their targets.

Run: .venv/bin/python bench/run.py [--postgres URL] [--sqlite-only]

SQLite always; PostgreSQL too when --postgres or DATABASE_URL names a PostgreSQL server.
Prints the tables and rewrites this run's sections of docs/benchmarks.md.
"""

import argparse
import os
import statistics

from ingest import BatchPost, SustainedIngest, ingest_concurrently, post_one_batch, warm_up
from lrs import Lrs
from machine import machine_summary
from queries import QueryLatency, all_latencies
from report import Row, markdown_table, percentiles_ms, section, write_doc
from server import throwaway_server
from xapi_validate import SEED, mean_statement_bytes, statement_batch, validation_timings

BATCH_SIZE = 10_000
VALIDATION_REPEAT = 5
SMALL_BATCH_SIZE, SMALL_BATCHES, CLIENT_THREADS = 50, 200, 4
QUERIES_PER_KIND = 200
# The project's standards.
VALIDATION_TARGET_S = 2.0
BATCH_POST_TARGET_S = 10.0
QUERY_P95_TARGET_MS = 100.0


def validation_section(machine: str) -> str:
    batch = statement_batch(BATCH_SIZE)
    timings = validation_timings(batch, VALIDATION_REPEAT)
    median = statistics.median(timings)
    measure = (
        f"parse_statements, {BATCH_SIZE:,} statements ({mean_statement_bytes(batch):,.0f} B each)"
    )
    row = Row(
        (
            measure,
            f"{min(timings):.3f} s",
            f"{median:.3f} s",
            f"median < {VALIDATION_TARGET_S:g} s",
        ),
        median < VALIDATION_TARGET_S,
    )
    table = markdown_table(("measure", "best of 5", "median of 5", "target"), [row])
    return section("Validation", machine, [table])


def database_section(title: str, postgres_url: str | None) -> str:
    """Ingest, then queries over what was ingested, on a fresh database and server."""
    big_batch = statement_batch(BATCH_SIZE)
    small = statement_batch(SMALL_BATCH_SIZE * SMALL_BATCHES, seed=SEED + 1)
    small_batches = [
        small[i : i + SMALL_BATCH_SIZE] for i in range(0, len(small), SMALL_BATCH_SIZE)
    ]
    with throwaway_server(postgres_url) as server:
        lrs = Lrs.of(server)
        warm_up(lrs)
        batch = post_one_batch(lrs, server, big_batch)
        sustained = ingest_concurrently(lrs, small_batches, CLIENT_THREADS)
        queries = all_latencies(lrs, big_batch + small, QUERIES_PER_KIND)
    tables = [
        markdown_table(
            ("ingest", "result", "target"), [*batch_rows(batch), sustained_row(sustained)]
        ),
        markdown_table(
            ("query (limit=100)", "statements returned", "p50", "p95", "p99", "target"),
            [query_row(query) for query in queries],
        ),
    ]
    return section(title, machine_summary(postgres_url), tables)


def batch_rows(batch: BatchPost) -> list[Row]:
    measure = f"one POST of {batch.statements:,} statements ({batch.body_bytes / 1e6:.1f} MB)"
    speed = f"{batch.seconds:.2f} s, {batch.statements_per_second:,.0f} statements/s"
    memory = (
        f"{batch.workers_peak_rss_mb:.0f} MB after that POST "
        f"({batch.workers_peak_rss_before_mb:.0f} MB before)"
    )
    return [
        Row((measure, speed, f"< {BATCH_POST_TARGET_S:g} s"), batch.seconds < BATCH_POST_TARGET_S),
        Row(("peak RSS of the largest gunicorn worker", memory, "")),
    ]


def sustained_row(sustained: SustainedIngest) -> Row:
    p50, p95, p99 = percentiles_ms(sustained.latencies_ms)
    measure = f"{SMALL_BATCHES} POSTs of {SMALL_BATCH_SIZE}, {CLIENT_THREADS} client threads"
    result = (
        f"{sustained.statements_per_second:,.0f} statements/s; "
        f"latency p50 {p50:.0f} ms, p95 {p95:.0f} ms, p99 {p99:.0f} ms"
    )
    return Row((measure, result, ""))


def query_row(query: QueryLatency) -> Row:
    p50, p95, p99 = percentiles_ms(query.latencies_ms)
    return Row(
        (
            query.kind,
            f"{query.mean_returned:.1f}",
            f"{p50:.1f} ms",
            f"{p95:.1f} ms",
            f"{p99:.1f} ms",
            f"p95 < {QUERY_P95_TARGET_MS:g} ms",
        ),
        p95 < QUERY_P95_TARGET_MS,
    )


def postgres_url_from(options: argparse.Namespace) -> str | None:
    if options.sqlite_only:
        return None
    url: str = options.postgres or os.environ.get("DATABASE_URL", "")
    return url if url.startswith(("postgres://", "postgresql://")) else None


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--postgres", metavar="URL", help="also run on this PostgreSQL server")
    parser.add_argument("--sqlite-only", action="store_true", help="ignore DATABASE_URL")
    postgres_url = postgres_url_from(parser.parse_args())
    sections = {"Validation": validation_section(machine_summary(None))}
    print(sections["Validation"], end="\n\n", flush=True)
    runs = [("SQLite", None)] + ([("PostgreSQL", postgres_url)] if postgres_url else [])
    for title, url in runs:
        sections[title] = database_section(title, url)
        print(sections[title], end="\n\n", flush=True)
    write_doc(sections)
    print(f"Wrote {', '.join(sections)} to docs/benchmarks.md")


if __name__ == "__main__":
    main()
