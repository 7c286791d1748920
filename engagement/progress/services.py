"""The progress projector: reads the statement log in stored order and keeps each
enrolment's progress (DESIGN.md, data flow step 2).

Why it is safe to run any number of times, concurrently or after a crash:
- Each batch runs in one transaction that holds the cursor row locked (select_for_update;
  SQLite's IMMEDIATE transactions serialise writers anyway), so two runs take turns and a
  crash rolls the batch back with the cursor.
- Facts are stored under unique keys (enrolment, statement[, criterion]) with
  ignore_conflicts, and progress is recomputed from all facts of an enrolment: reprocessing
  a statement changes nothing.
- The cursor stops `settle` seconds short of now: a statement's `stored` time is taken
  when its batch starts writing, and a batch that commits later than that would otherwise
  land behind the cursor. The LRS commits within that window (statements_store).
"""

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from django.conf import settings
from django.db import transaction
from django.db.models import Max, Min, Sum
from django.utils import timezone

from engagement.network.models import Enrolment, Milestone, MilestoneActivity, XapiIdentity
from engagement.progress.compute import (
    ActivitySummary,
    MilestoneRule,
    ProgressState,
    enrolment_progress,
)
from engagement.progress.facts import VOIDED, Criterion, EnrolledIn, statement_facts
from engagement.progress.models import (
    EnrolmentProgress,
    Evidence,
    MilestoneProgress,
    ProgressEvent,
    ProjectionCursor,
    Qualification,
    UnmatchedAgent,
)
from learning_records import feed
from learning_records.feed import LoggedStatement
from learning_records.xapi.index import agent_key

CURSOR = "progress"
# Statements per transaction: large enough that the per-batch look-ups are cheap per
# statement, small enough that a batch commits in well under a second.
BATCH_SIZE = 2000
# New identity links and enrolments are looked for with this overlap, in case one committed
# a little after the previous look.
DIRECTORY_OVERLAP = dt.timedelta(seconds=60)


@dataclass(frozen=True)
class ProjectionRun:
    statements: int
    enrolments_updated: int
    caught_up: bool


def progress_project(
    *, batch_size: int = BATCH_SIZE, max_batches: int | None = None
) -> ProjectionRun:
    """Project statements until the log is read up to the settle point (or `max_batches`)."""
    updated = _catch_up_directory()
    statements = batches = 0
    while max_batches is None or batches < max_batches:
        count, enrolments = _project_batch(batch_size)
        statements, updated, batches = statements + count, updated + enrolments, batches + 1
        if count < batch_size:
            return ProjectionRun(statements, updated, caught_up=True)
    return ProjectionRun(statements, updated, caught_up=False)


def progress_rebuild() -> ProjectionRun:
    """Forget every fact and read the whole log again (after criteria were edited)."""
    with transaction.atomic():
        Evidence.objects.all().delete()
        Qualification.objects.all().delete()
        EnrolmentProgress.objects.all().delete()
        MilestoneProgress.objects.all().delete()
        UnmatchedAgent.objects.all().delete()
        ProjectionCursor.objects.filter(name=CURSOR).update(
            stored=None, row_id=0, directory_checked_at=None
        )
    run = progress_project()
    # Events are kept (rules may have acted on them): enrolments that have events but no
    # facts any more are recomputed too, which marks those events retracted.
    with transaction.atomic():
        _recompute(set(ProgressEvent.objects.values_list("enrolment_id", flat=True)))
    return run


def _project_batch(batch_size: int) -> tuple[int, int]:
    settle = dt.timedelta(seconds=settings.KIPINA_PROGRESS_SETTLE_SECONDS)
    with transaction.atomic():
        cursor = _locked_cursor()
        logged = feed.statements_after(
            stored=cursor.stored,
            row_id=cursor.row_id,
            until=timezone.now() - settle,
            limit=batch_size,
        )
        if not logged:
            return 0, 0
        affected = _retract([s for s in logged if _is_voiding(s)])
        affected |= _record([s for s in logged if not s.voided and not _is_voiding(s)])
        _recompute(affected)
        cursor.stored, cursor.row_id = logged[-1].stored, logged[-1].row_id
        cursor.save(update_fields=["stored", "row_id", "updated_at"])
    return len(logged), len(affected)


