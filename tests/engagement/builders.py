"""A small network for progress and rules tests: one pathway with two milestones, one
learner; and builders of the statements they send. The fixtures are in conftest.py."""

import datetime as dt
import uuid
from dataclasses import dataclass
from typing import Any

from engagement.network import services as network
from engagement.network.models import (
    Enrolment,
    Milestone,
    MilestoneActivity,
    Organisation,
    Pathway,
    Person,
)
from learning_records.models import LrsClient, lookup_hash
from learning_records.services import lrs_client_create, statements_store
from learning_records.xapi.validate import parse_statements
from learning_records.xapi.versions import XapiVersion

PASSED = "http://adlnet.gov/expapi/verbs/passed"
COMPLETED = "http://adlnet.gov/expapi/verbs/completed"
EXPERIENCED = "http://adlnet.gov/expapi/verbs/experienced"
VOIDED = "http://adlnet.gov/expapi/verbs/voided"
LMS = "https://moodle.savonia.fi"
SAFETY_VIDEO = f"{LMS}/mod/video/1"
SAFETY_QUIZ = f"{LMS}/mod/quiz/1"
CHEM = [f"{LMS}/mod/quiz/{n}" for n in (11, 12, 13)]
COURSE = f"{LMS}/course/7"


@dataclass
class Network:
    provider: Organisation
    client: LrsClient
    pathway: Pathway
    safety: Milestone
    chemistry: Milestone
    learner: Person
    enrolment: Enrolment


def add_activity(
    milestone: Milestone, iri: str, verbs: list[str], min_scaled: float | None = None
) -> None:
    MilestoneActivity.objects.create(
        milestone=milestone,
        activity_iri=iri,
        activity_hash=lookup_hash(iri),
        verbs=verbs,
        min_scaled=min_scaled,
    )


def make_network() -> Network:
    provider = Organisation.objects.create(slug="savonia", name_en="Savonia UAS", kind="uas")
    client, _ = lrs_client_create(organisation=provider, name="Moodle", key="moodle")
    pathway = Pathway.objects.create(
        slug="cell-manufacturing",
        title_en="Battery cell manufacturing",
        eqf_level=5,
        effort_hours=120,
    )
    safety = Milestone.objects.create(
        pathway=pathway, position=1, title_en="Safety", provider=provider
    )
    add_activity(safety, SAFETY_VIDEO, [COMPLETED, EXPERIENCED])
    add_activity(safety, SAFETY_QUIZ, [PASSED])
    chemistry = Milestone.objects.create(
        pathway=pathway, position=2, title_en="Cell chemistry", provider=provider, required_count=2
    )
    for iri in CHEM:
        add_activity(chemistry, iri, [PASSED], min_scaled=0.6)
    learner = network.person_create(
        given_name="Aino", family_name="Virtanen", email="aino@example.fi"
    )
    network.identity_link(person=learner, kind="mbox", value="mailto:aino@example.fi")
    enrolment = network.enrolment_create(
        learner=learner, pathway=pathway, started_on=dt.date(2026, 1, 12)
    )
    return Network(provider, client, pathway, safety, chemistry, learner, enrolment)


def statement(
    activity: str,
    verb: str = PASSED,
    *,
    actor: str = "mailto:aino@example.fi",
    scaled: float | None = 0.9,
    at: str = "2026-02-03T18:00:00Z",
    duration: str | None = "PT20M",
    parent: str | None = None,
) -> dict[str, Any]:
    result: dict[str, Any] = {}
    if scaled is not None:
        result["score"] = {"scaled": scaled}
    if duration is not None:
        result["duration"] = duration
    built: dict[str, Any] = {
        "id": str(uuid.uuid4()),
        "actor": {"objectType": "Agent", "mbox": actor},
        "verb": {"id": verb},
        "object": {"objectType": "Activity", "id": activity},
        "timestamp": at,
    }
    if result:
        built["result"] = result
    if parent:
        built["context"] = {"contextActivities": {"parent": [{"id": parent}]}}
    return built


def voiding(target_id: str) -> dict[str, Any]:
    return {
        "actor": {"objectType": "Agent", "mbox": "mailto:teacher@savonia.fi"},
        "verb": {"id": VOIDED},
        "object": {"objectType": "StatementRef", "id": target_id},
    }


def store(client: LrsClient, *statements: dict[str, Any]) -> list[str]:
    parsed = parse_statements(list(statements), version=XapiVersion.V1_0_3)
    return statements_store(client=client, statements=parsed, version=XapiVersion.V1_0_3)
