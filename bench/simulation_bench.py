"""`make bench-simulation`: 5,000 simulated learners over 12 weeks through the real pipeline
and delivery on PostgreSQL, then the schedule sweep over 20,000 learners.

Run: .venv/bin/python bench/simulation_bench.py [--postgres URL] [--database NAME]
     [--learners N] [--sweep-learners N] [--seed N] [--no-doc] [--sweep-only]

Works in a throw-away database (`kipina_sim`, or --database) next to --postgres (or
DATABASE_URL, or the local server), in process, with production settings (DEBUG off, eager
Celery: the steps are called as the beat tasks call them). Prints progress and the checks,
and replaces the Simulation section of docs/benchmarks.md. --sweep-only skips the simulation,
runs the sweep measurement alone (the same preparation and timing) and writes no doc;
bench/simulation_sweep.py keeps its prepared database to profile the sweep again and again.
"""

import argparse
import os
import re
import secrets
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from machine import machine_summary
from server import throwaway_badge_key, throwaway_database
from simulation import (
    SWEEP_AT,
    WEEKS,
    Report,
    Simulation,
    moment,
    report_lines,
    simulate,
    violations,
)

if TYPE_CHECKING:  # imports Django models: only after django.setup()
    from simulation_delivery import DeliveryReport
    from simulation_pipeline import DayResult, World

BASE_DIR = Path(__file__).resolve().parent.parent
DOC = BASE_DIR / "docs" / "benchmarks.md"
DATABASE = "kipina_sim"
DEFAULT_POSTGRES = "postgres://postgres@127.0.0.1:5432/postgres"
LEARNERS, SWEEP_LEARNERS = 5_000, 20_000
# The sweep is measured on the last day of this many weeks: every learner has started and
# has a history, and hardly any has finished, so nearly all of them are candidates.
SWEEP_WEEKS = 4
RERUN_DAY = 40
# A delivery tick every second hour, the hours shifting by one a day (every hour of day and
# night is hit every other day): half the ticks of an hourly run, whose fixed cost per tick
# is most of a run's delivery time at a few hundred learners.
DELIVERY_EVERY_HOURS = 2
HOLDOUT_TARGET_POINTS = 1.0
SWEEP_TARGET_S = 5.0
COMMAND = "make bench-simulation"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--postgres", metavar="URL", help="PostgreSQL server to work on")
    parser.add_argument("--learners", type=int, default=LEARNERS)
    parser.add_argument("--sweep-learners", type=int, default=SWEEP_LEARNERS)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--no-doc", action="store_true", help="leave docs/benchmarks.md alone")
    parser.add_argument("--database", default=DATABASE, help="the throw-away database's name")
    parser.add_argument(
        "--sweep-only", action="store_true", help="only the sweep measurement (no doc written)"
    )
    options = parser.parse_args()
    postgres_url = _postgres_url(options.postgres)
    load_before = load_average()
    with (
        tempfile.TemporaryDirectory(prefix="kipina-sim-") as var_dir,
        throwaway_database(postgres_url, options.database) as database_url,
    ):
        assert database_url is not None
        _django_setup(database_url, Path(var_dir))
        from django.db import connections

        try:
            simulation = (
                None if options.sweep_only else simulation_run(options.learners, options.seed)
            )
            sweep = sweep_run(options.sweep_learners, options.seed + 1)
        finally:
            connections.close_all()  # before the database is dropped
    load_after = load_average()
    if simulation is None:
        print(sweep_summary(sweep, (load_before, load_after)))
        return
    text = doc_section(
        simulation, sweep, machine_summary(postgres_url), (load_before, load_after), options
    )
    print(text)
    if not options.no_doc:
        doc_write(text)
        print(f"Wrote the Simulation section to {DOC.relative_to(BASE_DIR)}")


def _postgres_url(given: str | None) -> str:
    url = given or os.environ.get("DATABASE_URL", "")
    return url if url.startswith(("postgres://", "postgresql://")) else DEFAULT_POSTGRES


