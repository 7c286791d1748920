"""`make bench-dashboards`: server time and queries of each dashboard page for a teacher of a
500-learner cohort, on PostgreSQL.

Run: .venv/bin/python bench/dashboards_render.py [--postgres URL] [--database NAME]
     [--learners N] [--renders N] [--no-doc]

A throw-away database (`kipina_bench_dashboards`, or --database) is made next to --postgres
(or DATABASE_URL, or the local server) and dropped afterwards. The data is the simulation's
(bench/simulation.py, bench/simulation_pipeline.py): N learners over 12 weeks, their rows
bulk-created as they stand on the last day, every statement stored through statements_store
day by day, projected, the event rules run, and the schedule sweep run on the last evening,
so the pages read real progress and real decisions. All enrolments then go into one cohort
(its teacher gets a login), and the employer contact, one learner and a network
administrator get logins too. Each page is rendered through Django's test client with the
clock at the last simulated evening: warm-up renders first, then --renders timed ones;
server time is the test client's call (middleware, view, template, plotly's JSON), queries
are counted with CaptureQueriesContext. Production settings (DEBUG off). It replaces its
section of docs/benchmarks.md.
"""

import argparse
import datetime as dt
import os
import secrets
import statistics
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from machine import machine_summary
from report import Row, conditions, load_average, markdown_table, section, write_doc
from server import throwaway_badge_key, throwaway_database

BASE_DIR = Path(__file__).resolve().parent.parent
TITLE = "Dashboards (PostgreSQL)"
DATABASE = "kipina_bench_dashboards"
DEFAULT_POSTGRES = "postgres://postgres@127.0.0.1:5432/postgres"
LEARNERS = 500
RENDERS = 30
WARM_UP = 3
TEACHER_TARGET_MS = 300.0  # issue 8: the teacher page of a 500-learner cohort
COMMAND = "make bench-dashboards"


@dataclass(frozen=True)
class PageResult:
    page: str
    path: str
    status: int
    server_ms: list[float]
    queries: int
    sql_ms: float  # the database's share of one render, as the driver timed the queries
    bytes: int


@dataclass(frozen=True)
class Population:
    learners: int
    statements: int
    decisions: int
    staff_shared: int  # enrolments the employer contact sees (held consents)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--postgres", metavar="URL")
    parser.add_argument("--database", default=DATABASE)
    parser.add_argument("--learners", type=int, default=LEARNERS)
    parser.add_argument("--renders", type=int, default=RENDERS)
    parser.add_argument("--no-doc", action="store_true")
    options = parser.parse_args()
    given = options.postgres or os.environ.get("DATABASE_URL", "")
    postgres = given if given.startswith(("postgres://", "postgresql://")) else DEFAULT_POSTGRES
    load_before = load_average()
    with (
        tempfile.TemporaryDirectory(prefix="kipina-dash-") as var_dir,
        throwaway_database(postgres, options.database) as database_url,
    ):
        assert database_url is not None
        _django_setup(database_url, Path(var_dir))
        from django.db import connections

        try:
            population, logins, evening = _populate(options.learners)
            results = [
                _measure(page, path, user, evening, options.renders) for page, path, user in logins
            ]
        finally:
            connections.close_all()  # before the database is dropped
        # Read from the bench's own database: DATABASE_URL may name one that does not exist
        # (only its server is used).
        machine = machine_summary(database_url)
    text = _section(population, results, machine, load_before, options)
    print(text)
    if not options.no_doc:
        write_doc({TITLE: text})
        print(f"Wrote the {TITLE} section to docs/benchmarks.md")


def _django_setup(database_url: str, var_dir: Path) -> None:
    """Production settings against the throw-away database, no broker (eager Celery)."""
    os.environ.pop("REDIS_URL", None)
    os.environ.pop("SENDGRID_API_KEY", None)
    os.environ.update(
        {
            "DJANGO_SETTINGS_MODULE": "backend.settings",
            "DATABASE_URL": database_url,
            "KIPINA_VAR_DIR": str(var_dir),
            "DJANGO_DEBUG": "false",  # DEBUG keeps every query in memory
            "DJANGO_SECRET_KEY": secrets.token_urlsafe(50),
            "DJANGO_ALLOWED_HOSTS": "127.0.0.1",
            # The test client speaks plain HTTP; production terminates TLS before Django.
            "DJANGO_SECURE_SSL_REDIRECT": "false",
            "LOG_LEVEL": "WARNING",
            "KIPINA_BADGE_SIGNING_KEY": throwaway_badge_key(),
            "KIPINA_PUBLIC_URL": "https://kipina.example",
        }
    )
    sys.path.append(str(BASE_DIR))
    import django
    from django.core.management import call_command

    django.setup()
    call_command("migrate", verbosity=0)