def _locked_cursor() -> ProjectionCursor:
    ProjectionCursor.objects.get_or_create(name=CURSOR)
    return ProjectionCursor.objects.select_for_update().get(name=CURSOR)


def _is_voiding(statement: LoggedStatement) -> bool:
    return bool(statement.payload["verb"]["id"] == VOIDED)


# --- Facts ---------------------------------------------------------------------------------


def _record(statements: Sequence[LoggedStatement]) -> set[int]:
    """Store the evidence and qualifications of live statements; the enrolments touched."""
    if not statements:
        return set()
    actors = {s.row_id: agent_key(s.payload["actor"]) for s in statements}
    people = dict(
        XapiIdentity.objects.filter(agent_key__in=set(actors.values()) - {None}).values_list(
            "agent_key", "person_id"
        )
    )
    _note_unmatched([s for s in statements if actors[s.row_id] not in people], actors)
    enrolled = _enrolments_of(set(people.values()))
    criteria = _criteria_of({e.pathway_id for es in enrolled.values() for e in es})
    evidence: list[Evidence] = []
    qualifications: list[Qualification] = []
    for statement in statements:
        person = people.get(actors[statement.row_id] or "")
        if person is None:
            continue
        facts, quals = statement_facts(statement.payload, enrolled.get(person, []), criteria)
        evidence += [
            Evidence(
                enrolment_id=f.enrolment_id,
                statement_id=statement.row_id,
                occurred_at=f.occurred_at,
                duration_seconds=f.duration_seconds,
            )
            for f in facts
        ]
        qualifications += [
            Qualification(
                enrolment_id=q.enrolment_id,
                milestone_activity_id=q.criterion_id,
                statement_id=statement.row_id,
                achieved_at=q.achieved_at,
            )
            for q in quals
        ]
    Evidence.objects.bulk_create(evidence, ignore_conflicts=True, batch_size=1000)
    Qualification.objects.bulk_create(qualifications, ignore_conflicts=True, batch_size=1000)
    return {e.enrolment_id for e in evidence}


def _retract(voiding: Sequence[LoggedStatement]) -> set[int]:
    """Voided statements stop counting (xAPI: a voided statement is as if never sent)."""
    targets: dict[int, list[str]] = defaultdict(list)
    for statement in voiding:
        targets[statement.organisation_id].append(str(statement.payload["object"]["id"]).lower())
    rows: list[int] = []
    for organisation_id, statement_ids in targets.items():
        found = feed.statement_row_ids(organisation_id=organisation_id, statement_ids=statement_ids)
        rows += found.values()
    if not rows:
        return set()
    affected = set(
        Evidence.objects.filter(statement_id__in=rows).values_list("enrolment_id", flat=True)
    )
    Evidence.objects.filter(statement_id__in=rows).delete()
    Qualification.objects.filter(statement_id__in=rows).delete()
    return affected


def _note_unmatched(statements: Sequence[LoggedStatement], actors: dict[int, str | None]) -> None:
    """Count statements of actors no person is linked to, for administrators to link."""
    seen: dict[str, list[dt.datetime]] = defaultdict(list)
    for statement in statements:
        key = actors[statement.row_id]
        if key is not None:
            seen[key].append(statement.stored)
    if not seen:
        return
    known = {u.agent_key: u for u in UnmatchedAgent.objects.filter(agent_key__in=seen)}
    for key, times in seen.items():
        row = known.get(key)
        if row is None:
            known[key] = UnmatchedAgent(
                agent_key=key,
                statements_seen=len(times),
                first_seen_at=min(times),
                last_seen_at=max(times),
            )
        else:
            row.statements_seen += len(times)
            row.last_seen_at = max(row.last_seen_at, *times)
    UnmatchedAgent.objects.bulk_create(
        [row for row in known.values() if row.pk is None], batch_size=1000
    )
    UnmatchedAgent.objects.bulk_update(
        [row for row in known.values() if row.pk is not None],
        ["statements_seen", "last_seen_at"],
        batch_size=1000,
    )


