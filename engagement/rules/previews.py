"""What a rule would do right now, for the API and the admin: services.rule_preview with the
names, holdout arms and the cap spelled out. It records nothing."""

import datetime as dt
from dataclasses import dataclass

from engagement.network.models import Person
from engagement.rules import selectors, services
from engagement.rules.definitions import SCHEDULE_KINDS
from engagement.rules.models import Rule
from engagement.rules.reasons import reason_text, reasons_text

# Candidate learners evaluated per preview: enough to judge a rule, bounded in time and size.
PREVIEW_LIMIT = 200


@dataclass(frozen=True)
class Acted:
    person_id: int
    person_name: str
    enrolment_id: int
    window: str
    reasons: tuple[str, ...]
    holdout: str  # "" would be nudged, "rule" or "global": recorded, not delivered


@dataclass(frozen=True)
class LeftOut:
    person_id: int
    person_name: str
    enrolment_id: int
    reason: str


@dataclass(frozen=True)
class Preview:
    rule_id: int
    kind: str
    enabled: bool
    as_of: dt.datetime
    candidates: int
    evaluated: int
    acts_on: tuple[Acted, ...]
    left_out: tuple[LeftOut, ...]
    note: str


def rule_preview_report(*, rule: Rule, now: dt.datetime, limit: int | None = None) -> Preview:
    limit = PREVIEW_LIMIT if limit is None else limit
    spec = selectors.rule_spec(rule)
    scheduled = spec.kind in SCHEDULE_KINDS
    candidates = selectors.candidate_learners(spec, now).count() if scheduled else 0
    outcome = services.rule_preview(rule=rule, now=now, limit=limit)
    people = {d.person_id for d in outcome.decisions} | {x.person_id for x in outcome.exclusions}
    named = Person.objects.filter(pk__in=people).only("given_name", "family_name")
    names = {person.pk: str(person) for person in named}
    acts_on = tuple(
        Acted(
            d.person_id,
            names.get(d.person_id, ""),
            d.enrolment_id,
            d.window,
            tuple(reasons_text(d.reasons)),
            services.holdout_of(spec=spec, person_id=d.person_id),
        )
        for d in outcome.decisions
    )
    left_out = tuple(
        LeftOut(x.person_id, names.get(x.person_id, ""), x.enrolment_id, reason_text(x.reason))
        for x in outcome.exclusions
    )
    evaluated = min(candidates, limit)
    return Preview(
        rule.pk, spec.kind, rule.enabled, now, candidates, evaluated, acts_on, left_out,
        _note(rule, scheduled, candidates, evaluated),
    )  # fmt: skip


def _note(rule: Rule, scheduled: bool, candidates: int, evaluated: int) -> str:
    if not scheduled:
        return (
            "An event rule acts on progress events as they happen (a milestone or the pathway "
            "completed); there is nothing to preview ahead of them."
        )
    notes = [
        "Nothing was recorded or sent. Decisions marked as held out would be recorded for the "
        "effectiveness comparison and not delivered."
    ]
    if evaluated < candidates:
        notes.append(
            f"Only the first {evaluated} of {candidates} candidate learners were "
            "evaluated: the lists are a sample, not everyone."
        )
    if not rule.enabled:
        notes.append("The rule is disabled: this is what it would do if it were enabled.")
    return " ".join(notes)
