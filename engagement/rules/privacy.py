"""The rules' part of a person's export and erasure."""

from collections import Counter
from typing import Any

from django.db import transaction
from django.db.models import Q, QuerySet

from engagement.network.models import Person
from engagement.rules.models import Decision, StudyPlan
from engagement.rules.reasons import reasons_text


def decisions_involving(person: Person) -> QuerySet[Decision]:
    """Decisions about the person's enrolments (whoever they were addressed to: a teacher's
    alert about a learner is data about the learner) and those addressed to the person."""
    return Decision.objects.filter(Q(enrolment__learner=person) | Q(person=person))


def decisions_export(person: Person) -> list[dict[str, Any]]:
    # About my enrolments only: what was decided for me as a teacher concerns others.
    return [
        {
            "rule": d.rule.name,
            "enrolment": d.enrolment_id,
            "window": d.window,
            "action": d.action.get("type") if isinstance(d.action, dict) else None,
            "decided_at": d.decided_at,
            "held_out": d.holdout or None,
            "reasons": reasons_text(d.reasons),
        }
        for d in Decision.objects.filter(enrolment__learner=person)
        .select_related("rule")
        .order_by("pk")
    ]


def study_plan_export(person: Person) -> dict[str, Any] | None:
    plan = StudyPlan.objects.filter(person=person).first()
    if plan is None:
        return None
    return {
        "days_per_week": plan.days_per_week,
        "hours_per_week": plan.hours_per_week,
        "preferred_times": plan.preferred_times,
        "updated_at": plan.updated_at,
    }


@transaction.atomic
def decisions_erase(*, person: Person) -> Counter[str]:
    """Delete the decisions involving the person and their study plan. Callers delete what
    hangs off a decision in their own rooms first (notifications, badge award records)."""
    counts: Counter[str] = Counter()
    counts.update(decisions_involving(person).delete()[1])
    counts.update(StudyPlan.objects.filter(person=person).delete()[1])
    return counts
