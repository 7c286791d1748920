"""Reads for the dashboards: the projections (progress, milestone progress, evidence days),
the rules' traffic lights and effectiveness, notifications and badges; never statements.

Each page's reads are a fixed number of queries whatever the number of learners: lists come
with select_related, counts are grouped in the database.
"""

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db.models import Count, Q, QuerySet
from django.db.models.functions import TruncDate
from django.utils.translation import gettext as _

from engagement.badges.selectors import badges_earned_on_pathways
from engagement.dashboards.figures import Completion, DatedCount, DayActivity, FunnelStep
from engagement.dashboards.forms import ANY_COLOUR
from engagement.network.models import (
    Cohort,
    Consent,
    Enrolment,
    Milestone,
    Organisation,
    Pathway,
    Person,
)
from engagement.network.selectors import (
    Viewer,
    cohorts_visible_to,
    enrolments_shared_with,
    pathway_overlaps,
)
from engagement.progress.models import EnrolmentProgress, Evidence, MilestoneProgress
from engagement.rules import effectiveness
from engagement.rules.models import Rule
from engagement.rules.selectors import decision_outcomes, traffic_lights
from notifications.models import Notification, Suppression, TopicOptOut

HEATMAP_WEEKS = 12
# Withdrawn and paused studies are not progress to report (as in the employer's e-mail).
REPORTED_STATUSES = (Enrolment.Status.ACTIVE, Enrolment.Status.COMPLETED)


def _zone() -> ZoneInfo:
    return ZoneInfo(settings.TIME_ZONE)


def progress_of(enrolment: Enrolment) -> EnrolmentProgress | None:
    """The projection row, or None for an enrolment with no evidence yet (select_related
    leaves the reverse one-to-one empty then)."""
    try:
        return enrolment.progress
    except EnrolmentProgress.DoesNotExist:
        return None


# The pathway's milestones, for enrolments the projector has not seen any evidence of yet.
_MILESTONE_COUNT = Count("pathway__milestones", distinct=True)


def _milestones_total(enrolment: Enrolment, progress: EnrolmentProgress | None) -> int:
    if progress is not None:
        return progress.milestones_total
    return int(getattr(enrolment, "milestone_count", 0))


def _as_teacher(person: Person) -> Viewer:
    # A network administrator who also teaches sees the cohorts they teach here, not all.
    return Viewer(person=person, is_admin=False)


# --- Teacher ----------------------------------------------------------------------------------


def cohorts_taught(*, person: Person) -> QuerySet[Cohort]:
    return (
        cohorts_visible_to(_as_teacher(person))
        .select_related("provider")
        .annotate(enrolment_count=Count("enrolments", distinct=True))
        .order_by("provider__name_en", "name")
    )


def cohort_taught(*, person: Person, cohort_id: int) -> Cohort | None:
    """The cohort, if this person teaches it (and holds the teacher role at its provider)."""
    return (
        cohorts_visible_to(_as_teacher(person))
        .select_related("provider")
        .filter(pk=cohort_id)
        .first()
    )


def cohort_enrolments(*, cohort: Cohort) -> list[Enrolment]:
    return list(
        Enrolment.objects.filter(cohorts=cohort)
        .select_related("learner", "pathway", "progress")
        .annotate(milestone_count=_MILESTONE_COUNT)
        .order_by("learner__family_name", "learner__given_name", "pk")
    )


@dataclass(frozen=True)
class LearnerRow:
    enrolment_id: int
    learner: str
    pathway: str
    status: str
    colour: str
    reasons: tuple[str, ...]
    last_active_at: dt.datetime | None
    milestones_done: int
    milestones_total: int
    percent: int
    colour_label: str = ""  # the light's name in the reader's language
    last_active_iso: str = ""  # in Helsinki time, for the page's <time datetime>
    last_active_shown: str = ""  # d.m.yyyy hh:mm, Helsinki time