def _enrolments_of(person_ids: Iterable[int]) -> dict[int, list[EnrolledIn]]:
    enrolled: dict[int, list[EnrolledIn]] = defaultdict(list)
    rows = Enrolment.objects.filter(learner_id__in=list(person_ids)).values_list(
        "learner_id", "id", "pathway_id"
    )
    for learner_id, enrolment_id, pathway_id in rows:
        enrolled[learner_id].append(EnrolledIn(enrolment_id, pathway_id))
    return enrolled


def _criteria_of(pathway_ids: Iterable[int]) -> dict[int, dict[str, list[Criterion]]]:
    criteria: dict[int, dict[str, list[Criterion]]] = defaultdict(lambda: defaultdict(list))
    rows = MilestoneActivity.objects.filter(
        milestone__pathway_id__in=list(pathway_ids)
    ).values_list(
        "id", "milestone_id", "milestone__pathway_id", "activity_iri", "verbs", "min_scaled"
    )
    for criterion_id, milestone_id, pathway_id, iri, verbs, min_scaled in rows:
        criterion = Criterion(criterion_id, milestone_id, iri, frozenset(verbs), min_scaled)
        criteria[pathway_id][iri].append(criterion)
    return criteria


# --- Progress ------------------------------------------------------------------------------


def _recompute(enrolment_ids: set[int]) -> None:
    """Recompute the progress of these enrolments from all their facts, in a fixed number
    of queries whatever their number."""
    if not enrolment_ids:
        return
    ids = sorted(enrolment_ids)
    pathways = dict(Enrolment.objects.filter(id__in=ids).values_list("id", "pathway_id"))
    rules = _milestone_rules(set(pathways.values()))
    achieved: dict[int, dict[int, dt.datetime]] = defaultdict(dict)
    for enrolment_id, criterion_id, first in (
        Qualification.objects.filter(enrolment_id__in=ids)
        .values("enrolment_id", "milestone_activity_id")
        .annotate(first=Min("achieved_at"))
        .values_list("enrolment_id", "milestone_activity_id", "first")
    ):
        achieved[enrolment_id][criterion_id] = first
    activity = {
        enrolment_id: ActivitySummary(first, last, seconds or 0.0)
        for enrolment_id, first, last, seconds in Evidence.objects.filter(enrolment_id__in=ids)
        .values("enrolment_id")
        .annotate(
            first=Min("occurred_at"), last=Max("occurred_at"), seconds=Sum("duration_seconds")
        )
        .values_list("enrolment_id", "first", "last", "seconds")
    }
    states = {
        enrolment_id: enrolment_progress(
            rules.get(pathway_id, []),
            achieved.get(enrolment_id, {}),
            activity.get(enrolment_id, ActivitySummary()),
        )
        for enrolment_id, pathway_id in pathways.items()
    }
    _save_progress(states)
    _reconcile_events(ids, states)


def _milestone_rules(pathway_ids: set[int]) -> dict[int, list[MilestoneRule]]:
    criteria: dict[int, set[int]] = defaultdict(set)
    for criterion_id, milestone_id in MilestoneActivity.objects.filter(
        milestone__pathway_id__in=pathway_ids
    ).values_list("id", "milestone_id"):
        criteria[milestone_id].add(criterion_id)
    rules: dict[int, list[MilestoneRule]] = defaultdict(list)
    for milestone_id, pathway_id, required_count in (
        Milestone.objects.filter(pathway_id__in=pathway_ids)
        .order_by("position")
        .values_list("id", "pathway_id", "required_count")
    ):
        rule = MilestoneRule(milestone_id, frozenset(criteria[milestone_id]), required_count)
        rules[pathway_id].append(rule)
    return rules


