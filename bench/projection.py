"""progress_project() over a network's statements, timed. Run by bench/run_projection.py
with DATABASE_URL naming a migrated, empty throw-away database:

    .venv/bin/python bench/projection.py --statements 200000

A provider whose LMS has 2,222 learners and 30 courses (bench/population.py); 2,000 of the
learners are people of the network with their LMS account linked, enrolled on the pathways
their courses belong to. Ten pathways of three milestones each; a pathway's milestone
activities are the first activities of two of its courses, which the learners visit most.
Statements go through parse_statements and statements_store in batches of 10,000, each
with the clock set back (time-machine) so that the whole log is older than the settle time.
The directory is dated a day back, as if set up before the traffic came: the projector
then has no late links to catch up on. Prints a JSON object of the results on stdout.
"""

import argparse
import json
import sys
import time
from dataclasses import asdict, dataclass
from datetime import UTC, date, datetime, timedelta

import django_setup  # noqa: F401  (first: Django is set up before the project is imported)
import time_machine
from django.db import connection, transaction
from population import ADL, Lms, Traffic, learner_courses, module_iri
from processes import CpuMeter, postgres_pids

from engagement.network import services as network
from engagement.network.models import (
    Enrolment,
    MilestoneActivity,
    Organisation,
    Pathway,
    XapiIdentity,
)
from engagement.progress.models import Evidence, ProgressEvent, ProjectionCursor, Qualification
from engagement.progress.services import CURSOR, progress_project
from learning_records.models import LrsClient
from learning_records.services import lrs_client_create, statements_store
from learning_records.xapi.validate import parse_statements
from learning_records.xapi.versions import XapiVersion

LMS = Lms("projection-uas", "https://moodle.projection-uas.example", 2_222, 30, 1.0)
PATHWAYS, BATCH_SIZE, SEED = 10, 10_000, 20_241_215
COUNTING = [f"{ADL}completed", f"{ADL}passed"]


def in_network(learner: int) -> bool:
    return learner % 10 != 9  # 2,000 of 2,222; the rest are LMS users nobody linked yet


def pathway_courses(pathway: int) -> tuple[int, int]:
    return 2 * pathway, 2 * pathway + 1


@transaction.atomic  # one commit, not one per person
def build_network() -> LrsClient:
    provider = network.organisation_create(slug=LMS.slug, name_en="Projection UAS", kind="uas")
    client, _ = lrs_client_create(organisation=provider, name="Moodle", key="bench-projection")
    pathways = [_pathway(provider, number) for number in range(PATHWAYS)]
    for learner in filter(in_network, range(LMS.learners)):
        _learner(learner, pathways)
    # Set up before the traffic: the projector's late-link catch-up has nothing to do.
    a_day_ago = datetime.now(tz=UTC) - timedelta(days=1)
    XapiIdentity.objects.update(created_at=a_day_ago)
    Enrolment.objects.update(created_at=a_day_ago)
    return client


def _pathway(provider: Organisation, number: int) -> Pathway:
    pathway = network.pathway_create(
        slug=f"pathway-{number + 1}",
        title_en=f"Pathway {number + 1}",
        eqf_level=5,
        effort_hours=120,
        providers=[provider],
    )
    first, second = pathway_courses(number)
    criteria = [(first, range(4), None), (first, range(4, 8), 0.6), (second, range(5), None)]
    for position, (course, modules, min_scaled) in enumerate(criteria, start=1):
        milestone = network.milestone_create(
            pathway=pathway, position=position, title_en=f"Step {position}", provider=provider
        )
        for module in modules:
            network.milestone_activity_add(
                milestone=milestone,
                activity_iri=module_iri(LMS, course, module),
                verbs=COUNTING,
                min_scaled=min_scaled,
            )
    return pathway


def _learner(learner: int, pathways: list[Pathway]) -> None:
    person = network.person_create(given_name="Learner", family_name=str(learner + 1))
    network.identity_link(
        person=person, kind="account", value=str(learner + 1), home_page=LMS.home_page
    )
    courses = set(learner_courses(LMS, learner))
    for number, pathway in enumerate(pathways):
        if courses & set(pathway_courses(number)):
            network.enrolment_create(learner=person, pathway=pathway, started_on=date(2026, 1, 12))


def store_statements(client: LrsClient, count: int) -> float:
    """Seconds it took to store `count` statements, stored over 20 days up to yesterday
    (well before the projector's settle time)."""
    traffic = Traffic(SEED, organisations=(LMS,))
    batches = count // BATCH_SIZE
    window = timedelta(days=20) / batches
    start = datetime.now(tz=UTC) - timedelta(days=21)
    started = time.perf_counter()
    for number in range(batches):
        stored_at = start + window * (number + 1)
        parsed = parse_statements(
            traffic.statements(BATCH_SIZE, stored_at, window), version=XapiVersion.V1_0_3
        )
        with time_machine.travel(stored_at, tick=True):
            statements_store(client=client, statements=parsed, version=XapiVersion.V1_0_3)
        print(f"stored {(number + 1) * BATCH_SIZE:,} of {count:,}", file=sys.stderr, flush=True)
    return time.perf_counter() - started


@dataclass(frozen=True)
class Projection:
    statements: int
    enrolments_updated: int
    seconds: float
    process_cpu_seconds: float  # this Python process: the projector's own work
    postgres_cpu_seconds: float  # the database backends serving it


def timed_projection() -> Projection:
    database = connection.settings_dict["NAME"]
    meter = CpuMeter({"postgres backends": lambda: postgres_pids(database)[0]})
    meter.start()
    started = time.perf_counter()
    run = progress_project()
    seconds = time.perf_counter() - started
    meter.stop()
    return Projection(
        run.statements,
        run.enrolments_updated,
        seconds,
        meter.own_seconds,
        meter.used["postgres backends"],
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--statements", type=int, default=200_000)
    options = parser.parse_args()
    started = time.perf_counter()
    client = build_network()
    network_seconds = time.perf_counter() - started
    store_seconds = store_statements(client, options.statements)
    ProjectionCursor.objects.filter(name=CURSOR).delete()  # a fresh projector
    connection.close()  # the projection opens its own connection, which the meter finds
    first, second = timed_projection(), timed_projection()
    result = {
        "network_seconds": network_seconds,
        "store_seconds": store_seconds,
        "people": XapiIdentity.objects.count(),
        "enrolments": Enrolment.objects.count(),
        "criteria": MilestoneActivity.objects.count(),
        "evidence": Evidence.objects.count(),
        "qualifications": Qualification.objects.count(),
        "events": ProgressEvent.objects.count(),
        "first": asdict(first),
        "second": asdict(second),
    }
    json.dump(result, sys.stdout)


if __name__ == "__main__":
    main()
