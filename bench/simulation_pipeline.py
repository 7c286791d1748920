"""The simulation through the real pipeline: the plan of bench/simulation.py posted day by day
through the LRS, projected, decided by the event rules and the schedule sweep, with the
clock (time-machine) set to each step's simulated time.

A simulated day: at 09:00 UTC the day's directory changes (status through
engagement.network.services, opt-outs, revoked consent); at 19:30 the day's statements,
validated (parse_statements) and stored (statements_store) in batches per provider's LMS;
at 20:00 progress_project(); at 20:05 events_process() until no event is left; at 20:30
sweep_candidates() and sweep_batch() over batches of KIPINA_RULES_SWEEP_BATCH learners.
Celery is not involved: the steps are called in process, as the beat tasks would call them.
Other steps of a day (bench/simulation_delivery.py's delivery ticks and preference changes)
can be run between these, each under the clock at its own time.
"""

import datetime as dt
import time
from collections import defaultdict
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import time_machine
from django.conf import settings
from django.utils import timezone
from simulation import (
    CHANGE_AT,
    COMPLETED,
    EMPLOYERS,
    EVENTS_AT,
    PASSED,
    PATHWAYS,
    PROJECT_AT,
    PROVIDERS,
    RULES,
    START,
    STORE_AT,
    STORE_BATCH,
    SWEEP_AT,
    ChangeKind,
    DecisionRecord,
    LearnerSpec,
    PathwaySpec,
    Report,
    Simulation,
    is_quiz,
    moment,
    report,
    statement_json,
)

from engagement.network import services as network
from engagement.network.models import (
    Consent,
    Enrolment,
    Organisation,
    Pathway,
    Person,
    XapiIdentity,
)
from engagement.progress.models import EnrolmentProgress, MilestoneProgress
from engagement.progress.services import progress_project
from engagement.rules.models import Decision, Rule, StudyPlan
from engagement.rules.services import (
    events_process,
    rule_create,
    study_plan_set,
    sweep_batch,
    sweep_candidates,
)
from learning_records.models import LrsClient
from learning_records.services import lrs_client_create, statements_store
from learning_records.xapi.validate import parse_statements
from learning_records.xapi.versions import XapiVersion
from notifications.models import TopicOptOut

# Roles a decision's recipient can hold other than the learner (teacher, employer contact).
_TO_OTHERS = frozenset({"teacher_alert", "employer_summary_line"})


@dataclass
class World:
    """The directory rows the simulation made, by the simulation's own indices."""

    clients: dict[str, LrsClient]  # by provider slug
    person_ids: list[int]  # by learner index
    enrolment_ids: list[int]
    consent_ids: dict[int, int]  # learner index -> consent id

    def learner_of_enrolment(self) -> dict[int, int]:
        return {enrolment_id: index for index, enrolment_id in enumerate(self.enrolment_ids)}


@dataclass(frozen=True)
class DayResult:
    day: int
    statements: int
    candidates: int
    decisions: int  # rows stored by the end of the day, in total
    sweep_seconds: float  # sweep_candidates and every sweep_batch


@contextmanager
def clock(at: dt.datetime) -> Iterator[dt.datetime]:
    """The clock stands still at `at` (the LRS takes `stored` from it, the projector its
    settle point); the deadline check sees no time pass, whatever the batch costs."""
    with time_machine.travel(at, tick=False):
        yield at


# --- The world ---------------------------------------------------------------------------------


def world_create(sim: Simulation) -> World:
    """Organisations, LMS clients, pathways with milestone criteria, teachers and cohorts,
    employer contacts, the learners (identity, enrolment, consent, study plan) and the rules,
    all through the services (the learners' opt-outs and later changes come day by day)."""
    with clock(moment(-1, CHANGE_AT)):
        network_ = _network_create()
        world = World(network_.clients, [], [], {})
        by_pathway: dict[int, list[int]] = defaultdict(list)
        for learner in sim.learners:
            enrolment = _learner_create(
                learner, network_.pathways[learner.pathway], network_.employers, world
            )
            by_pathway[learner.pathway].append(enrolment.pk)
        _cohorts_and_rules_create(network_, by_pathway)
    return world


@dataclass(frozen=True)
class _Network:
    providers: dict[str, Organisation]
    employers: list[Organisation]
    clients: dict[str, LrsClient]
    pathways: list[Pathway]


