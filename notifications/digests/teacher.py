"""The teacher's weekly cohort summary: per cohort they teach, who is amber or red now and
why, marking those who turned so during the week.

Lights are the rules' own (engagement.rules.evaluate.traffic_light on the snapshots the rules
build): rule-based, each reason listed, never a score (DESIGN.md). Nothing records a light's
history, so "turned this week" compares the light now with the light at the week's start
computed from the same record cut at that instant (milestones completed and activity after
it left out). The progress percentage at the start is approximated by the milestones
completed by then, which can only make the start look further behind, so a learner is never
called newly amber or red for lack of data.

The summary is sent only when someone is amber or red: a quiet cohort gets no e-mail.
"""

import dataclasses
import datetime as dt
from collections import defaultdict
from collections.abc import Collection, Iterable
from typing import Any

from django.db.models import Max

from backend.db import among
from engagement.network.models import Cohort, Enrolment, Person
from engagement.network.selectors import Viewer, cohorts_taught_by, cohorts_visible_to
from engagement.progress.models import Evidence
from engagement.rules.evaluate import Colour, EnrolmentFacts, Light, traffic_light
from engagement.rules.reasons import reasons_text
from engagement.rules.selectors import enrolment_facts

FLAGGED = (Colour.AMBER, Colour.RED)


def _cohorts_taught(person: Person) -> list[Cohort]:
    # As a teacher only: an administrator who also teaches hears about their own cohorts.
    viewer = Viewer(person=person, is_admin=False)
    return list(cohorts_visible_to(viewer).order_by("name", "id"))


def _members(cohort_ids: Iterable[int]) -> dict[int, list[int]]:
    members: dict[int, list[int]] = defaultdict(list)
    for cohort_id, enrolment_id in (
        Cohort.enrolments.through.objects.filter(among("cohort_id", cohort_ids))
        .order_by("enrolment_id")
        .values_list("cohort_id", "enrolment_id")
    ):
        members[cohort_id].append(enrolment_id)
    return members


def teachers_with_flags(person_ids: Collection[int], now: dt.datetime) -> set[int]:
    """Those of these teachers with someone amber or red now in a cohort they teach."""
    taught = cohorts_taught_by(person_ids)
    members = _members({c for cohorts in taught.values() for c in cohorts})
    enrolment_ids = {e for ids in members.values() for e in ids}
    flagged = {
        facts.enrolment_id
        for facts in enrolment_facts(enrolment_ids=enrolment_ids, now=now)
        if traffic_light(facts, now).colour in FLAGGED
    }
    return {
        person_id
        for person_id, cohorts in taught.items()
        if any(e in flagged for c in cohorts for e in members[c])
    }


def teacher_summary(
    person: Person, start: dt.datetime, now: dt.datetime, language: str
) -> dict[str, Any]:
    """Per cohort with someone amber or red: each such learner, their pathway, the colour,
    every reason, and whether they turned so since `start`."""
    cohorts = _cohorts_taught(person)
    members = _members(c.pk for c in cohorts)
    enrolment_ids = {e for ids in members.values() for e in ids}
    facts = {f.enrolment_id: f for f in enrolment_facts(enrolment_ids=enrolment_ids, now=now)}
    enrolments = Enrolment.objects.filter(among("id", enrolment_ids)).select_related(
        "learner", "pathway"
    )
    by_id = {e.pk: e for e in enrolments}
    before = _last_active_before(facts, start)
    shown = []
    for cohort in cohorts:
        rows = []
        for enrolment_id in members[cohort.pk]:
            light = traffic_light(facts[enrolment_id], now)
            if light.colour not in FLAGGED:
                continue
            earlier = traffic_light(_as_of(facts[enrolment_id], start, before), start)
            rows.append(_row(by_id[enrolment_id], light, earlier, language))
        if rows:
            rows.sort(key=lambda r: (r["colour"] != Colour.RED, not r["new"], r["learner"]))
            shown.append({"name": cohort.name, "rows": rows})
    return {"cohorts": shown, "flagged": sum(len(c["rows"]) for c in shown)}


def _row(enrolment: Enrolment, light: Light, earlier: Light, language: str) -> dict[str, Any]:
    worse = FLAGGED.index(light.colour) > (
        FLAGGED.index(earlier.colour) if earlier.colour in FLAGGED else -1
    )
    return {
        "learner": f"{enrolment.learner.given_name} {enrolment.learner.family_name}",
        "pathway": enrolment.pathway.translated("title", language),
        "colour": str(light.colour),
        # In the teacher's language: rendering runs inside translation.override.
        "reasons": reasons_text(light.reasons),
        "new": worse,
    }


def _last_active_before(
    facts: dict[int, EnrolmentFacts], start: dt.datetime
) -> dict[int, dt.datetime]:
    changed = [
        f.enrolment_id for f in facts.values() if f.last_active_at and f.last_active_at >= start
    ]
    return dict(
        Evidence.objects.filter(among("enrolment_id", changed), occurred_at__lt=start)
        .values("enrolment_id")
        .annotate(last=Max("occurred_at"))
        .values_list("enrolment_id", "last")
    )


def _as_of(
    facts: EnrolmentFacts, start: dt.datetime, last_active: dict[int, dt.datetime]
) -> EnrolmentFacts:
    """The snapshot cut at `start`: later completions and activity left out."""
    milestones = tuple(
        m
        if m.completed_at is None or m.completed_at < start
        else dataclasses.replace(m, completed_at=None)
        for m in facts.milestones
    )
    last = facts.last_active_at
    if last is not None and last >= start:
        last = last_active.get(facts.enrolment_id)
    done = sum(m.completed_at is not None for m in milestones)
    percent = round(100 * done / len(milestones)) if milestones else 0
    completed = facts.completed_at if facts.completed_at and facts.completed_at < start else None
    return dataclasses.replace(
        facts,
        milestones=milestones,
        last_active_at=last,
        percent=min(percent, facts.percent),
        completed_at=completed,
    )
