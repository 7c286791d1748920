"""Pure: what one statement means for the enrolments of its actor.

No ORM here; the projector (services.py) builds the inputs in batches and stores the output.
"""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from learning_records.xapi.index import statement_keys
from learning_records.xapi.timestamps import duration_seconds, parse_timestamp

VOIDED = "http://adlnet.gov/expapi/verbs/voided"


@dataclass(frozen=True)
class Criterion:
    """One MilestoneActivity: a statement about `activity_iri` with one of `verbs` (and a
    scaled score of at least `min_scaled`, when set) fulfils it."""

    id: int
    milestone_id: int
    activity_iri: str
    verbs: frozenset[str]
    min_scaled: float | None


@dataclass(frozen=True)
class EnrolledIn:
    enrolment_id: int
    pathway_id: int


@dataclass(frozen=True)
class EvidenceFact:
    enrolment_id: int
    occurred_at: datetime
    duration_seconds: float


@dataclass(frozen=True)
class QualificationFact:
    enrolment_id: int
    criterion_id: int
    achieved_at: datetime


def statement_facts(
    payload: Mapping[str, Any],
    enrolments: Sequence[EnrolledIn],
    criteria: Mapping[int, Mapping[str, Sequence[Criterion]]],
) -> tuple[list[EvidenceFact], list[QualificationFact]]:
    """Evidence and qualifications of one (not voided) statement for its actor's enrolments.

    `criteria` maps a pathway id to its criteria by activity IRI. A statement is evidence for
    an enrolment when its object or a context activity belongs to the pathway; it qualifies
    when its object is a criterion's activity and its verb and score meet the criterion.
    """
    if payload["verb"]["id"] == VOIDED:
        return [], []
    keys = statement_keys(payload)
    occurred_at = parse_timestamp(payload["timestamp"])
    spent = _duration(payload)
    evidence: list[EvidenceFact] = []
    qualifications: list[QualificationFact] = []
    for enrolled in enrolments:
        by_activity = criteria.get(enrolled.pathway_id, {})
        if not any(iri in by_activity for iri in keys.related_activities):
            continue
        evidence.append(EvidenceFact(enrolled.enrolment_id, occurred_at, spent))
        for criterion in by_activity.get(keys.object_activity_iri or "", ()):
            if qualifies(payload, criterion):
                qualifications.append(
                    QualificationFact(enrolled.enrolment_id, criterion.id, occurred_at)
                )
    return evidence, qualifications


def qualifies(payload: Mapping[str, Any], criterion: Criterion) -> bool:
    if payload["verb"]["id"] not in criterion.verbs:
        return False
    if criterion.min_scaled is None:
        return True
    scaled = payload.get("result", {}).get("score", {}).get("scaled")
    return isinstance(scaled, int | float) and scaled >= criterion.min_scaled


def _duration(payload: Mapping[str, Any]) -> float:
    duration = payload.get("result", {}).get("duration")
    return duration_seconds(duration) if isinstance(duration, str) else 0.0
