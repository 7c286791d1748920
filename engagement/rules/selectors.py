"""Reads for the rules: snapshots of enrolments (in a fixed number of queries for any
batch) and the set-based candidate queries of the schedule sweep."""

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

from django.db.models import Count, Exists, F, OuterRef, Q, QuerySet

from engagement.network.models import Cohort, Consent, Enrolment, Milestone, Pathway, Role
from engagement.network.selectors import Viewer, cohorts_visible_to, enrolments_visible_to
from engagement.progress.models import EnrolmentProgress, Evidence, MilestoneProgress
from engagement.rules.definitions import (
    BehindPace,
    EmployerSummaryLine,
    FirstSteps,
    Inactive,
    MilestoneDueSoon,
    StudyGoalAtRisk,
    TeacherAlert,
    parse_definition,
)
from engagement.rules.effectiveness import CAME_BACK_WITHIN, MILESTONE_WITHIN, Arm, ArmRow
from engagement.rules.evaluate import (
    EnrolmentFacts,
    MilestoneFacts,
    RuleSpec,
    StudyPlanFacts,
    traffic_light,
)
from engagement.rules.models import Decision as DecisionRow
from engagement.rules.models import Rule, StudyPlan
from notifications.selectors import opted_out_topics


def rule_specs(*, kinds: Iterable[str] | None = None) -> list[RuleSpec]:
    """The enabled rules at their current versions."""
    rules = Rule.objects.filter(enabled=True, current_version__isnull=False).select_related(
        "current_version"
    )
    if kinds is not None:
        rules = rules.filter(current_version__kind__in=list(kinds))
    return [rule_spec(rule) for rule in rules]


def rule_spec(rule: Rule, version: Any = None) -> RuleSpec:
    version = version or rule.current_version
    scope_id = {"provider": rule.provider_id, "pathway": rule.pathway_id, "cohort": rule.cohort_id}
    return RuleSpec(
        rule_id=rule.pk,
        version_id=version.pk,
        definition=parse_definition(version.definition),
        holdout_share=rule.holdout_share,
        scope=rule.scope,
        scope_id=scope_id.get(rule.scope),
    )


# --- Candidates ----------------------------------------------------------------------------


def candidate_learners(rule: RuleSpec, now: dt.datetime) -> QuerySet[Any]:
    """Learner ids the rule may act on now: a superset, narrowed in SQL only by what is
    cheap to say there; the pure evaluator decides. Never a loop over all learners."""
    enrolments = _in_scope(
        Enrolment.objects.filter(status=Enrolment.Status.ACTIVE).exclude(
            progress__completed_at__isnull=False
        ),
        rule,
    )
    today = now.date()
    match rule.definition:
        case Inactive(days=days):
            idle_since = now - dt.timedelta(days=days)
            enrolments = enrolments.filter(
                Q(progress__last_active_at__lte=idle_since)
                | Q(progress__last_active_at__isnull=True, started_on__lte=idle_since.date())
            )
        case BehindPace():
            enrolments = enrolments.filter(target_on__isnull=False, started_on__lt=today)
        case MilestoneDueSoon():
            enrolments = enrolments.filter(pathway__milestones__due_offset_days__isnull=False)
        case FirstSteps(days=days):
            enrolments = enrolments.filter(
                Q(progress__isnull=True) | Q(progress__first_active_at__isnull=True),
                started_on__lte=today - dt.timedelta(days=min(days)),
            )
        case StudyGoalAtRisk():
            enrolments = enrolments.filter(learner__study_plan__isnull=False)
        case TeacherAlert():
            enrolments = enrolments.filter(cohorts__teachers__isnull=False)
        case EmployerSummaryLine():
            enrolments = enrolments.filter(consents__revoked_at__isnull=True)
    return enrolments.values_list("learner_id", flat=True).distinct()


def _in_scope(enrolments: QuerySet[Enrolment], rule: RuleSpec) -> QuerySet[Enrolment]:
    """The same scopes as RuleSpec.covers, as SQL (a provider takes part in a pathway as
    one of its providers or by delivering a milestone)."""
    target = rule.scope_id or 0
    match rule.scope:
        case "provider":
            return enrolments.filter(
                Q(pathway__providers=target) | Q(pathway__milestones__provider=target)
            )
        case "pathway":
            return enrolments.filter(pathway_id=target)
        case "cohort":
            return enrolments.filter(cohorts=target)
    return enrolments


