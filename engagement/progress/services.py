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
from django.db.models import Max, Min, Q, Sum
from django.utils import timezone

from engagement.network.models import Enrolment, XapiIdentity
from engagement.progress.compute import ActivitySummary, ProgressState, enrolment_progress
from engagement.progress.directory import Directory
from engagement.progress.facts import (
    VOIDED,
    StatementSummary,
    summary_facts,
)
from engagement.progress.models import (
    EnrolmentProgress,
    Evidence,
    MilestoneProgress,
    ProgressEvent,
    ProjectionCursor,
    Qualification,
    UnmatchedAgent,
)
from engagement.progress.rows import replaced, rows_upsert
from learning_records import feed
from learning_records.feed import IndexedStatement

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
    directory = Directory()
    while max_batches is None or batches < max_batches:
        if directory.expired:
            directory = Directory()
        count, enrolments = _project_batch(batch_size, directory)
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
            stored=None, row_id=0, read_until=None, directory_checked_at=None
        )
    run = progress_project()
    # Events are kept (rules may have acted on them): enrolments that have events but no
    # facts any more are recomputed too, which marks those events retracted.
    with transaction.atomic():
        enrolments = set(ProgressEvent.objects.values_list("enrolment_id", flat=True))
        _recompute(enrolments, Directory())
    return run


def _project_batch(batch_size: int, directory: Directory) -> tuple[int, int]:
    settle = dt.timedelta(seconds=settings.KIPINA_PROGRESS_SETTLE_SECONDS)
    with transaction.atomic():
        cursor = _locked_cursor()
        until = timezone.now() - settle
        logged = feed.indexed_statements_after(
            stored=cursor.stored, row_id=cursor.row_id, until=until, limit=batch_size
        )
        affected = _retract([s for s in logged if s.verb_iri == VOIDED])
        live = [s for s in logged if not s.voided and s.verb_iri != VOIDED]
        affected |= _record(live, directory)
        _recompute(affected, directory)
        if logged:
            cursor.stored, cursor.row_id = logged[-1].stored, logged[-1].row_id
        if len(logged) < batch_size:  # caught up: everything stored up to `until` is read
            # Never back: a run that started later may have held the cursor first.
            cursor.read_until = max(until, cursor.read_until or until)
        cursor.save(update_fields=["stored", "row_id", "read_until", "updated_at"])
    return len(logged), len(affected)


def _locked_cursor() -> ProjectionCursor:
    ProjectionCursor.objects.get_or_create(name=CURSOR)
    return ProjectionCursor.objects.select_for_update().get(name=CURSOR)


# --- Facts ---------------------------------------------------------------------------------


def _record(statements: Sequence[IndexedStatement], directory: Directory) -> set[int]:
    """Store the evidence and qualifications of live statements; the enrolments touched."""
    if not statements:
        return set()
    people = directory.people({s.actor_key for s in statements} - {""})
    _note_unmatched([s for s in statements if s.actor_key and s.actor_key not in people])
    learners = {
        s.row_id: enrolments
        for s in statements
        if s.actor_key in people and (enrolments := directory.enrolments(people[s.actor_key]))
    }
    criteria = directory.criteria({e.pathway_id for es in learners.values() for e in es})
    # Only a statement that mentions one of the pathways' activities can count: the LRS's
    # index rows say which do, so no statement's JSON is read.
    mentions = feed.activity_mentions(
        row_ids=list(learners),
        activity_iris={iri for by_activity in criteria.values() for iri in by_activity},
    )
    verbs = {s.row_id: s.verb_iri for s in statements}
    evidence: list[tuple[int, int, dt.datetime, float]] = []
    qualifications: list[tuple[int, int, int, dt.datetime]] = []
    for mention in mentions:
        summary = StatementSummary(
            verb_iri=verbs[mention.row_id],
            object_activity_iri=mention.object_activity_iri or None,
            related_activities=mention.activities,
            occurred_at=mention.timestamp,
            duration=mention.duration,
            scaled=mention.scaled,
        )
        facts, quals = summary_facts(summary, learners[mention.row_id], criteria)
        row_id = mention.row_id
        evidence += [(f.enrolment_id, row_id, f.occurred_at, f.duration_seconds) for f in facts]
        qualifications += [(q.enrolment_id, q.criterion_id, row_id, q.achieved_at) for q in quals]
    rows_upsert(Evidence, ("enrolment", "statement", "occurred_at", "duration_seconds"), evidence)
    rows_upsert(
        Qualification,
        ("enrolment", "milestone_activity", "statement", "achieved_at"),
        qualifications,
    )
    return {enrolment_id for enrolment_id, *_ in evidence}


def _retract(voiding: Sequence[IndexedStatement]) -> set[int]:
    """Voided statements stop counting (xAPI: a voided statement is as if never sent)."""
    targets: dict[int, list[str]] = defaultdict(list)
    for statement in voiding:
        # xAPI 1.0.3 Data §2.3.2: a voiding statement's object is a StatementRef.
        targets[statement.organisation_id].append(str(statement.object_statement_id))
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


def _note_unmatched(statements: Sequence[IndexedStatement]) -> None:
    """Count statements of actors no person is linked to, for administrators to link."""
    seen: dict[str, list[dt.datetime]] = defaultdict(list)
    for statement in statements:
        seen[statement.actor_key].append(statement.stored)
    table = UnmatchedAgent._meta.db_table
    # One statement adds to the counts whether the row is new or not, and keeps no row
    # read between the look and the write.
    rows_upsert(
        UnmatchedAgent,
        ("agent_key", "statements_seen", "first_seen_at", "last_seen_at"),
        [(key, len(times), min(times), max(times)) for key, times in seen.items()],
        conflict=["agent_key"],
        assignments=[
            f"statements_seen = {table}.statements_seen + EXCLUDED.statements_seen",
            f"last_seen_at = CASE WHEN EXCLUDED.last_seen_at > {table}.last_seen_at "
            f"THEN EXCLUDED.last_seen_at ELSE {table}.last_seen_at END",
        ],
    )