def _populate(learners: int) -> tuple[Population, list[tuple[str, str, Any]], dt.datetime]:
    """The population, each page with the login that opens it, and the last evening."""
    from django.contrib.auth import get_user_model
    from simulation import SWEEP_AT, moment, simulate
    from simulation_pipeline import backfill, clock, sweep, world_create_bulk

    from engagement.network import services as network
    from engagement.network.models import Cohort, Consent, Organisation, Person, Role
    from engagement.rules.models import Decision

    began = time.perf_counter()
    sim = simulate(learners, seed=8)
    last_day = sim.days - 1
    world = world_create_bulk(sim, day=last_day)
    stored = backfill(sim, world, until_day=last_day)
    evening = moment(last_day, SWEEP_AT)
    with clock(evening):
        sweep(evening)
    # One cohort of every learner: the teacher page's worst case for this population.
    cohort = Cohort.objects.order_by("pk").first()
    assert cohort is not None
    cohort.enrolments.set(world.enrolment_ids)
    users = get_user_model().objects

    def login(person: Person, username: str) -> Any:
        user = users.create_user(username=username, password=None)
        person.user = user
        person.save(update_fields=["user"])
        return user

    teacher = login(cohort.teachers.get(), "bench-teacher")
    contact_role = Role.objects.filter(kind="employer_contact").order_by("pk").first()
    assert contact_role is not None
    employer = login(contact_role.person, "bench-employer")
    learner = login(Person.objects.get(pk=world.person_ids[0]), "bench-learner")
    with clock(evening):
        hub = network.organisation_create(slug="sim-network", name_en="Network", kind="network")
        admin_person = network.person_create(
            email="admin@sim-network.example", given_name="Network", family_name="Admin"
        )
        network.role_grant(person=admin_person, organisation=hub, kind="network_admin")
    admin = login(admin_person, "bench-network-admin")
    shared = Consent.objects.filter(
        employer=contact_role.organisation, revoked_at__isnull=True
    ).count()
    population = Population(
        learners=cohort.enrolments.count(),
        statements=stored,
        decisions=Decision.objects.count(),
        staff_shared=shared,
    )
    print(
        f"{population} in {time.perf_counter() - began:.0f} s "
        f"(employer {Organisation.objects.get(pk=contact_role.organisation_id).slug})",
        flush=True,
    )
    logins = [
        ("teacher", "/teacher/", teacher),
        ("employer", "/employer/", employer),
        ("learner", "/me/", learner),
        ("network", "/network/", admin),
    ]
    return population, logins, evening


def _measure(page: str, path: str, user: Any, evening: dt.datetime, renders: int) -> PageResult:
    import time_machine
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    client = Client(HTTP_HOST="127.0.0.1")
    client.force_login(user)
    timings: list[float] = []
    # The clock at the last simulated evening: "the last twelve weeks" are the simulated ones.
    with time_machine.travel(evening, tick=True):
        for _ in range(WARM_UP):
            response = client.get(path)
        for _ in range(renders):
            began = time.perf_counter()
            response = client.get(path)
            timings.append((time.perf_counter() - began) * 1000)
        with CaptureQueriesContext(connection) as queries:
            response = client.get(path)
    print(f"{page}: {response.status_code}, p50 {statistics.median(timings):.0f} ms", flush=True)
    sql_ms = sum(float(query["time"]) for query in queries.captured_queries) * 1000
    return PageResult(
        page, path, response.status_code, timings, len(queries), sql_ms, len(response.content)
    )


def _p95(values: list[float]) -> float:
    return statistics.quantiles(values, n=100, method="inclusive")[94]


def _section(
    population: Population,
    results: list[PageResult],
    machine: str,
    load_before: str,
    options: argparse.Namespace,
) -> str:
    rows = []
    for result in results:
        p50, p95 = statistics.median(result.server_ms), _p95(result.server_ms)
        target = f"< {TEACHER_TARGET_MS:.0f} ms p95" if result.page == "teacher" else ""
        passed = (
            (p95 < TEACHER_TARGET_MS and result.status == 200)
            if result.page == "teacher"
            else (None if result.status == 200 else False)
        )
        rows.append(
            Row(
                (
                    f"{result.page} `{result.path}`",
                    str(result.status),
                    f"{p50:.0f} / {p95:.0f} ms",
                    f"{result.queries} ({result.sql_ms:.0f} ms)",
                    f"{result.bytes / 1024:.0f} KiB",
                    target,
                ),
                passed,
            )
        )
    table = markdown_table(
        ("page", "status", "server time p50 / p95", "queries (their time)", "HTML", "target"), rows
    )
    what = (
        f"{population.learners} learners in one cohort (the simulation's 12 weeks, "
        f"{population.statements:,} statements stored through statements_store and projected, "
        f"{population.decisions:,} rule decisions from the event rules and the last evening's "
        f"sweep); the employer contact sees {population.staff_shared} consenting employees. "
        f"Each page {WARM_UP} warm-up renders, then {options.renders} timed ones through "
        "Django's test client (production settings, DEBUG off), the clock at the last "
        "simulated evening; queries counted and timed on one more render (the rest of the "
        "server time is Python: the page's rows, the figures and the template)."
    )
    return section(TITLE, machine, [conditions(COMMAND, load_before, what), table])


if __name__ == "__main__":
    main()