# --- Snapshots -------------------------------------------------------------------------------


def enrolment_facts(
    *, learner_ids: Iterable[int] = (), enrolment_ids: Iterable[int] = (), now: dt.datetime
) -> list[EnrolmentFacts]:
    """Snapshots of the enrolments of these learners (or these enrolments)."""
    enrolments = list(
        Enrolment.objects.filter(
            Q(learner_id__in=list(learner_ids)) | Q(id__in=list(enrolment_ids))
        ).values(
            "id", "learner_id", "pathway_id", "status", "started_on", "target_on",
            time_zone=F("learner__time_zone"),
        )
    )  # fmt: skip
    if not enrolments:
        return []
    ids = [e["id"] for e in enrolments]
    pathways = {e["pathway_id"] for e in enrolments}
    learners = {e["learner_id"] for e in enrolments}
    progress = {
        p["enrolment_id"]: p
        for p in EnrolmentProgress.objects.filter(enrolment_id__in=ids).values(
            "enrolment_id", "percent", "first_active_at", "last_active_at", "completed_at"
        )
    }
    milestones = _milestones(pathways, ids)
    cohorts, teachers = _cohorts(ids)
    contacts = _employer_contacts(ids)
    providers = _providers(pathways)
    plans = _plans(learners)
    week = _this_week(enrolments, now)
    people = (
        learners
        | {p for ps in teachers.values() for p in ps}
        | {p for ps in contacts.values() for p in ps}
    )
    opted_out = opted_out_topics(people)
    return [
        _facts(e, progress.get(e["id"], {}), milestones, cohorts, teachers, contacts, providers,
               plans, week, opted_out)
        for e in enrolments
    ]  # fmt: skip


def _facts(
    e: Mapping[str, Any],
    progress: Mapping[str, Any],
    milestones: tuple[
        dict[int, list[tuple[int, int | None]]], dict[tuple[int, int], dt.datetime | None]
    ],
    cohorts: dict[int, set[int]],
    teachers: dict[int, set[int]],
    contacts: dict[int, set[int]],
    providers: dict[int, set[int]],
    plans: dict[int, StudyPlanFacts],
    week: dict[int, tuple[frozenset[dt.date], float]],
    opted_out: dict[int, frozenset[str]],
) -> EnrolmentFacts:
    by_pathway, completed = milestones
    concerned = {e["learner_id"], *teachers.get(e["id"], ()), *contacts.get(e["id"], ())}
    days, seconds = week.get(e["id"], (frozenset(), 0.0))
    return EnrolmentFacts(
        enrolment_id=e["id"],
        learner_id=e["learner_id"],
        pathway_id=e["pathway_id"],
        status=e["status"],
        started_on=e["started_on"],
        target_on=e["target_on"],
        percent=progress.get("percent", 0),
        first_active_at=progress.get("first_active_at"),
        last_active_at=progress.get("last_active_at"),
        completed_at=progress.get("completed_at"),
        milestones=tuple(
            MilestoneFacts(
                milestone_id,
                None if offset is None else e["started_on"] + dt.timedelta(days=offset),
                completed.get((e["id"], milestone_id)),
            )
            for milestone_id, offset in by_pathway.get(e["pathway_id"], [])
        ),
        time_zone=e["time_zone"],
        provider_ids=frozenset(providers.get(e["pathway_id"], ())),
        cohort_ids=frozenset(cohorts.get(e["id"], ())),
        opted_out={p: opted_out[p] for p in concerned if p in opted_out},
        teacher_ids=tuple(sorted(teachers.get(e["id"], ()))),
        employer_contact_ids=tuple(sorted(contacts.get(e["id"], ()))),
        study_plan=plans.get(e["learner_id"]),
        active_days_this_week=days,
        seconds_this_week=seconds,
    )


def _milestones(
    pathways: set[int], enrolment_ids: list[int]
) -> tuple[dict[int, list[tuple[int, int | None]]], dict[tuple[int, int], dt.datetime | None]]:
    by_pathway: dict[int, list[tuple[int, int | None]]] = defaultdict(list)
    for milestone_id, pathway_id, offset in (
        Milestone.objects.filter(pathway_id__in=pathways)
        .order_by("pathway_id", "position")
        .values_list("id", "pathway_id", "due_offset_days")
    ):
        by_pathway[pathway_id].append((milestone_id, offset))
    completed = {
        (enrolment_id, milestone_id): at
        for enrolment_id, milestone_id, at in MilestoneProgress.objects.filter(
            enrolment_id__in=enrolment_ids, completed_at__isnull=False
        ).values_list("enrolment_id", "milestone_id", "completed_at")
    }
    return by_pathway, completed