def _save_progress(states: dict[int, ProgressState]) -> None:
    EnrolmentProgress.objects.bulk_create(
        [
            EnrolmentProgress(
                enrolment_id=enrolment_id,
                milestones_done=state.milestones_done,
                milestones_total=len(state.milestones),
                activities_done=state.activities_done,
                percent=state.percent,
                first_active_at=state.first_active_at,
                last_active_at=state.last_active_at,
                time_spent_seconds=state.time_spent_seconds,
                completed_at=state.completed_at,
            )
            for enrolment_id, state in states.items()
        ],
        update_conflicts=True,
        unique_fields=["enrolment"],
        update_fields=[
            "milestones_done",
            "milestones_total",
            "activities_done",
            "percent",
            "first_active_at",
            "last_active_at",
            "time_spent_seconds",
            "completed_at",
            "updated_at",
        ],
    )
    MilestoneProgress.objects.bulk_create(
        [
            MilestoneProgress(
                enrolment_id=enrolment_id,
                milestone_id=milestone.milestone_id,
                activities_done=milestone.done,
                activities_needed=milestone.needed,
                completed_at=milestone.completed_at,
            )
            for enrolment_id, state in states.items()
            for milestone in state.milestones
        ],
        update_conflicts=True,
        unique_fields=["enrolment", "milestone"],
        update_fields=["activities_done", "activities_needed", "completed_at"],
        batch_size=1000,
    )


def _reconcile_events(enrolment_ids: Iterable[int], states: dict[int, ProgressState]) -> None:
    """Emit each event once; mark those whose achievement a voiding undid, and clear the
    mark when it holds again."""
    due = {
        (enrolment_id, kind, milestone_id): at
        for enrolment_id, state in states.items()
        for kind, milestone_id, at in _events_of(state)
    }
    ProgressEvent.objects.bulk_create(
        [
            ProgressEvent(enrolment_id=e, kind=kind, milestone_id=m, occurred_at=at)
            for (e, kind, m), at in due.items()
        ],
        ignore_conflicts=True,
        batch_size=1000,
    )
    now = timezone.now()
    for event in ProgressEvent.objects.filter(enrolment_id__in=list(enrolment_ids)):
        holds = (event.enrolment_id, event.kind, event.milestone_id) in due
        if holds == (event.retracted_at is None):
            continue
        event.retracted_at = None if holds else now
        event.save(update_fields=["retracted_at"])


def _events_of(state: ProgressState) -> Iterable[tuple[str, int | None, dt.datetime]]:
    if state.first_active_at is not None:
        yield ProgressEvent.Kind.FIRST_ACTIVITY, None, state.first_active_at
    for milestone in state.milestones:
        if milestone.completed_at is not None:
            yield (
                ProgressEvent.Kind.MILESTONE_COMPLETED,
                milestone.milestone_id,
                milestone.completed_at,
            )
    if state.completed_at is not None:
        yield ProgressEvent.Kind.PATHWAY_COMPLETED, None, state.completed_at


# --- Late links -------------------------------------------------------------------------------


def _catch_up_directory() -> int:
    """Project the earlier statements of people who got a new identity or enrolment since
    the last look: no replay is needed when an administrator links an identity late."""
    now = timezone.now()
    with transaction.atomic():
        cursor = _locked_cursor()
        since = cursor.directory_checked_at
        cursor.directory_checked_at = now
        cursor.save(update_fields=["directory_checked_at", "updated_at"])
    if since is None:
        return 0  # the main pass has not started: it will read everything anyway
    since -= DIRECTORY_OVERLAP
    people = set(
        XapiIdentity.objects.filter(created_at__gt=since).values_list("person_id", flat=True)
    ) | set(Enrolment.objects.filter(created_at__gt=since).values_list("learner_id", flat=True))
    return _reproject_people(people) if people else 0


def _reproject_people(person_ids: set[int]) -> int:
    keys = list(
        XapiIdentity.objects.filter(person_id__in=person_ids).values_list("agent_key", flat=True)
    )
    updated, after = 0, 0
    while keys:
        with transaction.atomic():
            _locked_cursor()
            logged = feed.statements_by_actors(
                agent_keys=keys, after_row_id=after, limit=BATCH_SIZE
            )
            affected = _record([s for s in logged if not s.voided and not _is_voiding(s)])
            _recompute(affected)
        updated += len(affected)
        if len(logged) < BATCH_SIZE:
            break
        after = logged[-1].row_id
    UnmatchedAgent.objects.filter(agent_key__in=keys).delete()
    return updated
