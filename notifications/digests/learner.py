"""The learner's weekly digest: progress per enrolment, what changed in the week, the next
step, badges, and the week's `digest_line` rule decisions addressed to the learner.

A learner hears from us only when there is something to say: activity in the week, a
milestone completed in it, a badge, or a digest line. `learners_with_news` answers that for a
batch (in a fixed number of queries) when digests are created; `learner_digest` computes the
content when the e-mail is rendered, so it shows the record as it is at sending time.
"""

import datetime as dt
from collections.abc import Collection
from typing import Any
from zoneinfo import ZoneInfo

from backend.db import among
from engagement.network.models import Enrolment, Milestone, Person
from engagement.progress.models import Evidence, MilestoneProgress
from engagement.rules.models import Decision
from engagement.rules.reasons import reasons_text
from notifications.digests.badges import badges_earned

# Enrolments a digest reports on: a pathway finished in the week is news too.
REPORTED_STATUSES = (Enrolment.Status.ACTIVE, Enrolment.Status.COMPLETED)


def _digest_lines(person_ids: Collection[int], start: dt.datetime, end: dt.datetime) -> Any:
    # Held-out decisions are recorded, never delivered: a digest line is a delivery too.
    return Decision.objects.filter(
        among("person_id", person_ids),
        action__type="digest_line",
        holdout=Decision.Holdout.NONE,
        decided_at__gte=start,
        decided_at__lt=end,
    )


def learners_with_news(
    person_ids: Collection[int], start: dt.datetime, end: dt.datetime
) -> set[int]:
    """Those of these learners with something to say about [start, end)."""
    active = Evidence.objects.filter(
        among("enrolment__learner_id", person_ids), occurred_at__gte=start, occurred_at__lt=end
    ).values_list("enrolment__learner_id", flat=True)
    completed = MilestoneProgress.objects.filter(
        among("enrolment__learner_id", person_ids), completed_at__gte=start, completed_at__lt=end
    ).values_list("enrolment__learner_id", flat=True)
    lined = _digest_lines(person_ids, start, end).values_list("person_id", flat=True)
    badged = badges_earned(person_ids=person_ids, start=start, end=end, language="en")
    return {*active.distinct(), *completed.distinct(), *lined.distinct(), *badged}


def learner_digest(
    person: Person, start: dt.datetime, end: dt.datetime, zone: ZoneInfo, language: str
) -> dict[str, Any]:
    """The digest's content: per enrolment the milestones done of the total, those completed
    in the week and the next one; the days studied; badges; the rules' digest lines."""
    enrolments = list(
        Enrolment.objects.filter(learner=person, status__in=REPORTED_STATUSES)
        .select_related("pathway")
        .order_by("started_on", "id")
    )
    milestones: dict[int, list[Milestone]] = {}
    for milestone in Milestone.objects.filter(
        pathway_id__in={e.pathway_id for e in enrolments}
    ).order_by("position"):
        milestones.setdefault(milestone.pathway_id, []).append(milestone)
    completed = {
        (enrolment_id, milestone_id): at
        for enrolment_id, milestone_id, at in MilestoneProgress.objects.filter(
            enrolment__in=enrolments, completed_at__isnull=False
        ).values_list("enrolment_id", "milestone_id", "completed_at")
    }
    rows = []
    for enrolment in enrolments:
        steps = milestones.get(enrolment.pathway_id, [])
        done_at = [completed.get((enrolment.pk, m.pk)) for m in steps]
        this_week = [
            m.translated("title", language)
            for m, at in zip(steps, done_at, strict=True)
            if at is not None and start <= at < end
        ]
        if enrolment.status != Enrolment.Status.ACTIVE and not this_week:
            continue
        following = [m for m, at in zip(steps, done_at, strict=True) if at is None]
        rows.append(
            {
                "pathway": enrolment.pathway.translated("title", language),
                "done": sum(at is not None for at in done_at),
                "total": len(steps),
                "completed_this_week": this_week,
                "next_step": following[0].translated("title", language) if following else "",
            }
        )
    studied = Evidence.objects.filter(
        enrolment__learner=person, occurred_at__gte=start, occurred_at__lt=end
    ).values_list("occurred_at", flat=True)
    lines = _digest_lines([person.pk], start, end).select_related("enrolment__pathway")
    return {
        "enrolments": rows,
        "days_studied": len({at.astimezone(zone).date() for at in studied}),
        "badges": badges_earned(
            person_ids=[person.pk], start=start, end=end, language=language
        ).get(person.pk, []),
        "lines": [
            {
                "pathway": line.enrolment.pathway.translated("title", language),
                "text": "; ".join(reasons_text(line.reasons)),
            }
            for line in lines.order_by("decided_at", "id")
        ],
    }