def _cohorts(enrolment_ids: list[int]) -> tuple[dict[int, set[int]], dict[int, set[int]]]:
    cohorts: dict[int, set[int]] = defaultdict(set)
    for enrolment_id, cohort_id in Cohort.enrolments.through.objects.filter(
        enrolment_id__in=enrolment_ids
    ).values_list("enrolment_id", "cohort_id"):
        cohorts[enrolment_id].add(cohort_id)
    taught: dict[int, set[int]] = defaultdict(set)
    all_cohorts = {c for cs in cohorts.values() for c in cs}
    for cohort_id, person_id in Cohort.teachers.through.objects.filter(
        cohort_id__in=all_cohorts
    ).values_list("cohort_id", "person_id"):
        taught[cohort_id].add(person_id)
    teachers = {e: {t for c in cs for t in taught[c]} for e, cs in cohorts.items()}
    return cohorts, teachers


def _employer_contacts(enrolment_ids: list[int]) -> dict[int, set[int]]:
    """Employer contacts of companies with the learner's active consent (only those)."""
    employers: dict[int, set[int]] = defaultdict(set)
    for enrolment_id, employer_id in Consent.objects.filter(
        enrolment_id__in=enrolment_ids, revoked_at__isnull=True
    ).values_list("enrolment_id", "employer_id"):
        employers[enrolment_id].add(employer_id)
    people: dict[int, set[int]] = defaultdict(set)
    for organisation_id, person_id in Role.objects.filter(
        organisation_id__in={o for os in employers.values() for o in os},
        kind=Role.Kind.EMPLOYER_CONTACT,
    ).values_list("organisation_id", "person_id"):
        people[organisation_id].add(person_id)
    return {e: {p for o in os for p in people[o]} for e, os in employers.items()}


def _providers(pathways: set[int]) -> dict[int, set[int]]:
    providers: dict[int, set[int]] = defaultdict(set)
    for pathway_id, organisation_id in Pathway.providers.through.objects.filter(
        pathway_id__in=pathways
    ).values_list("pathway_id", "organisation_id"):
        providers[pathway_id].add(organisation_id)
    for pathway_id, organisation_id in Milestone.objects.filter(
        pathway_id__in=pathways, provider__isnull=False
    ).values_list("pathway_id", "provider_id"):
        providers[pathway_id].add(organisation_id)
    return providers


def _plans(learners: set[int]) -> dict[int, StudyPlanFacts]:
    return {
        person_id: StudyPlanFacts(days, float(hours) if hours is not None else None)
        for person_id, days, hours in StudyPlan.objects.filter(person_id__in=learners).values_list(
            "person_id", "days_per_week", "hours_per_week"
        )
    }


def _this_week(
    enrolments: Sequence[Mapping[str, Any]], now: dt.datetime
) -> dict[int, tuple[frozenset[dt.date], float]]:
    """Days studied and seconds spent since Monday, in each learner's time zone."""
    # Every zone's Monday 00:00 is after this instant: one query for the batch.
    earliest = now - dt.timedelta(days=8)
    zones = {e["id"]: ZoneInfo(e["time_zone"]) for e in enrolments}
    days: dict[int, set[dt.date]] = defaultdict(set)
    seconds: dict[int, float] = defaultdict(float)
    for enrolment_id, at, duration in Evidence.objects.filter(
        enrolment_id__in=list(zones), occurred_at__gte=earliest, occurred_at__lte=now
    ).values_list("enrolment_id", "occurred_at", "duration_seconds"):
        zone = zones[enrolment_id]
        local, today = at.astimezone(zone).date(), now.astimezone(zone).date()
        if local.isocalendar()[:2] == today.isocalendar()[:2]:
            days[enrolment_id].add(local)
            seconds[enrolment_id] += duration
    return {e: (frozenset(days[e]), seconds[e]) for e in zones}


# --- Effectiveness ---------------------------------------------------------------------------


