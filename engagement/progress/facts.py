"""Pure: what one statement means for the enrolments of its actor.

No ORM here; the projector (services.py) builds the inputs in batches and stores the output.
"""

from collections.abc import Collection, Mapping, Sequence
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


@dataclass(frozen=True)
class StatementSummary:
    """What the facts of a statement depend on. The projector reads it off the LRS's index
    columns and rows (learning_records/feed.py) instead of parsing each statement."""

    verb_iri: str
    object_activity_iri: str | None
    related_activities: Collection[str]  # object, context activities, as in a SubStatement
    occurred_at: datetime
    duration: Any  # result.duration as sent
    scaled: Any  # result.score.scaled as sent


def statement_summary(payload: Mapping[str, Any]) -> StatementSummary:
    keys = statement_keys(payload)
    result = payload.get("result", {})
    return StatementSummary(
        verb_iri=keys.verb_iri,
        object_activity_iri=keys.object_activity_iri,
        related_activities=keys.related_activities,
        occurred_at=parse_timestamp(payload["timestamp"]),
        duration=result.get("duration"),
        scaled=result.get("score", {}).get("scaled"),
    )


def statement_facts(
    payload: Mapping[str, Any],
    enrolments: Sequence[EnrolledIn],
    criteria: Mapping[int, Mapping[str, Sequence[Criterion]]],
) -> tuple[list[EvidenceFact], list[QualificationFact]]:
    """Evidence and qualifications of one (not voided) statement for its actor's enrolments."""
    if payload["verb"]["id"] == VOIDED:
        return [], []
    return summary_facts(statement_summary(payload), enrolments, criteria)


def summary_facts(
    statement: StatementSummary,
    enrolments: Sequence[EnrolledIn],
    criteria: Mapping[int, Mapping[str, Sequence[Criterion]]],
) -> tuple[list[EvidenceFact], list[QualificationFact]]:
    """statement_facts of a summarised statement.

    `criteria` maps a pathway id to its criteria by activity IRI. A statement is evidence for
    an enrolment when its object or a context activity belongs to the pathway; it qualifies
    when its object is a criterion's activity and its verb and score meet the criterion.
    """
    evidence: list[EvidenceFact] = []
    qualifications: list[QualificationFact] = []
    spent: float | None = None  # parsed once, and only for a statement that is evidence
    for enrolled in enrolments:
        by_activity = criteria.get(enrolled.pathway_id, {})
        if not any(iri in by_activity for iri in statement.related_activities):
            continue
        if spent is None:
            spent = _duration(statement.duration)
        evidence.append(EvidenceFact(enrolled.enrolment_id, statement.occurred_at, spent))
        for criterion in by_activity.get(statement.object_activity_iri or "", ()):
            if qualifies(statement, criterion):
                qualifications.append(
                    QualificationFact(enrolled.enrolment_id, criterion.id, statement.occurred_at)
                )
    return evidence, qualifications


def qualifies(statement: StatementSummary, criterion: Criterion) -> bool:
    if statement.verb_iri not in criterion.verbs:
        return False
    if criterion.min_scaled is None:
        return True
    scaled = statement.scaled
    return isinstance(scaled, int | float) and scaled >= criterion.min_scaled


def _duration(duration: Any) -> float:
    return duration_seconds(duration) if isinstance(duration, str) else 0.0