def _django_setup(database_url: str, var_dir: Path) -> None:
    """Production settings against the throw-away database, no broker (eager Celery: the
    kicks after each stored batch do nothing; this process runs every step itself)."""
    os.environ.pop("REDIS_URL", None)
    os.environ.update(
        {
            "DJANGO_SETTINGS_MODULE": "backend.settings",
            "DATABASE_URL": database_url,
            "KIPINA_VAR_DIR": str(var_dir),
            "DJANGO_DEBUG": "false",  # DEBUG keeps every query in memory
            "DJANGO_SECRET_KEY": secrets.token_urlsafe(50),
            "DJANGO_ALLOWED_HOSTS": "127.0.0.1",
            "LOG_LEVEL": "WARNING",
            # Records each e-mail and when it was handed over (bench/simulation_delivery.py).
            "EMAIL_BACKEND": "simulation_delivery.RecordingBackend",
            "KIPINA_BADGE_SIGNING_KEY": throwaway_badge_key(),
            # RFC 8058 one-click unsubscribe needs an https:// link, as in production.
            "KIPINA_PUBLIC_URL": "https://kipina.example",
        }
    )
    os.environ.pop("SENDGRID_API_KEY", None)
    sys.path.append(str(BASE_DIR))
    import django
    from django.core.management import call_command

    django.setup()
    call_command("migrate", verbosity=0)


# --- The two measurements --------------------------------------------------------------------


@dataclass(frozen=True)
class SimulationRun:
    sim: Simulation
    report: Report
    delivery: "DeliveryReport"
    seconds: float


@dataclass(frozen=True)
class SweepRun:
    learners: int
    candidates: int  # of the timed sweep (the second leaves out what the first decided)
    statements: int
    seconds: float  # the sweep
    repeat: float  # the same sweep again
    violations: int  # decisions the ledger forbids
    cpu_seconds: float = 0.0  # CPU time of this process (not the database server's)
    cpu_repeat: float = 0.0


def simulation_run(learners: int, seed: int) -> SimulationRun:
    """The pipeline's days with delivery (bench/simulation_delivery.py)."""
    import simulation_delivery

    began = time.perf_counter()
    sim = simulate(learners, seed=seed)
    print(
        f"{learners:,} learners × {WEEKS} weeks planned: {sim.statement_count:,} statements, "
        f"{sum(len(c) for c in sim.changes.values()):,} directory changes",
        flush=True,
    )
    plan = simulation_delivery.delivery_plan(sim, seed=seed, every_hours=DELIVERY_EVERY_HOURS)
    report, delivery = simulation_delivery.run(
        sim, plan, rerun_day=RERUN_DAY, on_day=_progress(began, sim.days)
    )
    for line in report_lines(report) + simulation_delivery.report_lines(delivery):
        print(line, flush=True)
    return SimulationRun(sim, report, delivery, time.perf_counter() - began)


def sweep_run(learners: int, seed: int) -> SweepRun:
    """The sweep over `learners` learners on the last day of SWEEP_WEEKS weeks: the
    database prepared (sweep_prepare), then the timed sweep (sweep_measure)."""
    return sweep_measure(*sweep_prepare(learners, seed))


def sweep_prepare(learners: int, seed: int) -> tuple["Simulation", "World", int]:
    """The tables are flushed; the learners' directory rows are bulk-created as they stand on
    the last day of SWEEP_WEEKS weeks; their statements of those weeks are stored through
    statements_store (batches of 5,000, the clock at each day's store time) and projected
    once; the event rules run. The plan, the world and the statements stored."""
    from django.core.management import call_command
    from simulation_pipeline import backfill, world_create_bulk

    call_command("flush", interactive=False, verbosity=0)
    began = time.perf_counter()
    sim = simulate(learners, seed=seed, weeks=SWEEP_WEEKS)
    world = world_create_bulk(sim, day=sim.days - 1)
    print(f"sweep measurement: {learners:,} learners bulk-created", flush=True)
    stored = backfill(sim, world, until_day=sim.days - 1)
    statistics_update()
    print(
        f"  {stored:,} statements of {SWEEP_WEEKS} weeks stored and projected, "
        f"{time.perf_counter() - began:,.0f} s so far",
        flush=True,
    )
    return sim, world, stored


