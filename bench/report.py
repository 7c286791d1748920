"""Tables of results against their targets, the machine they ran on, and docs/benchmarks.md."""

import os
import re
import statistics
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

DOC = Path(__file__).resolve().parent.parent / "docs" / "benchmarks.md"
INGEST, QUERIES, PROJECTION, LOAD = (
    "Ingest at scale (PostgreSQL)",
    "Queries at 1,000,000 statements (PostgreSQL)",
    "Projection (PostgreSQL)",
    "Load: LMS clients posting and querying at once (PostgreSQL)",
)
SECTION_ORDER = ("Validation", "SQLite", "PostgreSQL", INGEST, QUERIES, PROJECTION, LOAD)
INTRO = """# Benchmarks

What `make bench` (`bench/run.py`) measures, on a throw-away database and server each run:

- **Validation**: `parse_statements` on 10,000 realistic statements (`bench/xapi_validate.py`),
  in process, best and median of 5.
- **Ingest**: a gunicorn (`-w 3 --threads 4`, production settings) over loopback; one POST of a
  10,000-statement batch (12.6 MB of compact JSON, within the default
  `KIPINA_XAPI_MAX_BODY_BYTES` of 32 MB), then 200 POSTs of 50 statements from 4 client
  threads.
- **Queries**: with the 20,000 statements of the ingest stored, 200 GETs of each kind
  (limit=100), filter values taken from random stored statements; p50/p95/p99.

Rerun: `make bench` (SQLite; also PostgreSQL when `DATABASE_URL` is set), or
`DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres make bench` for both on this
machine (a `kipina_bench` database is created and dropped). Each run replaces the sections
of the databases it ran on. Targets are the project's standards; a miss says FAIL.

Three more targets measure at scale, on PostgreSQL only (`DATABASE_URL` or `--postgres`),
with realistic traffic from `bench/population.py` (several organisations' LMSs, thousands
of learners with power-law activity, courses of 15-54 activities, registrations,
instructors, 1.5 % voiding statements and 1 % other StatementRefs):

- `make bench-ingest` (`bench/run_ingest.py`): gunicorn with 2 workers on a throw-away
  `kipina_bench_ingest`; one POST of 10,000 statements while the workers' memory is
  sampled; then 4 clients POST batches of 100 for 60 s; then the rows that stored (the
  statements and their agent and activity index rows) are COPYed again from the client
  into tables of the same shape, the physical limit (`bench/copy_baseline.py` says what
  is and is not included). CPU seconds come from /proc/<pid>/stat: the gunicorn workers,
  the PostgreSQL backends of the bench database, PostgreSQL's background processes, the
  bench process itself; "other processes" is the rest of the machine's busy time
  (/proc/stat), i.e. other work on the machine.
- `make bench-query` (`bench/run_query.py`): 1,000,000 statements stored through
  `statements_store` into `kipina_bench_query`, which is kept while its row count and
  fingerprint match (`--regenerate` to rebuild); p50/p95/p99 of 200 GETs a kind over HTTP,
  the PostgreSQL plan of each kind, and a walk through every statement by `more` links
  while the workers' memory is sampled.
- `make bench-projection` (`bench/run_projection.py`): a network of 2,000 learners on 10
  pathways and 200,000 statements about their milestone activities, then
  `progress_project()` from a fresh cursor, and again with nothing new.

Each of these three replaces only its own section; the load average before and after is
in each, as other work on a 2-core machine shows in the numbers. Rerun on this machine:
`DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres make bench-ingest` (likewise
`bench-query`, with `BENCH_QUERY_FLAGS=--regenerate` to store the statements anew, and
`bench-projection`). The targets are the network's: ingest ≥ 5,000 statements/s and
≥ 0.3× COPY, a 10,000-statement POST in < 5 s; query p95 < 30 ms at 1,000,000 statements
with an index for every parameter (no Seq Scan on the statement tables); projection
≥ 5,000 statements/s.

`make bench-load` (`bench/load_lrs.py`, PostgreSQL only) is the load test: 50 LMS clients,
each with its own credentials, posting batches of 1-10 statements, putting single ones,
getting them back by id and querying by agent, verb, activity, registration and `since`
(following `more` links) against gunicorn for 60 s, each in a closed loop with no pause, on
a copy of a kept seed of 100,000 statements (`kipina_bench_load_seed`). Every answer is checked;
the target is no failed request, no exception in the server log, and every acknowledged
statement stored once. Its section gives throughput and p50/p95/p99 per kind of request.
"""


@dataclass(frozen=True)
class Row:
    cells: tuple[str, ...]
    passed: bool | None = None  # None: no target for this row

    def rendered(self) -> tuple[str, ...]:
        verdict = "" if self.passed is None else ("pass" if self.passed else "FAIL")
        return (*self.cells, verdict)


def percentiles_ms(latencies_ms: list[float]) -> tuple[float, float, float]:
    """p50, p95, p99."""
    cuts = statistics.quantiles(latencies_ms, n=100, method="inclusive")
    return cuts[49], cuts[94], cuts[98]


def markdown_table(header: tuple[str, ...], rows: list[Row]) -> str:
    lines = ["| " + " | ".join((*header, "pass")) + " |", "|" + "---|" * (len(header) + 1)]
    lines += ["| " + " | ".join(row.rendered()) + " |" for row in rows]
    return "\n".join(lines)


def plain_table(header: tuple[str, ...], rows: list[tuple[str, ...]]) -> str:
    """A table of observations, without targets."""
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return "\n".join(lines)


def section(title: str, machine: str, tables: list[str]) -> str:
    run = datetime.now(tz=UTC).strftime("%Y-%m-%d %H:%M UTC")
    return "\n\n".join([f"## {title}", f"Run {run} on {machine}.", *tables])


def load_average() -> str:
    return "/".join(f"{load:.2f}" for load in os.getloadavg())


def conditions(command: str, load_before: str, extra: str = "") -> str:
    """The command that produced a section, and the load average (1/5/15 min) around it."""
    return f"Command: `{command}`. Load average {load_before} before, {load_average()} after." + (
        f" {extra}" if extra else ""
    )


def write_doc(sections: dict[str, str], path: Path = DOC) -> None:
    """The intro and every section: this run's, and the previous ones of other runs. Sections
    this module does not know (other benchmarks write their own) stay, after these."""
    previous = _sections(path.read_text()) if path.exists() else {}
    merged = previous | sections
    body = [merged[title].strip() for title in SECTION_ORDER if title in merged]
    body += [block.strip() for title, block in merged.items() if title not in SECTION_ORDER]
    path.write_text("\n\n".join([INTRO.strip(), *body]) + "\n")


def _sections(text: str) -> dict[str, str]:
    found = {}
    for block in re.split(r"^(?=## )", text, flags=re.M):
        if block.startswith("## "):
            found[block.partition("\n")[0].removeprefix("## ").strip()] = block
    return found
