"""Profile the schedule sweep of `make bench-simulation` on a kept database.

  .venv/bin/python bench/simulation_sweep.py prepare [--template kipina_sweep_base]
  .venv/bin/python bench/simulation_sweep.py run [--template kipina_sweep_base]
       [--profile FILE] [--queries] [--dump FILE]
  .venv/bin/python bench/simulation_sweep.py drop [--template kipina_sweep_base]

`prepare` does what the sweep measurement of simulation_bench.py does before its timed part
(20,000 learners bulk-created, 4 weeks of statements stored and projected, the event rules
run) in a database it keeps as a template. Each `run` copies the template (CREATE DATABASE
... TEMPLATE), migrates the copy (an index added since is built here, untimed), and times the
sweep and the same sweep again exactly as the bench does (sweep_measure), with the CPU time
of this process and of its database server process. --profile writes cProfile statistics of
the first sweep, --queries prints the time spent per kind of query, --dump writes the stored
decisions sorted (to compare two versions of the code: the same decisions). The copy is
dropped afterwards; `drop` drops the template.
"""

import argparse
import cProfile
import re
import tempfile
import time
from collections import defaultdict
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from server import psql, throwaway_database, with_database
from simulation import simulate
from simulation_bench import (
    SWEEP_LEARNERS,
    SWEEP_WEEKS,
    _django_setup,
    _postgres_url,
    statistics_update,
    sweep_measure,
    sweep_prepare,
)

TEMPLATE, COPY = "kipina_sweep_base", "kipina_sweep_run"
_CLOCK_TICKS = 100  # /proc/<pid>/stat counts CPU time in clock ticks (USER_HZ)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("action", choices=["prepare", "run", "drop"])
    parser.add_argument("--postgres", metavar="URL")
    parser.add_argument("--template", default=TEMPLATE)
    parser.add_argument("--copy", default=COPY)
    parser.add_argument("--learners", type=int, default=SWEEP_LEARNERS)
    parser.add_argument("--seed", type=int, default=2, help="simulation_bench uses its seed + 1")
    parser.add_argument("--profile", type=Path, help="cProfile statistics of the first sweep")
    parser.add_argument("--queries", action="store_true", help="time per kind of query")
    parser.add_argument("--dump", type=Path, help="the decisions stored, sorted, one a line")
    parser.add_argument(
        "--no-analyze", action="store_true", help="leave the copy without planner statistics"
    )
    options = parser.parse_args()
    postgres_url = _postgres_url(options.postgres)
    admin_url = with_database(postgres_url, "postgres")
    if options.action == "drop":
        psql(admin_url, f"DROP DATABASE IF EXISTS {options.template} WITH (FORCE)")
    elif options.action == "prepare":
        prepare(postgres_url, options)
    else:
        run(postgres_url, options)


def prepare(postgres_url: str, options: argparse.Namespace) -> None:
    admin_url = with_database(postgres_url, "postgres")
    psql(
        admin_url,
        f"DROP DATABASE IF EXISTS {options.template} WITH (FORCE)",
        f"CREATE DATABASE {options.template}",
    )
    with tempfile.TemporaryDirectory(prefix="kipina-sweep-") as var_dir:
        _django_setup(with_database(postgres_url, options.template), Path(var_dir))
        from django.db import connections

        try:
            sweep_prepare(options.learners, options.seed)
        finally:
            connections.close_all()  # a template must have no connections when copied
    print(f"prepared {options.template}")