def _network_create() -> _Network:
    providers = {
        slug: network.organisation_create(slug=slug, name_en=slug, kind="uas") for slug in PROVIDERS
    }
    employers = [
        network.organisation_create(slug=slug, name_en=slug, kind="company") for slug in EMPLOYERS
    ]
    clients = {
        slug: lrs_client_create(organisation=org, name=f"{slug} LMS", key=slug)[0]
        for slug, org in providers.items()
    }
    pathways = [_pathway_create(spec, providers[spec.provider]) for spec in PATHWAYS]
    for employer in employers:
        contact = _person(f"contact@{employer.slug}.example", "Contact", employer.slug)
        network.role_grant(person=contact, organisation=employer, kind="employer_contact")
    return _Network(providers, employers, clients, pathways)


def _cohorts_and_rules_create(network_: _Network, by_pathway: dict[int, list[int]]) -> None:
    for index, spec in enumerate(PATHWAYS):
        name = spec.slug
        teacher = _person(f"teacher@{name}.example", "Teacher", name)
        provider = network_.providers[spec.provider]
        network.role_grant(person=teacher, organisation=provider, kind="teacher")
        network.cohort_create(
            provider=provider,
            name=name,
            teachers=[teacher],
            enrolments=Enrolment.objects.filter(pk__in=by_pathway[index]),
        )
    for name, definition in RULES:
        rule_create(name=name, definition=definition)


def world_create_bulk(sim: Simulation, *, day: int) -> World:
    """The same world with the learners' rows written by bulk_create in a few statements
    (the services take a transaction a learner), as they stand on `day`: statuses, opt-outs
    and consents after that day's changes."""
    ledger, at = sim.ledger(), moment(day, CHANGE_AT)
    with clock(moment(-1, CHANGE_AT)):
        network_ = _network_create()
        people = Person.objects.bulk_create(
            [
                Person(given_name="Learner", family_name=f"{x.index:05d}", email=x.email)
                for x in sim.learners
            ],
            batch_size=5000,
        )
        XapiIdentity.objects.bulk_create(
            [
                XapiIdentity(person=person, kind="mbox", value=f"mailto:{x.email}",
                             agent_key=network.identity_key("mbox", f"mailto:{x.email}"))
                for x, person in zip(sim.learners, people, strict=True)
            ],
            batch_size=5000,
        )  # fmt: skip
        enrolments = Enrolment.objects.bulk_create(
            [
                _enrolment(x, person, network_, ledger.status_at(x.index, at))
                for x, person in zip(sim.learners, people, strict=True)
            ],
            batch_size=5000,
        )
        world = World(network_.clients, [p.pk for p in people], [e.pk for e in enrolments], {})
        Consent.objects.bulk_create(
            [
                Consent(enrolment=enrolment, employer=network_.employers[x.employer],
                        given_at=timezone.now(),
                        revoked_at=at if ledger.consent_revoked_at(x.index, at) else None)
                for x, enrolment in zip(sim.learners, enrolments, strict=True)
                if x.employer is not None
            ],
            batch_size=5000,
        )  # fmt: skip
        StudyPlan.objects.bulk_create(
            [
                StudyPlan(person=person, days_per_week=days, hours_per_week=hours)
                for x, person in zip(sim.learners, people, strict=True)
                if x.study_plan is not None
                for days, hours in [_study_goal(x.study_plan)]
            ]
        )  # fmt: skip
        TopicOptOut.objects.bulk_create(
            [
                TopicOptOut(person=person, topic=topic)
                for x, person in zip(sim.learners, people, strict=True)
                for topic in ledger.opted_out_at(x.index, at)
            ]
        )
        by_pathway: dict[int, list[int]] = defaultdict(list)
        for x, enrolment in zip(sim.learners, enrolments, strict=True):
            by_pathway[x.pathway].append(enrolment.pk)
        _cohorts_and_rules_create(network_, by_pathway)
    return world


def _study_goal(plan: tuple[int | None, float | None]) -> tuple[int | None, Decimal | None]:
    days, hours = plan
    return days, None if hours is None else Decimal(str(hours))


def _enrolment(x: LearnerSpec, person: Person, network_: _Network, status: str) -> Enrolment:
    started_on = START + dt.timedelta(days=x.start_day)
    return Enrolment(
        learner=person,
        pathway=network_.pathways[x.pathway],
        started_on=started_on,
        target_on=started_on + dt.timedelta(weeks=12),
        sponsor=network_.employers[x.employer] if x.employer is not None else None,
        status=status,
    )


def backfill(sim: Simulation, world: World, *, until_day: int, batch: int = 5000) -> int:
    """Every statement up to `until_day`, stored day by day (the clock at each day's store
    time) in batches of `batch`, as an LMS backfill posts them; then one projection and the
    event rules. The statements stored."""
    stored = 0
    for day in range(until_day + 1):
        with clock(moment(day, STORE_AT)):
            stored += statements_post(sim, world, day, batch=batch)
    with clock(moment(until_day, PROJECT_AT)):
        progress_project()
    with clock(moment(until_day, EVENTS_AT)) as now:
        while events_process(now):
            pass
    return stored