def decision_outcomes(*, rule_id: int, now: dt.datetime) -> tuple[list[ArmRow], dict[str, int]]:
    """Per version and holdout arm of the rule: decisions, people, and the outcomes of those
    whose observation window has passed by `now` (effectiveness.py defines them). Two
    grouped queries, whatever the number of decisions: the outcomes are EXISTS subqueries."""
    enrolment, decided = OuterRef("enrolment_id"), OuterRef("decided_at")
    came_back = Evidence.objects.filter(
        enrolment_id=enrolment,
        occurred_at__gt=decided,
        occurred_at__lte=decided + CAME_BACK_WITHIN,
    )
    completed = MilestoneProgress.objects.filter(
        enrolment_id=enrolment,
        completed_at__gt=decided,
        completed_at__lte=decided + MILESTONE_WITHIN,
    )
    done_before = MilestoneProgress.objects.filter(
        enrolment_id=OuterRef(OuterRef("enrolment_id")),
        milestone_id=OuterRef("pk"),
        completed_at__lte=OuterRef(OuterRef("decided_at")),
    )
    open_milestone = Milestone.objects.filter(pathway_id=OuterRef("enrolment__pathway_id")).exclude(
        Exists(done_before)
    )
    decisions = DecisionRow.objects.filter(rule_id=rule_id, decided_at__lte=now).annotate(
        came_back=Exists(came_back), completed=Exists(completed), had_open=Exists(open_milestone)
    )
    back_due = Q(decided_at__lte=now - CAME_BACK_WITHIN)
    milestone_due = Q(decided_at__lte=now - MILESTONE_WITHIN, had_open=True)
    rows = (
        decisions.values("version_id", "version__number", "holdout")
        .annotate(
            n=Count("id"),
            people=Count("person_id", distinct=True),
            back_n=Count("id", filter=back_due),
            back_k=Count("id", filter=back_due & Q(came_back=True)),
            milestone_n=Count("id", filter=milestone_due),
            milestone_k=Count("id", filter=milestone_due & Q(completed=True)),
            no_open=Count("id", filter=Q(had_open=False)),
        )
        .order_by("version__number", "holdout")
    )
    people = dict(
        DecisionRow.objects.filter(rule_id=rule_id, decided_at__lte=now)
        .values("holdout")
        .annotate(people=Count("person_id", distinct=True))
        .values_list("holdout", "people")
        .order_by()
    )
    return [
        ArmRow(
            version_id=row["version_id"],
            version_number=row["version__number"],
            holdout=row["holdout"],
            decisions=row["n"],
            people=row["people"],
            came_back=Arm(row["back_n"], row["back_k"]),
            came_back_pending=row["n"] - row["back_n"],
            next_milestone=Arm(row["milestone_n"], row["milestone_k"]),
            next_milestone_pending=row["n"] - row["no_open"] - row["milestone_n"],
            no_open_milestone=row["no_open"],
        )
        for row in rows
    ], people


# --- Study plans and traffic lights -----------------------------------------------------------


def study_plan_of(*, person_id: int) -> StudyPlan | None:
    return StudyPlan.objects.filter(person_id=person_id).first()


def cohort_enrolments(*, viewer: Viewer, cohort_id: int) -> QuerySet[Enrolment] | None:
    """The enrolments of a cohort the viewer teaches (all of any cohort: administrators), or
    None when the viewer may not see the cohort: the network room's visibility, unchanged."""
    if not cohorts_visible_to(viewer).filter(pk=cohort_id).exists():
        return None
    return (
        enrolments_visible_to(viewer)
        .filter(cohorts=cohort_id)
        .select_related("learner", "pathway")
        .order_by("id")
    )


@dataclass(frozen=True)
class LightRow:
    enrolment_id: int
    learner_id: int
    learner_name: str
    pathway: str
    status: str
    colour: str
    reasons: tuple[str, ...]


def traffic_lights(*, enrolments: Sequence[Enrolment], now: dt.datetime) -> list[LightRow]:
    """Each enrolment's light (evaluate.traffic_light on its snapshot), in a fixed number of
    queries for any number of enrolments (the enrolments come with learner and pathway)."""
    facts = {
        f.enrolment_id: f
        for f in enrolment_facts(enrolment_ids=[e.pk for e in enrolments], now=now)
    }
    rows = []
    for enrolment in enrolments:
        light = traffic_light(facts[enrolment.pk], now)
        rows.append(
            LightRow(
                enrolment.pk,
                enrolment.learner_id,
                str(enrolment.learner),
                enrolment.pathway.slug,
                enrolment.status,
                str(light.colour),
                light.reasons,
            )
        )
    return rows