def learner_rows(*, enrolments: list[Enrolment], now: dt.datetime) -> list[LearnerRow]:
    """The traffic-light list: each enrolment's light and reasons (worded in the active
    language), last activity and milestones, from the rules' own selector."""
    lights = {row.enrolment_id: row for row in traffic_lights(enrolments=enrolments, now=now)}
    # Worded once, not once a row: a 500-learner cohort's page renders in a fraction of a
    # second only when the per-row work is plain attribute access.
    statuses = {value: str(label) for value, label in Enrolment.Status.choices}
    colours = {"green": _("green"), "amber": _("amber"), "red": _("red")}
    zone = _zone()
    rows = []
    for enrolment in enrolments:
        progress, light = progress_of(enrolment), lights[enrolment.pk]
        last_active = progress.last_active_at if progress else None
        local = last_active.astimezone(zone) if last_active else None
        rows.append(
            LearnerRow(
                enrolment_id=enrolment.pk,
                learner=str(enrolment.learner),
                pathway=enrolment.pathway.translated_title,
                status=statuses.get(enrolment.status, enrolment.status),
                colour=light.colour,
                reasons=light.reasons,
                last_active_at=last_active,
                milestones_done=progress.milestones_done if progress else 0,
                milestones_total=_milestones_total(enrolment, progress),
                percent=progress.percent if progress else 0,
                colour_label=colours.get(light.colour, light.colour),
                last_active_iso=local.isoformat() if local else "",
                last_active_shown=f"{local.day}.{local.month}.{local.year} {local:%H:%M}"
                if local
                else "",
            )
        )
    return rows


def message_recipients(
    *, enrolments: list[Enrolment], colour: str, chosen: set[int], now: dt.datetime
) -> list[Enrolment]:
    """The cohort's enrolments of this light colour ("all": any), narrowed to `chosen` when
    the teacher ticked some. The lights are worked out now, as the page shows them."""
    lights = {
        row.enrolment_id: row.colour for row in traffic_lights(enrolments=enrolments, now=now)
    }
    return [
        e
        for e in enrolments
        if (colour == ANY_COLOUR or lights[e.pk] == colour) and (not chosen or e.pk in chosen)
    ]


def _milestones_of(pathway_ids: set[int]) -> list[Milestone]:
    return list(
        Milestone.objects.filter(pathway_id__in=pathway_ids)
        .select_related("pathway")
        .order_by("pathway__title_en", "pathway_id", "position")
    )


def milestone_reached(
    *, enrolments: QuerySet[Enrolment], pathway_ids: set[int]
) -> list[tuple[Milestone, int]]:
    """Each milestone of these pathways with how many of the enrolments completed it."""
    reached = dict(
        MilestoneProgress.objects.filter(
            enrolment__in=enrolments.values("pk"), completed_at__isnull=False
        )
        .values("milestone_id")
        .annotate(n=Count("id"))
        .values_list("milestone_id", "n")
        .order_by()
    )
    return [(m, reached.get(m.pk, 0)) for m in _milestones_of(pathway_ids)]


def funnel_steps(reached: list[tuple[Milestone, int]]) -> list[FunnelStep]:
    several = len({m.pathway_id for m, _ in reached}) > 1
    return [
        FunnelStep(
            f"{m.pathway.translated_title}: {m.translated_title}"
            if several
            else m.translated_title,
            n,
        )
        for m, n in reached
    ]


def heatmap_start(now: dt.datetime) -> dt.date:
    today = now.astimezone(_zone()).date()
    return today - dt.timedelta(days=today.weekday(), weeks=HEATMAP_WEEKS - 1)


def active_days(*, cohort: Cohort, since: dt.date) -> list[DayActivity]:
    """Learners of the cohort with any evidence on each local day since `since`."""
    zone = _zone()
    start = dt.datetime.combine(since, dt.time(), tzinfo=zone)
    rows = (
        Evidence.objects.filter(enrolment__cohorts=cohort, occurred_at__gte=start)
        .annotate(day=TruncDate("occurred_at", tzinfo=zone))
        .values("day")
        .annotate(learners=Count("enrolment__learner_id", distinct=True))
        .values_list("day", "learners")
        .order_by("day")
    )
    return [DayActivity(day, learners) for day, learners in rows]


# --- Employer ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class StaffRow:
    learner: str
    companies: tuple[str, ...]
    pathway: str
    milestones_done: int
    milestones_total: int
    completed: bool
    badges: tuple[str, ...]