def statistics_update() -> None:
    """ANALYZE, as autovacuum does after a bulk load: without statistics the planner takes
    a batch's 500 ids to match every row and scans whole tables (the servers the benchmarks
    run on may have autovacuum off, and the measurement follows the load at once)."""
    from django.db import connection

    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")


def sweep_measure(
    sim: Simulation,
    world: "World",
    stored: int,
    *,
    observe: Callable[[int], AbstractContextManager[Any]] = nullcontext,
) -> SweepRun:
    """The timed sweep on the last day, then the same sweep again (every decision then
    already stored), and the decisions the ledger forbids. `observe(i)` wraps sweep i (a
    profiler, a query timer); its cost is in the figures."""
    from simulation_pipeline import clock, decision_records, sweep

    wall, cpu, candidates = [], [], []
    with clock(moment(sim.days - 1, SWEEP_AT)) as now:
        for attempt in range(2):
            with observe(attempt):
                wall_began, cpu_began = time.perf_counter(), time.process_time()
                candidates.append(sweep(now))
                wall.append(time.perf_counter() - wall_began)
                cpu.append(time.process_time() - cpu_began)
            print(
                f"  sweep over {candidates[-1]:,} candidates: {wall[-1]:.2f} s "
                f"({cpu[-1]:.2f} s CPU in this process)",
                flush=True,
            )
    forbidden = violations(decision_records(world), sim, sim.ledger())
    return SweepRun(
        len(sim.learners), candidates[0], stored, wall[0], wall[1], len(forbidden), cpu[0], cpu[1]
    )


def _progress(began: float, days: int) -> Callable[["DayResult"], None]:
    def show(day: "DayResult") -> None:
        if day.day % 7 == 6 or day.day == days - 1:
            print(
                f"  day {day.day + 1:>2}/{days}: {day.decisions:,} decisions, "
                f"{day.candidates:,} sweep candidates in {day.sweep_seconds:.2f} s, "
                f"{time.perf_counter() - began:,.0f} s so far",
                flush=True,
            )

    return show


# --- The report ----------------------------------------------------------------------------------


def load_average() -> str:
    """The load averages `uptime` prints (1, 5 and 15 minutes)."""
    output = subprocess.run(["uptime"], capture_output=True, text=True, check=True).stdout  # noqa: S607
    return output.rpartition("load average:")[2].strip()


def sweep_summary(sweep: SweepRun, load: tuple[str, str]) -> str:
    verdict = "pass" if sweep.seconds < SWEEP_TARGET_S else "FAIL"
    return (
        f"sweep over {sweep.learners:,} learners ({sweep.candidates:,} candidates, "
        f"{sweep.statements:,} statements): {sweep.seconds:.2f} s, {sweep.cpu_seconds:.2f} s "
        f"CPU in this process (target < {SWEEP_TARGET_S:g} s: {verdict}); again "
        f"{sweep.repeat:.2f} s, {sweep.cpu_repeat:.2f} s CPU; {sweep.violations} decisions the "
        f"ledger forbids; load average {load[0]} before, {load[1]} after"
    )