# --- Progress ------------------------------------------------------------------------------


def _recompute(enrolment_ids: set[int], directory: Directory) -> None:
    """Recompute the progress of these enrolments from all their facts, in a fixed number
    of queries whatever their number."""
    if not enrolment_ids:
        return
    ids = sorted(enrolment_ids)
    pathways = directory.pathways(ids)
    rules = directory.rules(pathways.values())
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


def _save_progress(states: dict[int, ProgressState]) -> None:
    now = timezone.now()
    progress_fields = (
        "milestones_done",
        "milestones_total",
        "activities_done",
        "percent",
        "first_active_at",
        "last_active_at",
        "time_spent_seconds",
        "completed_at",
        "updated_at",
    )
    rows_upsert(
        EnrolmentProgress,
        ("enrolment", *progress_fields),
        [
            (
                enrolment_id,
                state.milestones_done,
                len(state.milestones),
                state.activities_done,
                state.percent,
                state.first_active_at,
                state.last_active_at,
                state.time_spent_seconds,
                state.completed_at,
                now,
            )
            for enrolment_id, state in states.items()
        ],
        conflict=["enrolment"],
        assignments=replaced(EnrolmentProgress, *progress_fields),
    )
    milestone_fields = ("activities_done", "activities_needed", "completed_at")
    rows_upsert(
        MilestoneProgress,
        ("enrolment", "milestone", *milestone_fields),
        [
            (enrolment_id, m.milestone_id, m.done, m.needed, m.completed_at)
            for enrolment_id, state in states.items()
            for m in state.milestones
        ],
        conflict=["enrolment", "milestone"],
        assignments=replaced(MilestoneProgress, *milestone_fields),
    )


def _reconcile_events(enrolment_ids: Iterable[int], states: dict[int, ProgressState]) -> None:
    """Emit each event once; mark those whose achievement a voiding undid, and clear the
    mark when it holds again."""
    due = {
        (enrolment_id, kind, milestone_id): at
        for enrolment_id, state in states.items()
        for kind, milestone_id, at in _events_of(state)
    }
    emitted = {
        (enrolment_id, kind, milestone_id): (event_id, retracted_at is None)
        for event_id, enrolment_id, kind, milestone_id, retracted_at in (
            ProgressEvent.objects.filter(enrolment_id__in=list(enrolment_ids)).values_list(
                "id", "enrolment_id", "kind", "milestone_id", "retracted_at"
            )
        )
    }
    # ignore_conflicts: an event emitted meanwhile by a catch-up of the same enrolment.
    ProgressEvent.objects.bulk_create(
        [
            ProgressEvent(enrolment_id=e, kind=kind, milestone_id=m, occurred_at=at)
            for (e, kind, m), at in due.items()
            if (e, kind, m) not in emitted
        ],
        ignore_conflicts=True,
        batch_size=1000,
    )
    changed = [
        (event_id, key in due) for key, (event_id, held) in emitted.items() if held != (key in due)
    ]
    restored = [event_id for event_id, holds in changed if holds]
    undone = [event_id for event_id, holds in changed if not holds]
    if restored:
        ProgressEvent.objects.filter(id__in=restored).update(retracted_at=None)
    if undone:
        ProgressEvent.objects.filter(id__in=undone).update(retracted_at=timezone.now())


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
    the last look: no replay is needed when an administrator links an identity late.

    The look's time is saved only once the catch-up is done (it runs in several
    transactions): a run that dies during it, a killed worker or an error, leaves the same
    people to the next run instead of losing them behind the main cursor."""
    now = timezone.now()
    with transaction.atomic():
        since = _locked_cursor().directory_checked_at
    if since is None:
        _directory_checked(now)
        return 0  # the main pass has not started: it will read everything anyway
    since -= DIRECTORY_OVERLAP
    people = set(
        XapiIdentity.objects.filter(created_at__gt=since).values_list("person_id", flat=True)
    ) | set(Enrolment.objects.filter(created_at__gt=since).values_list("learner_id", flat=True))
    updated = _reproject_people(people) if people else 0
    _directory_checked(now)
    return updated


def _directory_checked(at: dt.datetime) -> None:
    # Never back: a concurrent run that started later may have finished first.
    ProjectionCursor.objects.filter(name=CURSOR).filter(
        Q(directory_checked_at__isnull=True) | Q(directory_checked_at__lt=at)
    ).update(directory_checked_at=at, updated_at=timezone.now())


def _reproject_people(person_ids: set[int]) -> int:
    keys = list(
        XapiIdentity.objects.filter(person_id__in=person_ids).values_list("agent_key", flat=True)
    )
    updated, after = 0, 0
    directory = Directory()
    while keys:
        with transaction.atomic():
            _locked_cursor()
            logged = feed.indexed_statements_by_actors(
                agent_keys=keys, after_row_id=after, limit=BATCH_SIZE
            )
            live = [s for s in logged if not s.voided and s.verb_iri != VOIDED]
            affected = _record(live, directory)
            _recompute(affected, directory)
        updated += len(affected)
        if len(logged) < BATCH_SIZE:
            break
        after = logged[-1].row_id
    UnmatchedAgent.objects.filter(agent_key__in=keys).delete()
    return updated