@dataclass
class StaffPage:
    rows: list[StaffRow] = field(default_factory=list)
    pathways: list[Completion] = field(default_factory=list)
    milestones: list[Completion] = field(default_factory=list)
    completions: list[DatedCount] = field(default_factory=list)


def shared_enrolments(*, person: Person) -> QuerySet[Enrolment]:
    """Enrolments shared with the contact's companies now (the employer summary's selector;
    consent is checked at read time, so a revoked one is gone from the next read)."""
    return enrolments_shared_with(Viewer(person=person, is_admin=False)).filter(
        status__in=REPORTED_STATUSES
    )


def staff_page(*, person: Person, now: dt.datetime, language: str) -> StaffPage:
    """Completion and credential status only (Act 759/2004 §3): no activity, log-ins, time
    on task or traffic lights are read here."""
    shared = shared_enrolments(person=person)
    enrolments = list(
        shared.select_related("learner", "pathway", "progress")
        .annotate(milestone_count=_MILESTONE_COUNT)
        .order_by("learner__family_name", "learner__given_name", "pk")
    )
    if not enrolments:
        return StaffPage()
    badges = badges_earned_on_pathways(
        pairs={(e.learner_id, e.pathway_id) for e in enrolments},
        start=dt.datetime(1970, 1, 1, tzinfo=dt.UTC),
        end=now,
        language=language,
    )
    page = StaffPage()
    per_pathway: dict[int, list[int]] = defaultdict(lambda: [0, 0])
    titles: dict[int, str] = {}
    for enrolment in enrolments:
        progress = progress_of(enrolment)
        completed = progress is not None and progress.completed_at is not None
        consents = enrolment.shared_consents  # type: ignore[attr-defined]
        page.rows.append(
            StaffRow(
                learner=str(enrolment.learner),
                companies=tuple(c.employer.translated_name for c in consents),
                pathway=enrolment.pathway.translated_title,
                milestones_done=progress.milestones_done if progress else 0,
                milestones_total=_milestones_total(enrolment, progress),
                completed=completed,
                badges=tuple(badges.get((enrolment.learner_id, enrolment.pathway_id), [])),
            )
        )
        titles[enrolment.pathway_id] = enrolment.pathway.translated_title
        per_pathway[enrolment.pathway_id][0] += 1
        per_pathway[enrolment.pathway_id][1] += int(completed)
    page.pathways = [
        Completion(titles[p], done, enrolled) for p, (enrolled, done) in per_pathway.items()
    ]
    enrolled = {p: n for p, (n, _) in per_pathway.items()}
    reached = milestone_reached(enrolments=shared, pathway_ids=set(titles))
    page.milestones = [
        Completion(f"{m.pathway.translated_title}: {m.translated_title}", n, enrolled[m.pathway_id])
        for m, n in reached
    ]
    page.completions = [
        DatedCount(day, n)
        for day, n in MilestoneProgress.objects.filter(
            enrolment__in=shared.values("pk"), completed_at__isnull=False
        )
        .annotate(day=TruncDate("completed_at", tzinfo=_zone()))
        .values("day")
        .annotate(n=Count("id"))
        .values_list("day", "n")
        .order_by("day")
    ]
    return page


# --- Learner ----------------------------------------------------------------------------------


def my_enrolments(*, person: Person) -> list[Enrolment]:
    return list(
        Enrolment.objects.filter(learner=person)
        .select_related("pathway", "progress")
        .order_by("pathway__title_en", "pk")
    )


def my_milestones(*, person: Person) -> list[tuple[Milestone, MilestoneProgress | None]]:
    mine = {p.milestone_id: p for p in MilestoneProgress.objects.filter(enrolment__learner=person)}
    pathways = Enrolment.objects.filter(learner=person).values("pathway_id")
    milestones = (
        Milestone.objects.filter(pathway_id__in=pathways)
        .select_related("pathway")
        .order_by("pathway__title_en", "pathway_id", "position")
    )
    return [(m, mine.get(m.pk)) for m in milestones]


def my_consents(*, person: Person) -> QuerySet[Consent]:
    return (
        Consent.objects.filter(enrolment__learner=person, revoked_at=None)
        .select_related("employer", "enrolment__pathway")
        .order_by("enrolment__pathway__title_en", "employer__name_en")
    )


