"""Writes of the rules room: rules and their versions, and decisions.

Decisions are stored under their dedup key with ignore_conflicts: the same rule, person,
enrolment and window is decided once, whatever retries or overlapping sweeps do.
"""

import datetime as dt
import json
import logging
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.core.mail import mail_admins
from django.db import connection, transaction
from django.db.models import Field
from django.utils import timezone

from engagement.network.models import Cohort, MilestoneActivity, Organisation, Pathway, Person
from engagement.progress.models import ProgressEvent
from engagement.rules import selectors
from engagement.rules.definitions import (
    EVENT_KINDS,
    SCHEDULE_KINDS,
    AwardBadge,
    DefinitionError,
    parse_definition,
)
from engagement.rules.evaluate import (
    Decision,
    EnrolmentFacts,
    EventFacts,
    Exclusion,
    Outcome,
    RuleSpec,
    evaluate,
    evaluate_event,
    in_holdout,
)
from engagement.rules.models import Decision as DecisionRow
from engagement.rules.models import EventCursor, Rule, RuleVersion, StudyPlan

logger = logging.getLogger(__name__)

EVENTS_CURSOR = "events"
# Events read per transaction by the event rules.
EVENT_BATCH = 1000
# Decisions per INSERT: a sweep batch of 500 learners makes a few thousand at most.
DECISION_INSERT_BATCH = 5000


# --- Rules ----------------------------------------------------------------------------------


@transaction.atomic
def rule_create(
    *,
    name: str,
    definition: object,
    scope: str = Rule.Scope.NETWORK,
    provider: Organisation | None = None,
    pathway: Pathway | None = None,
    cohort: Cohort | None = None,
    holdout_share: float = 0.10,
    enabled: bool = True,
    user: Any = None,
) -> Rule:
    parsed = parse_definition(definition)
    _check_scope(scope, provider, pathway, cohort)
    if not 0 <= holdout_share <= 0.5:
        raise DefinitionError(["holdout_share: must be from 0 to 0.5"])
    rule = Rule.objects.create(
        name=name,
        scope=scope,
        provider=provider,
        pathway=pathway,
        cohort=cohort,
        holdout_share=holdout_share,
        enabled=enabled,
    )
    _new_version(rule, parsed, user)
    return rule


@transaction.atomic
def rule_update(*, rule: Rule, definition: object, user: Any = None) -> RuleVersion:
    """A new version; decisions already made keep the version that made them."""
    return _new_version(rule, parse_definition(definition), user)


def rule_set_enabled(*, rule: Rule, enabled: bool) -> Rule:
    rule.enabled = enabled
    if enabled:
        rule.disabled_reason = ""
    rule.save(update_fields=["enabled", "disabled_reason"])
    return rule


def rule_disable_for_error(*, rule_id: int, error: BaseException) -> None:
    """A rule that raises is switched off with the reason, and the administrators are told;
    the other rules keep running."""
    reason = f"disabled at {timezone.now():%Y-%m-%d %H:%M} UTC: {type(error).__name__}: {error}"
    Rule.objects.filter(pk=rule_id).update(enabled=False, disabled_reason=reason)
    logger.error("rule %s disabled: %s", rule_id, reason)
    mail_admins(f"Kipinä rule {rule_id} was disabled", reason, fail_silently=True)


def _new_version(rule: Rule, definition: Any, user: Any) -> RuleVersion:
    _check_cycles(rule, definition)
    latest = rule.versions.order_by("-number").values_list("number", flat=True).first() or 0
    version = RuleVersion.objects.create(
        rule=rule,
        number=latest + 1,
        kind=definition.kind,
        definition=definition.model_dump(mode="json"),
        created_by=user,
    )
    rule.current_version = version
    rule.save(update_fields=["current_version"])
    return version


def _check_scope(
    scope: str, provider: Organisation | None, pathway: Pathway | None, cohort: Cohort | None
) -> None:
    given = {"provider": provider, "pathway": pathway, "cohort": cohort}
    if scope not in Rule.Scope.values:
        raise DefinitionError([f"scope: unknown scope {scope!r}; use one of {Rule.Scope.values}"])
    extra = [name for name, target in given.items() if target is not None and name != scope]
    if extra:
        raise DefinitionError([f"{extra[0]}: a rule of scope {scope} takes no {extra[0]}"])
    if scope != Rule.Scope.NETWORK and given[scope] is None:
        raise DefinitionError([f"{scope}: a rule of scope {scope} needs its {scope}"])