def run(postgres_url: str, options: argparse.Namespace) -> None:
    admin_url = with_database(postgres_url, "postgres")
    with (
        tempfile.TemporaryDirectory(prefix="kipina-sweep-") as var_dir,
        throwaway_database(postgres_url, options.copy) as url,
    ):
        assert url is not None
        psql(
            admin_url,
            f"DROP DATABASE {options.copy}",
            f"CREATE DATABASE {options.copy} TEMPLATE {options.template}",
        )
        _django_setup(url, Path(var_dir))  # migrates the copy
        from django.db import connection, connections

        try:
            if not options.no_analyze:
                statistics_update()
            sim = simulate(options.learners, seed=options.seed, weeks=SWEEP_WEEKS)
            world = _world()
            stored = _statements()
            timer = QueryTimer()
            server = connection.cursor().connection.info.backend_pid

            def observe(attempt: int) -> Any:
                return _observed(attempt, options, timer, server)

            result = sweep_measure(sim, world, stored, observe=observe)
            print(f"{result.violations} decisions the ledger forbids")
            if options.dump:
                _dump(options.dump)
        finally:
            connections.close_all()


@contextmanager
def _observed(
    attempt: int, options: argparse.Namespace, timer: "QueryTimer", server_pid: int
) -> Iterator[None]:
    from django.db import connection

    profiler = cProfile.Profile() if options.profile and attempt == 0 else None
    timer.reset()
    server_began = _cpu_of(server_pid)
    wrappers: Any = connection.execute_wrapper(timer) if options.queries else _nothing()
    with wrappers:
        if profiler:
            profiler.enable()
        try:
            yield
        finally:
            if profiler:
                profiler.disable()
                profiler.dump_stats(options.profile)
    print(f"  sweep {attempt + 1}: database server CPU {_cpu_of(server_pid) - server_began:.2f} s")
    if options.queries:
        timer.print()


@contextmanager
def _nothing() -> Iterator[None]:
    yield


def _cpu_of(pid: int) -> float:
    """User and system CPU time of a process on this machine (the database backend)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
    return (int(fields[11]) + int(fields[12])) / _CLOCK_TICKS


class QueryTimer:
    """A Django execute wrapper: wall time and count per kind of query (the SQL with its
    literal lists and placeholders folded)."""

    def __init__(self) -> None:
        self.seconds: dict[str, float] = defaultdict(float)
        self.count: dict[str, int] = defaultdict(int)

    def reset(self) -> None:
        self.seconds.clear()
        self.count.clear()

    def __call__(
        self, execute: Callable[..., Any], sql: str, params: Any, many: bool, context: Any
    ) -> Any:
        began = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            key = re.sub(r"(%s|\$\d+)(, *(%s|\$\d+))+", "…", sql)
            key = re.sub(r"\((…|%s)\)(, *\((…|%s)\))+", "(…), …", key)
            self.seconds[key] += time.perf_counter() - began
            self.count[key] += 1

    def print(self) -> None:
        total = sum(self.seconds.values())
        print(f"  {sum(self.count.values())} queries, {total:.2f} s:")
        for key, seconds in sorted(self.seconds.items(), key=lambda kv: -kv[1])[:15]:
            print(f"    {seconds:6.3f} s {self.count[key]:5d}× {key[:260]}")


def _world() -> Any:
    """The World of the prepared database, rebuilt: learner i is the person `Learner
    {i:05d}` (world_create_bulk), with one enrolment."""
    from simulation_pipeline import World

    from engagement.network.models import Enrolment

    rows = sorted(
        Enrolment.objects.filter(learner__given_name="Learner").values_list(
            "learner__family_name", "learner_id", "id"
        )
    )
    return World({}, [person for _, person, _ in rows], [e for _, _, e in rows], {})


def _statements() -> int:
    from learning_records.models import Statement

    return Statement.objects.count()


def _dump(path: Path) -> None:
    from engagement.rules.models import Decision

    rows = Decision.objects.values_list(
        "rule__name", "person_id", "enrolment_id", "window", "action", "reasons", "holdout",
        "decided_at",
    )  # fmt: skip
    path.write_text("".join(sorted("\t".join(map(str, row)) + "\n" for row in rows)))
    print(f"  {len(rows):,} decisions written to {path}")


if __name__ == "__main__":
    main()