def employers() -> QuerySet[Organisation]:
    return Organisation.objects.filter(kind=Organisation.Kind.COMPANY).order_by("name_en")


# --- Network administrator --------------------------------------------------------------------


@dataclass(frozen=True)
class CountRow:
    label: str
    pathways: int
    enrolments: int
    completed: int


# Completed = the projection saw every milestone done: a count the statements prove.
_COMPLETED = Q(enrolments__progress__completed_at__isnull=False)


@dataclass(frozen=True)
class PathwayCount(Completion):
    pathway_id: int = 0


def by_provider(pathways: list[PathwayCount]) -> list[CountRow]:
    """Per provider, the pathways it takes part in (as a listed provider of the pathway or
    the provider of one of its milestones) and their enrolments: two small queries."""
    involved: dict[int, set[int]] = defaultdict(set)
    listed = Pathway.providers.through.objects.values_list("organisation_id", "pathway_id")
    teaching = Milestone.objects.filter(provider__isnull=False).values_list(
        "provider_id", "pathway_id"
    )
    for organisation_id, pathway_id in [*listed, *teaching]:
        involved[organisation_id].add(pathway_id)
    counts = {p.pathway_id: p for p in pathways}
    providers = Organisation.objects.filter(kind__in=Organisation.PROVIDER_KINDS).order_by(
        "name_en"
    )
    return [
        CountRow(
            provider.translated_name,
            len(involved[provider.pk]),
            sum(counts[p].enrolled for p in involved[provider.pk] if p in counts),
            sum(counts[p].completed for p in involved[provider.pk] if p in counts),
        )
        for provider in providers
    ]


def by_company() -> list[CountRow]:
    rows = (
        Organisation.objects.filter(kind=Organisation.Kind.COMPANY)
        .annotate(
            n_pathways=Count("sponsored_enrolments__pathway", distinct=True),
            n_enrolments=Count("sponsored_enrolments", distinct=True),
            n_completed=Count(
                "sponsored_enrolments",
                filter=Q(sponsored_enrolments__progress__completed_at__isnull=False),
                distinct=True,
            ),
        )
        .order_by("name_en")
    )
    return [CountRow(o.translated_name, o.n_pathways, o.n_enrolments, o.n_completed) for o in rows]


def by_pathway() -> list[PathwayCount]:
    rows = Pathway.objects.annotate(
        n_enrolments=Count("enrolments", distinct=True),
        n_completed=Count("enrolments", filter=_COMPLETED, distinct=True),
    ).order_by("title_en")
    return [PathwayCount(p.translated_title, p.n_completed, p.n_enrolments, p.pk) for p in rows]


@dataclass(frozen=True)
class RuleEffect:
    rule: str
    came_back: effectiveness.Comparison
    next_milestone: effectiveness.Comparison


def rule_effects(*, now: dt.datetime) -> list[RuleEffect]:
    """Every rule's pooled effect (all versions): two grouped queries per rule, whatever the
    number of decisions; the number of rules is the administrators' own, not the learners'."""
    found = []
    for rule in Rule.objects.order_by("name"):
        pooled = effectiveness.rule_effects(*decision_outcomes(rule_id=rule.pk, now=now))[-1]
        found.append(RuleEffect(rule.name, pooled.came_back, pooled.next_milestone))
    return found


def delivery_health() -> dict[str, int]:
    counts = Notification.objects.aggregate(
        sent=Count("id", filter=Q(status=Notification.Status.SENT)),
        delivered=Count("id", filter=Q(delivered_at__isnull=False)),
        bounced=Count("id", filter=Q(bounced_at__isnull=False)),
        dropped=Count("id", filter=Q(status=Notification.Status.DROPPED)),
        failed=Count("id", filter=Q(status=Notification.Status.FAILED)),
        waiting=Count(
            "id",
            filter=Q(status__in=[Notification.Status.PENDING, Notification.Status.DEFERRED]),
        ),
    )
    counts["suppressed"] = Suppression.objects.count()
    counts["opted_out"] = TopicOptOut.objects.count()
    return counts


def overlaps() -> list[Any]:
    return pathway_overlaps(published_only=False)