def _check_cycles(rule: Rule, definition: Any) -> None:
    """Refuse an award that would, through a milestone it completes, set off a chain of
    awards leading back to itself (an earned badge is a statement, and a milestone may
    count that statement)."""
    awards = {
        rule_id: parse_definition(current)
        for rule_id, current in Rule.objects.exclude(pk=rule.pk)
        .filter(current_version__kind__in=EVENT_KINDS)
        .values_list("id", "current_version__definition")
    }
    awards[rule.pk] = definition
    edges = {rule_id: _triggered_by(d, awards) for rule_id, d in awards.items()}
    path = _cycle_from(rule.pk, edges)
    if path:
        names = " → ".join(f"rule {rule_id}" for rule_id in path)
        raise DefinitionError(
            [f"definition.action.badge_class: awarding it starts a cycle of awards: {names}"]
        )


def _triggered_by(definition: Any, rules: dict[int, Any]) -> set[int]:
    """The event rules this rule's badge award can set off."""
    if not isinstance(definition.action, AwardBadge):
        return set()
    completed = set(
        MilestoneActivity.objects.filter(activity_iri=definition.action.badge_class).values_list(
            "milestone_id", flat=True
        )
    )
    return {
        rule_id
        for rule_id, other in rules.items()
        if completed
        and other.kind in EVENT_KINDS
        and (other.kind == "pathway_completed" or other.milestone_id in (None, *completed))
    }


def _cycle_from(start: int, edges: dict[int, set[int]]) -> list[int]:
    stack: list[tuple[int, list[int]]] = [(start, [start])]
    while stack:
        node, path = stack.pop()
        for following in edges.get(node, ()):
            if following == start:
                return [*path, start]
            if following not in path:
                stack.append((following, [*path, following]))
    return []


# --- Decisions --------------------------------------------------------------------------------


def decisions_record(
    specs: dict[int, RuleSpec], decisions: Iterable[Decision], now: dt.datetime
) -> int:
    """Store new decisions (ignoring any already stored under their key); the count given.

    Holdout membership is a stable draw per person and rule (and per person for the global
    holdout): it is computed, never stored first, so it cannot drift. The rows go in as
    tuples (no model instances: a sweep re-sends every decision of the current windows)."""
    actions = {
        version_id: definition["action"]
        for version_id, definition in RuleVersion.objects.filter(
            pk__in={s.version_id for s in specs.values()}
        ).values_list("pk", "definition")
    }
    rows = [
        (d.rule_id, d.version_id, d.person_id, d.enrolment_id, d.window, actions[d.version_id],
         [reason.as_json() for reason in d.reasons], _holdout(specs[d.rule_id], d.person_id))
        for d in decisions
    ]  # fmt: skip
    for start in range(0, len(rows), DECISION_INSERT_BATCH):
        _decisions_insert(rows[start : start + DECISION_INSERT_BATCH], now)
    return len(rows)


def _decisions_insert(rows: Sequence[tuple[Any, ...]], now: dt.datetime) -> None:
    """INSERT ... ON CONFLICT DO NOTHING: the dedup key keeps the decision stored first.
    PostgreSQL takes the rows as one JSON array parameter (json.dumps of the batch is one
    call; arrays of quoted strings cost more to build than the insert takes)."""
    if not rows:
        return
    quote = connection.ops.quote_name
    table = quote(DecisionRow._meta.db_table)
    columns = ", ".join(quote(_column(name)) for name in (*_DECISION_FIELDS, "decided_at"))
    decided_at = DecisionRow._meta.get_field("decided_at").get_db_prep_value(now, connection)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                f"INSERT INTO {table} ({columns}) "  # noqa: S608
                "SELECT (r->>0)::bigint, (r->>1)::bigint, (r->>2)::bigint, (r->>3)::bigint, "
                "r->>4, (r->5)::jsonb, (r->6)::jsonb, r->>7, %s "
                "FROM json_array_elements(%s::json) AS r ON CONFLICT DO NOTHING",
                [decided_at, json.dumps(rows)],
            )
        else:
            cursor.executemany(
                f"INSERT INTO {table} ({columns}) "  # noqa: S608
                "VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s) ON CONFLICT DO NOTHING",
                [
                    (*row[:5], json.dumps(row[5]), json.dumps(list(row[6])), row[7], decided_at)
                    for row in rows
                ],
            )


