"""The tables of `make bench-ingest`: results against targets, memory, and CPU time."""

from copy_baseline import CopyRun
from ingest import SampledPost, TimedIngest
from processes import CpuMeter
from report import Row, markdown_table, percentiles_ms, plain_table

# The network's targets (issue: "LRS ingest at scale").
RATE_TARGET = 5_000
COPY_RATIO_TARGET = 0.3
BIG_POST_TARGET_S = 5.0


def ingest_tables(
    big: SampledPost, sustained: TimedIngest, copies: tuple[CopyRun, CopyRun, CopyRun]
) -> list[str]:
    """`copies`: 4 connections; 4 connections with foreign keys; one transaction."""
    return [
        markdown_table(("measure", "result", "target"), _target_rows(big, sustained, copies)),
        plain_table(
            ("largest gunicorn worker, resident", "before", "peak during the POST", "1 s after"),
            [
                (
                    f"one POST of {big.statements:,} statements",
                    f"{big.rss_before_mb:.0f} MB",
                    f"{big.rss_peak_mb:.0f} MB",
                    f"{big.rss_after_mb:.0f} MB",
                )
            ],
        ),
        _cpu_table(sustained, copies),
    ]


def _target_rows(
    big: SampledPost, sustained: TimedIngest, copies: tuple[CopyRun, CopyRun, CopyRun]
) -> list[Row]:
    p50, p95, p99 = percentiles_ms(sustained.latencies_ms)
    rate = sustained.statements_per_second
    ran_out = "; ran out of prepared batches" if sustained.ran_out else ""
    rows = [
        Row(
            (
                f"one POST of {big.statements:,} statements ({big.body_bytes / 1e6:.1f} MB)",
                f"{big.seconds:.2f} s ({big.statements_per_second:,.0f} statements/s)",
                f"< {BIG_POST_TARGET_S:g} s",
            ),
            big.seconds < BIG_POST_TARGET_S,
        ),
        Row(
            (
                "4 clients POSTing batches of 100",
                f"{rate:,.0f} statements/s ({sustained.statements:,} in "
                f"{sustained.seconds:.1f} s, {sustained.requests:,} requests, "
                f"{len(sustained.refused)} refused{ran_out})",
                f"≥ {RATE_TARGET:,} statements/s",
            ),
            rate >= RATE_TARGET and not sustained.refused,
        ),
        Row(
            (
                "latency of one POST of 100",
                f"p50 {p50:.0f} ms, p95 {p95:.0f} ms, p99 {p99:.0f} ms",
                "",
            )
        ),
    ]
    for number, (name, run) in enumerate(zip(COPY_NAMES, copies, strict=True)):
        ratio = rate / run.statements_per_second
        target = number == 0  # the physical limit is COPY without the foreign keys
        rows.append(Row((f"COPY of the same rows, {name}", _copy_result(run), "")))
        rows.append(
            Row(
                ("LRS ÷ that COPY", f"{ratio:.2f}×", f"≥ {COPY_RATIO_TARGET:g}×" if target else ""),
                ratio >= COPY_RATIO_TARGET if target else None,
            )
        )
    return rows


COPY_NAMES = (
    "4 connections, a transaction per 100 statements",
    "the same with the LRS's foreign keys added",
    "one transaction, one connection",
)


def _copy_result(run: CopyRun) -> str:
    return (
        f"{run.statements_per_second:,.0f} statements/s ({run.statements:,} statements and "
        f"{run.rows - run.statements:,} index rows in {run.seconds:.1f} s)"
    )


def _cpu_table(sustained: TimedIngest, copies: tuple[CopyRun, CopyRun, CopyRun]) -> str:
    header = (
        "CPU seconds (ms per 1,000 statements)",
        "wall",
        "gunicorn workers",
        "PostgreSQL backends",
        "PostgreSQL background",
        "bench client",
        "other processes",
        "idle",
    )
    rows = [_cpu_row("LRS, 4 clients", sustained.seconds, sustained.statements, sustained.cpu)]
    rows += [
        _cpu_row(f"COPY, {name}", run.seconds, run.statements, run.cpu)
        for name, run in zip(COPY_NAMES, copies, strict=True)
    ]
    return plain_table(header, rows)


def _cpu_row(name: str, seconds: float, statements: int, cpu: CpuMeter) -> tuple[str, ...]:
    def cell(used: float) -> str:
        return f"{used:.1f} s ({used / statements * 1e6:.0f})"

    measured = sum(cpu.used.values()) + cpu.own_seconds
    return (
        name,
        f"{seconds:.1f} s",
        cell(cpu.used["gunicorn workers"]) if "gunicorn workers" in cpu.used else "",
        cell(cpu.used["postgres backends"]),
        cell(cpu.used["postgres background"]),
        cell(cpu.own_seconds),
        cell(max(cpu.machine_busy - measured, 0.0)),
        f"{cpu.machine_idle:.1f} s",
    )