def doc_section(
    simulation: SimulationRun,
    sweep: SweepRun,
    machine: str,
    load: tuple[str, str],
    options: argparse.Namespace,
) -> str:
    r = simulation.report
    h = r.holdouts
    command = COMMAND
    if (options.learners, options.sweep_learners, options.seed) != (LEARNERS, SWEEP_LEARNERS, 1):
        command = (
            f"python bench/simulation_bench.py --learners {options.learners} "
            f"--sweep-learners {options.sweep_learners} --seed {options.seed}"
        )
    checks = [
        ("duplicate decisions (rule, person, enrolment, window)", f"{len(r.duplicates)}", "0",
         not r.duplicates),
        (f"day {RERUN_DAY}'s statements posted again (an LMS retrying)",
         r.rerun_repost_error or "accepted", "accepted", r.rerun_repost_error is None),
        (f"new decisions when day {RERUN_DAY} is run again", f"{r.rerun_new_decisions}", "0",
         r.rerun_new_decisions == 0),
        ("decisions for enrolments not active (achievements: withdrawn), opted-out topics, "
         "revoked consent, at decision time", f"{len(r.violations)}", "0", not r.violations),
        ("projected progress disagreeing with the statements sent",
         f"{len(r.projection_mismatches)}", "0", not r.projection_mismatches),
        ("global holdout share of learner decisions", str(h.global_by_decision),
         f"±{HOLDOUT_TARGET_POINTS:g} point", h.global_by_decision.off_points
         <= HOLDOUT_TARGET_POINTS),
        ("rule holdout share of the other learner decisions", str(h.rule_by_decision),
         f"±{HOLDOUT_TARGET_POINTS:g} point", h.rule_by_decision.off_points
         <= HOLDOUT_TARGET_POINTS),
        ("global holdout share of learners decided about", str(h.global_by_person), "", None),
        ("rule holdout share of (rule, learner) pairs", str(h.rule_by_pair), "", None),
        (f"sweep over {sweep.learners:,} learners ({sweep.candidates:,} candidates): "
         "sweep_candidates + every sweep_batch",
         f"{sweep.seconds:.2f} s ({sweep.cpu_seconds:.2f} s CPU in the process)",
         f"< {SWEEP_TARGET_S:g} s", sweep.seconds < SWEEP_TARGET_S),
        ("the same sweep again (every decision already stored)",
         f"{sweep.repeat:.2f} s ({sweep.cpu_repeat:.2f} s CPU)", "", None),
        ("decisions of the sweep measurement the ledger forbids", f"{sweep.violations}", "0",
         sweep.violations == 0),
        ("study reminders and red lights after the learner finished every milestone (the "
         "status may still say active)", f"{len(r.after_finishing)}", "0",
         not r.after_finishing),
        *_delivery_checks(simulation.delivery),
    ]  # fmt: skip
    table = _table(("check", "result", "target", "pass"), [
        (name, result, target, "" if ok is None else ("pass" if ok else "FAIL"))
        for name, result, target, ok in checks
    ])  # fmt: skip
    histogram = r.nudges.histogram(top=5)
    delivered = r.delivered_nudges.histogram(top=5)
    nudges = _table(
        ("nudges to a learner in a week", *histogram),
        [
            ("decided", *(f"{100 * v:.1f}%" for v in histogram.values())),
            ("delivered (holdouts left out)", *(f"{100 * v:.1f}%" for v in delivered.values())),
        ],
    )
    profiles = _table(
        ("profile", "learners", "reached by `inactive`", "`inactive`", "achievements",
         "all nudges"),
        [
            (str(p), str(sum(1 for x in simulation.sim.learners if x.profile == p)),
             f"{100 * r.inactive_reach_by_profile[p]:.0f}%", f"{r.inactive_by_profile[p]:.2f}",
             f"{r.achievements_by_profile[p]:.2f}", f"{r.nudges_by_profile[p]:.2f}")
            for p in r.inactive_by_profile
        ],
    )  # fmt: skip
    run_at = datetime.now(tz=UTC).strftime("%Y-%m-%d %H:%M UTC")
    return "\n\n".join(
        [
            "## Simulation",
            SIMULATION_INTRO.strip(),
            f"Run {run_at} on {machine}; load average {load[0]} before, {load[1]} after "
            f"(`uptime`). Command: `{command}`; {simulation.seconds / 60:.1f} min for the "
            f"simulation, the sweep measurement after it.",
            f"{r.learners:,} learners, {r.statements:,} statements, {r.decisions:,} decisions "
            f"({', '.join(f'{k} {v:,}' for k, v in r.decisions_by_kind.items())}); directory "
            f"changes: {', '.join(f'{k} {v:,}' for k, v in r.ledger_counts.items())}.",
            table,
            f"Nudges (action `nudge`, to the learner) per learner per week, over every week "
            f"from each enrolment's start: decided {r.nudges}; delivered {r.delivered_nudges}.",
            nudges,
            "Per learner over the 12 weeks, by behaviour profile:",
            profiles,
            _delivery_summary(simulation.delivery),
            *([AFTER_FINISHING_NOTE.strip()] if r.after_finishing else []),
            *([SWEEP_NOTE.strip()] if sweep.seconds >= SWEEP_TARGET_S else []),
        ]
    )