def _person(email: str, given_name: str, family_name: str) -> Person:
    return network.person_create(given_name=given_name, family_name=family_name, email=email)


def _pathway_create(spec: PathwaySpec, provider: Organisation) -> Pathway:
    pathway = network.pathway_create(
        slug=spec.slug, title_en=spec.title, eqf_level=5, effort_hours=120, providers=[provider]
    )
    for position, milestone_spec in enumerate(spec.milestones, start=1):
        milestone = network.milestone_create(
            pathway=pathway,
            position=position,
            title_en=milestone_spec.title,
            provider=provider,
            due_offset_days=milestone_spec.due_offset_days,
        )
        for iri in milestone_spec.activities:
            quiz = is_quiz(iri)
            network.milestone_activity_add(
                milestone=milestone,
                activity_iri=iri,
                verbs=[PASSED] if quiz else [COMPLETED],
                min_scaled=0.6 if quiz else None,
            )
    return pathway


def _learner_create(
    learner: LearnerSpec, pathway: Pathway, employers: list[Organisation], world: World
) -> Enrolment:
    person = _person(learner.email, "Learner", f"{learner.index:05d}")
    network.identity_link(person=person, kind="mbox", value=f"mailto:{learner.email}")
    started_on = START + dt.timedelta(days=learner.start_day)
    employer = employers[learner.employer] if learner.employer is not None else None
    enrolment = network.enrolment_create(
        learner=person,
        pathway=pathway,
        started_on=started_on,
        target_on=started_on + dt.timedelta(weeks=12),
        sponsor=employer,
    )
    if employer is not None:
        world.consent_ids[learner.index] = network.consent_give(
            enrolment=enrolment, employer=employer
        ).pk
    if learner.study_plan is not None:
        days, hours = _study_goal(learner.study_plan)
        study_plan_set(person=person, days_per_week=days, hours_per_week=hours)
    world.person_ids.append(person.pk)
    world.enrolment_ids.append(enrolment.pk)
    return enrolment


# --- Days --------------------------------------------------------------------------------------


# A step of a simulated day outside the pipeline: run at `time` (UTC) with the clock there.
TimedStep = tuple[dt.time, Callable[[dt.datetime], object]]


def day_run(sim: Simulation, world: World, day: int, also: Sequence[TimedStep] = ()) -> DayResult:
    """The day's pipeline steps; `also` are further steps, each run before the first
    pipeline step that is later than it (a step at the same time as one runs after it)."""
    extra = sorted(also, key=lambda step: step[0])

    def until(limit: dt.time | None) -> None:
        while extra and (limit is None or extra[0][0] < limit):
            at, step = extra.pop(0)
            with clock(moment(day, at)) as now:
                step(now)

    until(CHANGE_AT)
    with clock(moment(day, CHANGE_AT)):
        changes_apply(sim, world, day)
    until(STORE_AT)
    with clock(moment(day, STORE_AT)):
        stored = statements_post(sim, world, day)
    until(PROJECT_AT)
    with clock(moment(day, PROJECT_AT)):
        progress_project()
    until(EVENTS_AT)
    with clock(moment(day, EVENTS_AT)) as now:
        while events_process(now):
            pass
    until(SWEEP_AT)
    with clock(moment(day, SWEEP_AT)) as now:
        began = time.perf_counter()
        candidates = sweep(now)
        seconds = time.perf_counter() - began
    until(None)
    return DayResult(day, stored, candidates, Decision.objects.count(), seconds)


def sweep(now: dt.datetime) -> int:
    """What the beat's rules.sweep and its batch tasks do, in process: the candidates."""
    learners = sweep_candidates(now)
    size = settings.KIPINA_RULES_SWEEP_BATCH
    for start in range(0, len(learners), size):
        sweep_batch(learners[start : start + size], now)
    return len(learners)


def changes_apply(sim: Simulation, world: World, day: int) -> None:
    for change in sim.changes.get(day, ()):
        person_id = world.person_ids[change.learner]
        match change.kind:
            case ChangeKind.STATUS:
                enrolment = Enrolment.objects.get(pk=world.enrolment_ids[change.learner])
                network.enrolment_update(enrolment=enrolment, data={"status": change.value})
            case ChangeKind.OPT_OUT:
                # No service writes opt-outs yet (the notifications preferences will).
                TopicOptOut.objects.get_or_create(person_id=person_id, topic=change.value)
            case ChangeKind.CONSENT_REVOKED:
                consent = Consent.objects.get(pk=world.consent_ids[change.learner])
                network.consent_revoke(consent=consent)