def _column(name: str) -> str:
    field = DecisionRow._meta.get_field(name)
    if not isinstance(field, Field) or field.column is None:  # e.g. a relation's far end
        raise TypeError(f"{name} is not a column of {DecisionRow._meta.db_table}")
    return field.column


_DECISION_FIELDS = (
    "rule", "version", "person", "enrolment", "window", "action", "reasons", "holdout"
)  # fmt: skip


def _holdout(spec: RuleSpec, person_id: int) -> str:
    salt = settings.KIPINA_HOLDOUT_SALT
    if in_holdout(person_id, 0, settings.KIPINA_RULES_GLOBAL_HOLDOUT, salt):
        return DecisionRow.Holdout.GLOBAL
    if in_holdout(person_id, spec.rule_id, spec.holdout_share, salt):
        return DecisionRow.Holdout.RULE
    return DecisionRow.Holdout.NONE


# --- Schedule sweep ------------------------------------------------------------------------------


def sweep_candidates(now: dt.datetime) -> list[int]:
    """Learner ids any schedule rule may act on, sorted (the beat task fans them out)."""
    learners: set[int] = set()
    for spec in selectors.rule_specs(kinds=SCHEDULE_KINDS):
        learners.update(selectors.candidate_learners(spec, now))
    return sorted(learners)


@dataclass(frozen=True)
class SweepResult:
    decisions: int
    exclusions: int
    failed_rules: tuple[int, ...]


def sweep_batch(learner_ids: Sequence[int], now: dt.datetime) -> SweepResult:
    """Evaluate every enabled schedule rule on these learners' enrolments and record."""
    specs = {s.rule_id: s for s in selectors.rule_specs(kinds=SCHEDULE_KINDS)}
    facts = selectors.enrolment_facts(learner_ids=learner_ids, now=now)
    outcome, failed = _evaluate_all(specs, facts, lambda spec, f: evaluate(spec, f, now))
    with transaction.atomic():
        count = decisions_record(specs, outcome.decisions, now)
    return SweepResult(count, len(outcome.exclusions), failed)


def _evaluate_all(
    specs: dict[int, RuleSpec], facts: Sequence[EnrolmentFacts], run: Any
) -> tuple[Outcome, tuple[int, ...]]:
    decisions: list[Decision] = []
    exclusions: list[Exclusion] = []
    failed: list[int] = []
    for spec in specs.values():
        try:
            for enrolment in facts:
                outcome = run(spec, enrolment)
                decisions += outcome.decisions
                exclusions += outcome.exclusions
        except Exception as error:  # one broken rule must not stop the others
            rule_disable_for_error(rule_id=spec.rule_id, error=error)
            failed.append(spec.rule_id)
            decisions = [d for d in decisions if d.rule_id != spec.rule_id]
    return Outcome(tuple(decisions), tuple(exclusions)), tuple(failed)


def rule_preview(*, rule: Rule, now: dt.datetime, limit: int = 200) -> Outcome:
    """Who the rule would act on right now and why, and whom it would leave out: nothing is
    recorded. Schedule rules only (event rules act on events as they come)."""
    spec = selectors.rule_spec(rule)
    if spec.kind not in SCHEDULE_KINDS:
        return Outcome()
    learners = list(selectors.candidate_learners(spec, now)[:limit])
    facts = selectors.enrolment_facts(learner_ids=learners, now=now)
    outcomes = [evaluate(spec, f, now) for f in facts]
    return Outcome(
        tuple(d for o in outcomes for d in o.decisions),
        tuple(x for o in outcomes for x in o.exclusions),
    )


def decision_still_holds(*, decision: DecisionRow, now: dt.datetime) -> bool:
    """At delivery time: would the rule version still decide this, for this window?"""
    version = decision.version
    if version.kind in EVENT_KINDS:
        return True  # an achievement stays an achievement
    spec = selectors.rule_spec(decision.rule, version)
    snapshot = selectors.enrolment_facts(enrolment_ids=[decision.enrolment_id], now=now)
    if not snapshot:
        return False
    outcome = evaluate(spec, snapshot[0], now)
    return any(
        d.person_id == decision.person_id and d.window == decision.window for d in outcome.decisions
    )


# --- Event rules ---------------------------------------------------------------------------------


