"""Tables of results against their targets, the machine they ran on, and docs/benchmarks.md."""

import re
import statistics
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

DOC = Path(__file__).resolve().parent.parent / "docs" / "benchmarks.md"
SECTION_ORDER = ("Validation", "SQLite", "PostgreSQL")
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


def section(title: str, machine: str, tables: list[str]) -> str:
    run = datetime.now(tz=UTC).strftime("%Y-%m-%d %H:%M UTC")
    return "\n\n".join([f"## {title}", f"Run {run} on {machine}.", *tables])


def write_doc(sections: dict[str, str], path: Path = DOC) -> None:
    """The intro and every section: this run's, and the previous ones for other databases."""
    previous = _sections(path.read_text()) if path.exists() else {}
    merged = previous | sections
    body = [merged[title].strip() for title in SECTION_ORDER if title in merged]
    path.write_text("\n\n".join([INTRO.strip(), *body]) + "\n")


def _sections(text: str) -> dict[str, str]:
    found = {}
    for block in re.split(r"^(?=## )", text, flags=re.M):
        title = block.partition("\n")[0].removeprefix("## ").strip()
        if block.startswith("## ") and title in SECTION_ORDER:
            found[title] = block
    return found
