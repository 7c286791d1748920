"""Reads for the rules: snapshots of enrolments (in a fixed number of queries for any
batch) and the set-based candidate queries of the schedule sweep."""

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

from django.db.models import (
    CharField,
    Count,
    Exists,
    F,
    Func,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
)
from django.db.models.functions import Cast, Coalesce, Concat
from django.db.models.lookups import GreaterThanOrEqual

from backend.db import among
from engagement.network.models import Cohort, Consent, Enrolment, Milestone, Pathway, Role
from engagement.network.selectors import Viewer, cohorts_visible_to, enrolments_visible_to
from engagement.progress.models import Evidence, MilestoneProgress
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
    DUE_WINDOW,
    WEEKLY_WINDOWS,
    EnrolmentFacts,
    LightThresholds,
    MilestoneFacts,
    RuleSpec,
    StudyPlanFacts,
    traffic_light,
    weekly_window,
)
from engagement.rules.models import Decision as DecisionRow
from engagement.rules.models import Rule, StudyPlan
from engagement.rules.reasons import reasons_text
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
    cheap to say there; the pure evaluator decides. Never a loop over all learners.

    The narrowing may only leave out an enrolment the evaluator would not decide about, in
    any time zone: the learner's today is one of the days around the UTC date (`earliest`,
    `latest`), so the date conditions below hold for every today the evaluator may use."""
    enrolments = _in_scope(
        Enrolment.objects.filter(status=Enrolment.Status.ACTIVE).exclude(
            progress__completed_at__isnull=False
        ),
        rule,
    )
    today = now.date()
    utc_today = now.astimezone(dt.UTC).date()
    earliest, latest = utc_today - dt.timedelta(days=1), utc_today + dt.timedelta(days=1)
    # Left out as well: what is already decided in its window (the weekly windows make most
    # candidates of every sweep of a week otherwise; the dedup key would drop them anyway).
    window = _current_window(rule.kind, earliest, latest)
    match rule.definition:
        case Inactive(days=days):
            idle_since = now - dt.timedelta(days=days)
            enrolments = enrolments.filter(
                Q(progress__last_active_at__lte=idle_since)
                | Q(progress__last_active_at__isnull=True, started_on__lte=idle_since.date())
            )
        case BehindPace(points=points):
            enrolments = enrolments.filter(
                _behind_by(points, latest), target_on__isnull=False, started_on__lt=today
            )
            if window:
                enrolments = enrolments.exclude(_decided(rule, OuterRef("learner_id"), window))
        case MilestoneDueSoon(days=days):
            due_window = Concat(Value(DUE_WINDOW), Cast(OuterRef("pk"), CharField()))
            due = (
                Milestone.objects.filter(
                    pathway_id=OuterRef("pathway_id"),
                    due_offset_days__gte=_Days(Value(earliest), OuterRef("started_on")),
                    due_offset_days__lte=_Days(Value(latest), OuterRef("started_on")) + days,
                )
                .exclude(Exists(_completed(OuterRef(OuterRef("pk")), OuterRef("pk"))))
                .exclude(
                    _decided(
                        rule, OuterRef(OuterRef("learner_id")), due_window, OuterRef(OuterRef("pk"))
                    )
                )
            )
            enrolments = enrolments.filter(Exists(due))
        case FirstSteps(days=days):
            enrolments = enrolments.filter(
                Q(progress__isnull=True) | Q(progress__first_active_at__isnull=True),
                started_on__lte=today - dt.timedelta(days=min(days)),
            )
        case StudyGoalAtRisk():
            enrolments = enrolments.filter(learner__study_plan__isnull=False)
            if window:
                enrolments = enrolments.exclude(_decided(rule, OuterRef("learner_id"), window))
        case TeacherAlert():
            teachers = Cohort.teachers.through.objects.filter(cohort__enrolments=OuterRef("pk"))
            if window:  # any teacher not told yet
                teachers = teachers.exclude(
                    _decided(rule, OuterRef("person_id"), window, OuterRef(OuterRef("pk")))
                )
            enrolments = enrolments.filter(_may_be_red(now, latest), Exists(teachers))
        case EmployerSummaryLine():
            contacts = Role.objects.filter(
                organisation_id=OuterRef("employer_id"), kind=Role.Kind.EMPLOYER_CONTACT
            )
            if window:  # any contact without this week's line
                consent = OuterRef(OuterRef("enrolment_id"))
                contacts = contacts.exclude(_decided(rule, OuterRef("person_id"), window, consent))
            consents = Consent.objects.filter(
                Exists(contacts), enrolment_id=OuterRef("pk"), revoked_at__isnull=True
            )
            enrolments = enrolments.filter(Exists(consents))
    return enrolments.values_list("learner_id", flat=True).distinct()


def _current_window(kind: str, earliest: dt.date, latest: dt.date) -> str | None:
    """The weekly kind's window, when every learner's today is in the same week."""
    if kind not in WEEKLY_WINDOWS:
        return None
    first, last = weekly_window(kind, earliest), weekly_window(kind, latest)
    return first if first == last else None


def _decided(rule: RuleSpec, person: Any, window: Any, enrolment: Any = None) -> Exists:
    """The rule decided this for the person about the enrolment (by the dedup key)."""
    return Exists(
        DecisionRow.objects.filter(
            rule_id=rule.rule_id,
            person_id=person,
            enrolment_id=OuterRef("pk") if enrolment is None else enrolment,
            window=window,
        )
    )


class _Days(Func):
    """Days from the second date to the first, an integer (PostgreSQL: date - date)."""

    arity = 2
    output_field = IntegerField()
    template = "(%(expressions)s)"
    arg_joiner = " - "

    def as_sqlite(self, compiler: Any, connection: Any, **extra: Any) -> Any:
        return self.as_sql(
            compiler,
            connection,
            template="CAST(julianday(%(expressions)s) AS INTEGER)",
            arg_joiner=") - julianday(",
            **extra,
        )


def _behind_by(points: int, latest: dt.date) -> Q:
    """A superset of evaluate's "percent <= expected_percent - points": expected is at most
    round(100 * elapsed / planned) for the latest today, so percent + points - 1/2 is at most
    100 * elapsed / planned (doubled to stay in integers)."""
    percent = Coalesce(F("progress__percent"), 0)
    planned = _Days(F("target_on"), F("started_on"))
    elapsed = _Days(Value(latest), F("started_on"))
    return Q(target_on__gt=F("started_on")) & Q(
        GreaterThanOrEqual(200 * elapsed, (2 * percent + 2 * points - 1) * planned)
    )


def _may_be_red(now: dt.datetime, latest: dt.date) -> Q:
    """A superset of traffic_light's red (LightThresholds' defaults, as _teacher_alert uses):
    idle for red_idle_days (two days' slack for the time zones), red_behind_points behind,
    or red_overdue milestones past due and not done."""
    red = LightThresholds()
    idle = Q(progress__last_active_at__lt=now - dt.timedelta(days=red.red_idle_days - 2)) | Q(
        progress__last_active_at__isnull=True,
        started_on__lte=latest - dt.timedelta(days=red.red_idle_days),
    )
    overdue = (
        Milestone.objects.filter(
            pathway_id=OuterRef("pathway_id"),
            due_offset_days__lt=_Days(Value(latest), OuterRef("started_on")),
        )
        .exclude(Exists(_completed(OuterRef(OuterRef("pk")), OuterRef("pk"))))
        .order_by()
        .values("pathway_id")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return (
        idle
        | _behind_by(red.red_behind_points, latest)
        | Q(GreaterThanOrEqual(Coalesce(Subquery(overdue), 0), red.red_overdue))
    )


def _completed(enrolment: Any, milestone: Any) -> QuerySet[MilestoneProgress]:
    return MilestoneProgress.objects.filter(
        enrolment_id=enrolment, milestone_id=milestone, completed_at__isnull=False
    )


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
    """Snapshots of the enrolments of these learners (or these enrolments). The enrolment,
    its progress, the learner's time zone and study plan come in one query; this week's
    evidence is read only for learners with a study plan (the goal is its only reader)."""
    enrolments = list(
        Enrolment.objects.filter(
            among("learner_id", learner_ids) | among("id", enrolment_ids)
        ).values(
            "id", "learner_id", "pathway_id", "status", "started_on", "target_on",
            time_zone=F("learner__time_zone"),
            percent=F("progress__percent"),
            first_active_at=F("progress__first_active_at"),
            last_active_at=F("progress__last_active_at"),
            completed_at=F("progress__completed_at"),
            plan_days=F("learner__study_plan__days_per_week"),
            plan_hours=F("learner__study_plan__hours_per_week"),
        )
    )  # fmt: skip
    if not enrolments:
        return []
    ids = [e["id"] for e in enrolments]
    pathways = {e["pathway_id"] for e in enrolments}
    learners = {e["learner_id"] for e in enrolments}
    milestones = _milestones(pathways, ids)
    cohorts, teachers = _cohorts(ids)
    contacts = _employer_contacts(ids)
    providers = _providers(pathways)
    plans = _plans(enrolments)
    week = _this_week([e for e in enrolments if e["learner_id"] in plans], now)
    people = (
        learners
        | {p for ps in teachers.values() for p in ps}
        | {p for ps in contacts.values() for p in ps}
    )
    opted_out = opted_out_topics(people)
    return [
        _facts(e, milestones, cohorts, teachers, contacts, providers, plans, week, opted_out)
        for e in enrolments
    ]


def _facts(
    e: Mapping[str, Any],
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
        percent=e["percent"] or 0,  # None: no progress yet
        first_active_at=e["first_active_at"],
        last_active_at=e["last_active_at"],
        completed_at=e["completed_at"],
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
            among("enrolment_id", enrolment_ids), completed_at__isnull=False
        ).values_list("enrolment_id", "milestone_id", "completed_at")
    }
    return by_pathway, completed


def _cohorts(enrolment_ids: list[int]) -> tuple[dict[int, set[int]], dict[int, set[int]]]:
    cohorts: dict[int, set[int]] = defaultdict(set)
    for enrolment_id, cohort_id in Cohort.enrolments.through.objects.filter(
        among("enrolment_id", enrolment_ids)
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
        among("enrolment_id", enrolment_ids), revoked_at__isnull=True
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


def _plans(enrolments: Sequence[Mapping[str, Any]]) -> dict[int, StudyPlanFacts]:
    """The learners' study plans (a plan has exactly one goal, so no goal is no plan)."""
    return {
        e["learner_id"]: StudyPlanFacts(
            e["plan_days"], float(e["plan_hours"]) if e["plan_hours"] is not None else None
        )
        for e in enrolments
        if e["plan_days"] is not None or e["plan_hours"] is not None
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
                # Worded here, in the reader's language: every caller shows them.
                tuple(reasons_text(light.reasons)),
            )
        )
    return rows