def statements_post(sim: Simulation, world: World, day: int, *, batch: int = STORE_BATCH) -> int:
    """The day's statements, validated and stored as each provider's LMS would post them."""
    by_provider: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for attempt in sim.attempts.get(day, ()):
        learner = sim.learners[attempt.learner]
        by_provider[PATHWAYS[learner.pathway].provider].append(statement_json(attempt, learner))
    for provider, statements in sorted(by_provider.items()):
        for start in range(0, len(statements), batch):
            parsed = parse_statements(statements[start : start + batch], version=XapiVersion.V1_0_3)
            statements_store(
                client=world.clients[provider], statements=parsed, version=XapiVersion.V1_0_3
            )
    return sum(len(s) for s in by_provider.values())


# --- A whole run -------------------------------------------------------------------------------


def run(
    sim: Simulation,
    *,
    rerun_day: int | None = None,
    on_day: Callable[[DayResult], None] | None = None,
    world: World | None = None,
    steps_of_day: Callable[[int], Sequence[TimedStep]] | None = None,
) -> tuple[World, Report]:
    """Build the world (unless given one already built), run every day with its further
    `steps_of_day` (and `rerun_day` a second time, counting what it adds), and check the
    decisions."""
    world = world or world_create(sim)
    rerun = Rerun()
    for day in range(sim.days):
        result = day_run(sim, world, day, steps_of_day(day) if steps_of_day else ())
        if day == rerun_day:
            rerun = day_run_again(sim, world, day)
            rerun = Rerun(rerun.decisions - result.decisions, rerun.repost_error)
        if on_day is not None:
            on_day(result)
    records = decision_records(world)
    return world, report(
        records,
        sim,
        rule_share=Rule._meta.get_field("holdout_share").default,
        global_share=settings.KIPINA_RULES_GLOBAL_HOLDOUT,
        rerun_new_decisions=rerun.decisions,
        rerun_repost_error=rerun.repost_error,
        projection_mismatches=projection_mismatches(sim, world),
    )


@dataclass(frozen=True)
class Rerun:
    decisions: int = 0
    repost_error: str | None = None


def day_run_again(sim: Simulation, world: World, day: int) -> Rerun:
    """The day's statements posted again (an LMS retrying a batch it got no answer for),
    then the projection, the event rules and the sweep again at the same times: the
    decisions stored afterwards, and why the repost was refused if it was (it should not
    be: the same statement again is accepted without a second copy)."""
    error = None
    with clock(moment(day, STORE_AT)):
        try:
            statements_post(sim, world, day)
        except Exception as refused:  # a finding to report, not a reason to stop the run
            error = f"{type(refused).__module__}.{type(refused).__name__}: {refused}"
            error = error.splitlines()[0]
    with clock(moment(day, PROJECT_AT)):
        progress_project()
    with clock(moment(day, EVENTS_AT)) as now:
        while events_process(now):
            pass
    with clock(moment(day, SWEEP_AT)) as now:
        sweep(now)
    return Rerun(Decision.objects.count(), error)


def decision_records(world: World) -> list[DecisionRecord]:
    learner_of = world.learner_of_enrolment()
    rows = Decision.objects.values_list(
        "rule_id", "version__kind", "person_id", "enrolment_id", "window", "action", "holdout",
        "decided_at",
    )  # fmt: skip
    return [
        DecisionRecord(
            rule_id=rule_id,
            kind=kind,
            person_id=person_id,
            learner=learner_of[enrolment_id],
            to_learner=kind not in _TO_OTHERS,
            window=window,
            action_type=action["type"],
            holdout=holdout,
            decided_at=decided_at,
        )
        for rule_id, kind, person_id, enrolment_id, window, action, holdout, decided_at in rows
    ]


def projection_mismatches(sim: Simulation, world: World) -> list[str]:
    """Where the projected progress disagrees with what the simulator sent: the pathway
    finished (and when), and the number of milestones completed."""
    learner_of = world.learner_of_enrolment()
    finished = dict(
        EnrolmentProgress.objects.filter(enrolment_id__in=learner_of).values_list(
            "enrolment_id", "completed_at"
        )
    )
    milestones: dict[int, int] = defaultdict(int)
    for enrolment_id in MilestoneProgress.objects.filter(
        enrolment_id__in=learner_of, completed_at__isnull=False
    ).values_list("enrolment_id", flat=True):
        milestones[enrolment_id] += 1
    found = []
    for enrolment_id, index in learner_of.items():
        expected = sim.finished_at.get(index)
        if finished.get(enrolment_id) != expected:
            found.append(f"learner {index}: finished {finished.get(enrolment_id)}, sent {expected}")
        if milestones[enrolment_id] != sim.milestones_done[index]:
            found.append(
                f"learner {index}: {milestones[enrolment_id]} milestones projected, "
                f"{sim.milestones_done[index]} completed"
            )
    return found
