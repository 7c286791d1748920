"""The tables of `make bench-query`: latency against the target, plans, and memory."""

from typing import Any

from report import Row, markdown_table, percentiles_ms, plain_table
from walk import KindLatency, Walk

P95_TARGET_MS = 30.0  # the network's target at 1,000,000 statements
PLAN_LINES = 12


def query_tables(latencies: list[KindLatency], walk: Walk, plans: list[Any]) -> list[str]:
    walked = KindLatency("`more` page follow (every page of the walk)", walk.latencies_ms, 100.0)
    return [
        markdown_table(
            ("query (limit=100)", "requests", "statements returned", "p50", "p95", "p99", "target"),
            [_latency_row(kind) for kind in [*latencies, walked]],
        ),
        markdown_table(
            (
                "plan of the request at p95 of each kind",
                "statement queries",
                "indexes used",
                "Seq Scan on statement tables",
            ),
            [_plan_row(plan) for plan in plans],
        ),
        _walk_table(walk),
        "Top lines of each plan: EXPLAIN (ANALYZE, BUFFERS) of the SQL that the request at "
        "p95 of each kind ran (for `more`, the link 1,000 pages into the largest store), "
        "captured by `bench/plans.py` after the timed runs:",
        *[_plan_text(plan) for plan in plans],
    ]


def _latency_row(kind: KindLatency) -> Row:
    p50, p95, p99 = percentiles_ms(kind.latencies_ms)
    return Row(
        (
            kind.kind,
            f"{len(kind.latencies_ms):,}",
            f"{kind.mean_returned:.1f}",
            f"{p50:.1f} ms",
            f"{p95:.1f} ms",
            f"{p99:.1f} ms",
            f"p95 < {P95_TARGET_MS:g} ms",
        ),
        p95 < P95_TARGET_MS,
    )


def _plan_row(plan: dict[str, Any]) -> Row:
    seq_scans = sorted({table for query in plan["queries"] for table in query["seq_scans"]})
    indexes = sorted({index for query in plan["queries"] for index in query["indexes"]})
    return Row(
        (
            plan["kind"],
            str(len(plan["queries"])),
            ", ".join(indexes) or "none",
            ", ".join(seq_scans) or "none",
        ),
        not seq_scans,
    )


def _plan_text(plan: dict[str, Any]) -> str:
    blocks = [f"**{plan['kind']}** (`{plan['path'][:160]}`)"]
    for number, query in enumerate(plan["queries"], start=1):
        timing = next((line for line in query["plan"] if line.startswith("Execution Time")), "")
        heading = f"Query {number} of {len(plan['queries'])}, {timing}"
        if query["seq_scans"]:
            heading += f"; its SQL:\n```sql\n{query['sql']}\n```\nand plan"
        blocks.append(f"{heading}:\n```\n" + "\n".join(_shown_lines(query["plan"])) + "\n```")
    return "\n\n".join(blocks)


def _shown_lines(plan: list[str]) -> list[str]:
    """The top of a plan, and every Seq Scan further down with the lines that qualify it."""
    shown = plan[:PLAN_LINES]
    for number, line in enumerate(plan[PLAN_LINES:], start=PLAN_LINES):
        if "Seq Scan" in line:
            shown += ["...", *plan[number : number + 4]]
    left = len(plan) - PLAN_LINES
    return shown + ([f"... (the plan has {left} more lines)"] if left > 0 else [])


def _walk_table(walk: Walk) -> str:
    scope = "stopped at the --walk-limit" if walk.stopped_early else "every store to its end"
    checkpoints = ", ".join(
        f"{mb:.0f} MB at {n / 1000:,.0f}k"
        for n, mb in walk.checkpoints[:: max(1, len(walk.checkpoints) // 8)]
    )
    return plain_table(
        ("walk by `more` links, limit=100", "result"),
        [
            ("statements read", f"{walk.statements:,} in {walk.seconds:.0f} s ({scope})"),
            (
                "largest gunicorn worker, resident",
                f"{walk.rss_before_mb:.0f} MB before, peak {walk.rss_peak_mb:.0f} MB, "
                f"{walk.rss_after_mb:.0f} MB after",
            ),
            ("resident along the walk", checkpoints or "(too short for checkpoints)"),
        ],
    )