def events_process(now: dt.datetime, *, batch_size: int = EVENT_BATCH) -> int:
    """Run the event rules on progress events after the cursor; the events read."""
    with transaction.atomic():
        EventCursor.objects.get_or_create(name=EVENTS_CURSOR)
        cursor = EventCursor.objects.select_for_update().get(name=EVENTS_CURSOR)
        events = list(
            ProgressEvent.objects.filter(id__gt=cursor.last_event_id)
            .order_by("id")
            .values("id", "enrolment_id", "kind", "milestone_id", "occurred_at", "retracted_at")[
                :batch_size
            ]
        )
        if not events:
            return 0
        specs = {s.rule_id: s for s in selectors.rule_specs(kinds=EVENT_KINDS)}
        happened: dict[int, list[EventFacts]] = defaultdict(list)
        for e in events:
            if e["retracted_at"] is None:
                happened[e["enrolment_id"]].append(
                    EventFacts(e["kind"], e["milestone_id"], e["occurred_at"])
                )
        facts = selectors.enrolment_facts(enrolment_ids=list(happened), now=now)

        def run(spec: RuleSpec, enrolment: EnrolmentFacts) -> Outcome:
            found = [evaluate_event(spec, e, enrolment) for e in happened[enrolment.enrolment_id]]
            return Outcome(tuple(d for o in found for d in o.decisions))

        outcome, _ = _evaluate_all(specs, facts, run)
        decisions_record(specs, outcome.decisions, now)
        cursor.last_event_id = events[-1]["id"]
        cursor.save(update_fields=["last_event_id", "updated_at"])
    return len(events)


# --- Added for the rules API and admin -----------------------------------------------------------


_UNCHANGED: Any = object()


@transaction.atomic
def rule_edit(
    *,
    rule: Rule,
    name: str = _UNCHANGED,
    enabled: bool = _UNCHANGED,
    holdout_share: float = _UNCHANGED,
    definition: object = _UNCHANGED,
    user: Any = None,
) -> Rule:
    """Change what is given. Only a definition that differs from the current one makes a
    new version (rule_update); name, holdout share and enabled change the rule itself.

    A holdout share change moves people between the arms from then on (the draw is compared
    with the share); decisions already made keep the arm they were recorded in."""
    if definition is not _UNCHANGED:
        parsed = parse_definition(definition).model_dump(mode="json")
        current = rule.current_version.definition if rule.current_version else None
        if parsed != current:
            rule_update(rule=rule, definition=definition, user=user)
    changed = []
    if name is not _UNCHANGED:
        rule.name = name
        changed.append("name")
    if holdout_share is not _UNCHANGED:
        if not 0 <= holdout_share <= 0.5:
            raise DefinitionError(["holdout_share: must be from 0 to 0.5"])
        rule.holdout_share = holdout_share
        changed.append("holdout_share")
    if changed:
        rule.save(update_fields=changed)
    if enabled is not _UNCHANGED and enabled != rule.enabled:
        rule_set_enabled(rule=rule, enabled=enabled)
    return rule


def holdout_of(*, spec: RuleSpec, person_id: int) -> str:
    """The arm a decision of this rule for this person is recorded in ("" is nudged)."""
    return _holdout(spec, person_id)


@transaction.atomic
def study_plan_set(
    *,
    person: Person,
    days_per_week: int | None = None,
    hours_per_week: Decimal | None = None,
    preferred_times: Sequence[Mapping[str, Any]] = (),
) -> StudyPlan:
    """The learner's own plan, replaced whole: a weekly goal in days or in hours (exactly one)
    and the times they mean to study (weekday 0 = Monday, "HH:MM" in their time zone)."""
    if (days_per_week is None) == (hours_per_week is None):
        raise ValueError("a study plan has one weekly goal: days_per_week or hours_per_week")
    times = sorted(
        ({"weekday": t["weekday"], "from": t["from"], "to": t["to"]} for t in preferred_times),
        key=lambda t: (t["weekday"], t["from"]),
    )
    plan, _ = StudyPlan.objects.update_or_create(
        person=person,
        defaults={
            "days_per_week": days_per_week,
            "hours_per_week": hours_per_week,
            "preferred_times": times,
        },
    )
    return plan


def rule_definition_check(*, rule: Rule | None, definition: object) -> Any:
    """The parsed definition, or DefinitionError: the schema and the cycles of awards, as
    rule_create and rule_update check them (for forms that refuse before anything is saved)."""
    parsed = parse_definition(definition)
    _check_cycles(rule if rule is not None else Rule(), parsed)
    return parsed