def _delivery_checks(d: "DeliveryReport") -> list[tuple[str, str, str, bool | None]]:
    """The delivery rows of the checks table: counted from the recorded e-mails and the
    attempt rows against the planned preferences, not from the dispatcher's verdicts."""
    rows = [
        ("delivery: sends in quiet hours (the send instant on the person's clock)",
         d.in_quiet_hours),
        ("delivery: study reminders over the person's weekly cap (per local Monday-week)",
         d.over_cap),
        ("delivery: sends after the person's opt-out of the topic (the row's created_at)",
         d.after_opt_out),
        ("delivery: sends while the person's pause holds", d.while_paused),
        ("delivery: duplicates (e-mails per kipina_id, sends per notification, "
         "notifications per decision)", d.duplicates),
        ("delivery: notifications not settled (left pending, claimed or deferred; dropped or "
         "failed without a reason)", d.unsettled),
        ("delivery: recorded e-mails and attempt rows disagreeing, e-mails without HTML or "
         "one-click unsubscribe", d.disagreements),
    ]  # fmt: skip
    return [(name, f"{len(found)}", "0", not found) for name, found in rows]


def _delivery_summary(d: "DeliveryReport") -> str:
    zones = ", ".join(f"{zone} {count:,}" for zone, count in d.sends_by_zone.items())
    reasons = ", ".join(f"{reason} {count:,}" for reason, count in d.reasons.items())
    statuses = ", ".join(f"{status} {count:,}" for status, count in d.by_status.items())
    return (
        f"Delivery: {d.notifications:,} notifications ({statuses}); {d.emails:,} e-mails and "
        f"{d.in_app:,} in-app; the first try "
        f"of {d.refused:,} e-mails refused by the relay and retried; {d.deferred:,} deferred "
        f"by quiet hours, {d.deferred_then_sent:,} of them sent later; "
        f"{d.dropped_after_late_opt_out:,} dropped (for any reason) that were made before "
        f"their person opted out of their topic; "
        f"{d.sends_on_dst_days:,} sends on the day the person's clock changed (8 March in New "
        f"York, 29 March in Europe). Sends by zone: {zones}. Not sent, by reason: {reasons}."
    )


