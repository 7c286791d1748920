"""The progress projection's part of a person's export and erasure."""

from collections import Counter
from collections.abc import Collection
from typing import Any

from django.db import transaction

from engagement.network.models import Person
from engagement.progress.models import (
    EnrolmentProgress,
    Evidence,
    MilestoneProgress,
    ProgressEvent,
    Qualification,
    UnmatchedAgent,
)


def progress_export(person: Person) -> dict[str, Any]:
    enrolments = EnrolmentProgress.objects.filter(enrolment__learner=person).order_by("pk")
    milestones = (
        MilestoneProgress.objects.filter(enrolment__learner=person)
        .select_related("milestone")
        .order_by("enrolment_id", "milestone__position")
    )
    events = ProgressEvent.objects.filter(enrolment__learner=person).select_related("milestone")
    return {
        "enrolments": {
            p.enrolment_id: {
                "milestones_done": p.milestones_done,
                "milestones_total": p.milestones_total,
                "activities_done": p.activities_done,
                "percent": p.percent,
                "first_active_at": p.first_active_at,
                "last_active_at": p.last_active_at,
                "time_spent_seconds": p.time_spent_seconds,
                "completed_at": p.completed_at,
            }
            for p in enrolments
        },
        "milestones": [
            {
                "enrolment": m.enrolment_id,
                "milestone": m.milestone.title_en,
                "activities_done": m.activities_done,
                "activities_needed": m.activities_needed,
                "completed_at": m.completed_at,
            }
            for m in milestones
        ],
        "events": [
            {
                "enrolment": e.enrolment_id,
                "kind": e.kind,
                "milestone": e.milestone.title_en if e.milestone else None,
                "occurred_at": e.occurred_at,
                "retracted_at": e.retracted_at,
            }
            for e in events.order_by("pk")
        ],
    }


@transaction.atomic
def progress_erase(*, person: Person, agent_keys: Collection[str]) -> Counter[str]:
    """Delete everything projected from the person's statements, and the record of their
    agents seen without a link."""
    counts: Counter[str] = Counter()
    for model in (Evidence, Qualification, ProgressEvent, MilestoneProgress, EnrolmentProgress):
        counts.update(model.objects.filter(enrolment__learner=person).delete()[1])
    counts.update(UnmatchedAgent.objects.filter(agent_key__in=list(agent_keys)).delete()[1])
    return counts
