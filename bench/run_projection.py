"""make bench-projection: how fast the progress projector reads the log, on PostgreSQL.

Run: .venv/bin/python bench/run_projection.py [--postgres URL] [--statements 200000]

A throw-away database gets a network of 2,000 learners on 10 pathways and the statements
of bench/projection.py; progress_project() then runs from a fresh cursor, and once more
with nothing new. Prints the table and rewrites the "Projection" section of
docs/benchmarks.md.
"""

import json
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

from machine import machine_summary
from options import command_line, postgres_parser, postgres_url, shown
from report import PROJECTION, Row, conditions, load_average, markdown_table, section, write_doc
from server import BASE_DIR, manage, server_env, throwaway_database

DATABASE = "kipina_bench_projection"
RATE_TARGET = 5_000  # statements/s: the network's target for the projector on PostgreSQL


def run_projection(database_url: str, statements: int) -> dict[str, Any]:
    env = server_env(Path(tempfile.gettempdir()), database_url)
    # Batches of 10,000 on a busy 2-core machine may outlast the request deadline of 8 s;
    # the benchmark is the only writer, so a longer one changes nothing else.
    env |= {"KIPINA_XAPI_STORE_DEADLINE_SECONDS": "600", "KIPINA_PROGRESS_SETTLE_SECONDS": "601"}
    manage(env, "migrate", "-v0")
    command = [sys.executable, str(BASE_DIR / "bench" / "projection.py")]
    answer = subprocess.run(  # noqa: S603
        [*command, "--statements", str(statements)],
        cwd=BASE_DIR,
        env=env,
        stdout=subprocess.PIPE,
        text=True,
        check=True,
    )
    result: dict[str, Any] = json.loads(answer.stdout)
    return result


def projection_rows(result: dict[str, Any]) -> list[Row]:
    rows = []
    for name, run in (
        ("from a fresh cursor", result["first"]),
        ("again, nothing new", result["second"]),
    ):
        rate = run["statements"] / run["seconds"]
        cpu = (
            f"Python {run['process_cpu_seconds']:.1f} s, "
            f"PostgreSQL {run['postgres_cpu_seconds']:.1f} s"
        )
        cells = (
            f"progress_project() {name}",
            f"{run['statements']:,} statements, {run['enrolments_updated']:,} enrolment updates",
            f"{run['seconds']:.2f} s",
            f"{rate:,.0f} statements/s" if run["statements"] else "",
            cpu,
            f"≥ {RATE_TARGET:,} statements/s" if run["statements"] else "",
        )
        rows.append(Row(cells, rate >= RATE_TARGET if run["statements"] else None))
    return rows


def main() -> None:
    parser = postgres_parser(__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--statements", type=int, default=200_000)
    options = parser.parse_args()
    url = postgres_url(options)
    load_before = load_average()
    with throwaway_database(url, DATABASE) as database_url:
        assert database_url is not None
        result = run_projection(database_url, options.statements)
    command = command_line("bench-projection", url)
    extra = (
        f"PostgreSQL at {shown(url)} (database `{DATABASE}`, created and dropped). Network: "
        f"{result['people']:,} people with a linked LMS account, {result['enrolments']:,} "
        f"enrolments on 10 pathways of 3 milestones with {result['criteria']} milestone "
        f"activities in all, built in {result['network_seconds']:.0f} s; statements "
        f"stored through `statements_store` in {result['store_seconds']:.0f} s. The projection "
        f"wrote {result['evidence']:,} evidence rows, {result['qualifications']:,} "
        f"qualifications and {result['events']:,} progress events."
    )
    table = markdown_table(
        ("run", "read", "time", "speed", "CPU", "target"), projection_rows(result)
    )
    text = section(
        PROJECTION, machine_summary(url), [conditions(command, load_before, extra), table]
    )
    print(text, flush=True)
    write_doc({PROJECTION: text})


if __name__ == "__main__":
    main()