SIMULATION_INTRO = """
`make bench-simulation` (`bench/simulation_bench.py`) plans 5,000 learners (seeded: steady
35%, bursty 25%, fading 20%, dropping out 20%) on three pathways over 12 weeks, with
administrators withdrawing, pausing, resuming and completing enrolments, learners opting out,
consents revoked and a few study plans, and posts the plan through the real pipeline on
PostgreSQL (`kipina_sim`, created and dropped): each simulated day the statements go through
`parse_statements` and `statements_store` in batches of 500, then `progress_project()`,
`events_process()` and the sweep (`sweep_candidates`, then `sweep_batch` per 500 learners),
with the clock (time-machine) at that step's simulated time. Nine rules (inactive 7 days,
first steps, behind pace, milestone due in 3 days, study goal at risk, milestone and pathway
completed, teacher alert, employer summary line) keep the default 10% rule holdout; the
global holdout is 5%. The checks hold the decisions against a ledger of every change the
simulator made. Holdout shares are over decisions about learners (a teacher or an employer
contact is one draw however many decisions they get).

Delivery runs through the same days (`bench/simulation_delivery.py`): every second hour (the
hours shift by one a day), at a minute that moves, the outbox (`notifications.outbox`) and
then two overlapping dispatches (`notifications.dispatch`'s recovery and fan-out,
`notifications.deliver` per batch of 10) run with the clock there, until two days after the
last one. Each learner has seeded preferences: time zone (Helsinki, the directory's Helsinki,
Stockholm, London, New York, Tokyo, UTC), quiet hours (20-08, 22-07, 23:30-06:15, 21-11:30,
12-14, 01-03:30 which ends in the spring-forward gap, or none), a weekly cap of 0 to 5, study
reminders in the app for one in ten, a language; one in ten pauses for 3-14 days mid-run; 8%
opt out of study reminders and 3% of achievements while one of theirs waits to be sent. The
simulated weeks end on 29 March 2026, when Europe moves to summer time (New York did on 8
March). The e-mail backend records each message (its kipina_id, category, headers and the
clock when handed over) and refuses the first try of one in 25 (a dropped connection: retried
with backoff). The delivery checks are counted from those recordings and the attempt rows
against the planned preferences.

The sweep measurement then flushes the tables and plans 20,000 learners for 4 weeks. Their
directory rows (people, identities, enrolments, consents, study plans, opt-outs, cohort
memberships) are written with `bulk_create` as they stand on day 28; their statements of
those weeks go through `statements_store` (batches of 5,000, the clock at each day's store
time) and one `progress_project()`, then the event rules run. The figure is
`sweep_candidates` plus every `sweep_batch` of 500 on day 28, in one process: what one
worker would take for the whole fan-out of `rules.sweep`. The CI version is
`tests/engagement/rules/test_simulation.py` (300 learners on SQLite, about 20-45 s); with
delivery, `tests/notifications/test_delivery_simulation.py` (100 learners, a tick every
third hour).
"""

SWEEP_NOTE = """
Where the sweep's time goes (`bench/simulation_sweep.py run --profile --queries` on a prepared
database of the same 20,000 learners, where the sweep takes 3.3-3.6 s wall and 1.8 s CPU
at load average below 1, 4.1 s in a full `--sweep-only` run): Python about 1.8 s, of which
the snapshots of about 10,000 candidate enrolments 0.9 s (half of it building the snapshot
objects) and about 70,000 rule × enrolment evaluations 0.4 s; PostgreSQL about 1.4 s: the
decision insert 0.5 s for about 14,000 rows (three indexes, JSON), the snapshot join 0.2 s,
the candidate queries 0.25 s (most of it the teacher red-light subquery), one commit per
batch of 500. Already done: candidates narrowed in SQL per rule kind, what is already
decided in its window left out, this week's evidence read only for learners with a study
plan, decisions inserted as rows with ON CONFLICT DO NOTHING, id lists as one array
parameter. The figure is what one worker takes for the whole fan-out of `rules.sweep`: the
beat hands the batches to the workers, so two workers take about half the wall time.
"""

AFTER_FINISHING_NOTE = """
Note: learners who finished every milestone but whose enrolment an administrator had not yet
marked completed (the simulator marks 70% the next day, 20% after 3-14 days, 10% never) got
study reminders or turned red for their teacher: the schedule rules must read the projected
completion as well as the directory status (`test_simulation.py` has the reproducer).
"""


def _table(header: tuple[str, ...], rows: list[tuple[str, ...]]) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return "\n".join(lines)


def doc_write(section: str, path: Path = DOC) -> None:
    """Replace the Simulation section (or add it at the end); the rest stays as it is."""
    text = path.read_text() if path.exists() else "# Benchmarks\n"
    pattern = re.compile(r"^## Simulation\n.*?(?=^## |\Z)", flags=re.M | re.S)
    if pattern.search(text):
        text = pattern.sub(lambda _: section.strip() + "\n\n", text).rstrip() + "\n"
    else:
        text = text.rstrip() + "\n\n" + section.strip() + "\n"
    path.write_text(text)


if __name__ == "__main__":
    main()
