"""Pure: rules applied to frozen snapshots of enrolments, at a given `now`.

Nothing here reads the clock or the database: selectors build the snapshots, services store
the decisions. Each decision carries its dedup window, so that one condition nudges once
(one spell of inactivity, one milestone, one week) however often the sweep runs.
"""

import datetime as dt
import hashlib
from collections.abc import Iterable
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any
from zoneinfo import ZoneInfo

from engagement.rules.definitions import (
    BehindPace,
    EmployerSummaryLine,
    FirstSteps,
    Inactive,
    MilestoneCompleted,
    MilestoneDueSoon,
    PathwayCompleted,
    StudyGoalAtRisk,
    TeacherAlert,
)

ACTIVE = "active"


class Topic(StrEnum):
    """What a person can opt out of (notifications preferences use the same names)."""

    STUDY_REMINDERS = "study_reminders"
    ACHIEVEMENTS = "achievements"
    TEACHER_ALERTS = "teacher_alerts"
    EMPLOYER_SUMMARIES = "employer_summaries"


TOPIC_OF_KIND = {
    "inactive": Topic.STUDY_REMINDERS,
    "behind_pace": Topic.STUDY_REMINDERS,
    "milestone_due_soon": Topic.STUDY_REMINDERS,
    "first_steps": Topic.STUDY_REMINDERS,
    "study_goal_at_risk": Topic.STUDY_REMINDERS,
    "milestone_completed": Topic.ACHIEVEMENTS,
    "pathway_completed": Topic.ACHIEVEMENTS,
    "teacher_alert": Topic.TEACHER_ALERTS,
    "employer_summary_line": Topic.EMPLOYER_SUMMARIES,
}


@dataclass(frozen=True)
class MilestoneFacts:
    milestone_id: int
    due_on: dt.date | None
    completed_at: dt.datetime | None


@dataclass(frozen=True)
class StudyPlanFacts:
    days_per_week: int | None = None
    hours_per_week: float | None = None


@dataclass(frozen=True)
class EnrolmentFacts:
    """What the rules may know of one enrolment, as of the snapshot."""

    enrolment_id: int
    learner_id: int
    pathway_id: int
    status: str
    started_on: dt.date
    target_on: dt.date | None
    percent: int
    first_active_at: dt.datetime | None
    last_active_at: dt.datetime | None
    milestones: tuple[MilestoneFacts, ...] = ()
    # When progress says every milestone is done; the directory's status may lag behind.
    completed_at: dt.datetime | None = None
    time_zone: str = "Europe/Helsinki"
    provider_ids: frozenset[int] = frozenset()
    cohort_ids: frozenset[int] = frozenset()
    # Topics each person concerned opted out of (learner, teachers, employer contacts).
    opted_out: dict[int, frozenset[str]] = field(default_factory=dict)
    teacher_ids: tuple[int, ...] = ()
    employer_contact_ids: tuple[int, ...] = ()  # only of employers with active consent
    study_plan: StudyPlanFacts | None = None
    active_days_this_week: frozenset[dt.date] = frozenset()
    seconds_this_week: float = 0.0


@dataclass(frozen=True)
class RuleSpec:
    rule_id: int
    version_id: int
    definition: Any  # one of engagement.rules.definitions' classes
    holdout_share: float
    scope: str = "network"  # network, provider, pathway or cohort
    scope_id: int | None = None

    @property
    def kind(self) -> str:
        return str(self.definition.kind)

    def covers(self, facts: "EnrolmentFacts") -> bool:
        """Is the enrolment inside the rule's scope?"""
        match self.scope:
            case "provider":
                return self.scope_id in facts.provider_ids
            case "pathway":
                return self.scope_id == facts.pathway_id
            case "cohort":
                return self.scope_id in facts.cohort_ids
        return True


@dataclass(frozen=True)
class EventFacts:
    """A projector event: milestone_completed (with its milestone) or pathway_completed."""

    kind: str
    milestone_id: int | None
    occurred_at: dt.datetime


ReasonValue = int | float | str


@dataclass(frozen=True)
class Reason:
    """Why a rule acted, left someone out, or gave a light its colour: a code and its values,
    not text, so that each reader gets it in their own language (engagement.rules.reasons
    tells it) and it stores as JSON on the decision."""

    code: str
    values: tuple[tuple[str, ReasonValue], ...] = ()

    @classmethod
    def of(cls, code: str, **values: ReasonValue) -> "Reason":
        return cls(code, tuple(sorted(values.items())))

    def as_json(self) -> dict[str, ReasonValue]:
        """The stored form: {"code": ..., <value name>: <value>, ...}."""
        return {"code": self.code, **dict(self.values)}


@dataclass(frozen=True)
class Decision:
    rule_id: int
    version_id: int
    person_id: int
    enrolment_id: int
    window: str
    reasons: tuple[Reason, ...]


@dataclass(frozen=True)
class Exclusion:
    """Why a rule does not act on someone it would otherwise reach (shown in previews)."""

    person_id: int
    enrolment_id: int
    reason: Reason


@dataclass(frozen=True)
class Outcome:
    decisions: tuple[Decision, ...] = ()
    exclusions: tuple[Exclusion, ...] = ()


NOTHING = Outcome()


def evaluate(rule: RuleSpec, facts: EnrolmentFacts, now: dt.datetime) -> Outcome:
    """A schedule rule on one enrolment at `now`."""
    definition = rule.definition
    today = now.astimezone(ZoneInfo(facts.time_zone)).date()
    if not rule.covers(facts):
        return NOTHING
    if facts.status != ACTIVE:
        return _excluded(
            facts, facts.learner_id, Reason.of("enrolment_status", status=facts.status)
        )
    if facts.completed_at is not None:
        return _excluded(facts, facts.learner_id, Reason.of("all_done"))
    found: Found
    match definition:
        case Inactive():
            found = _inactive(definition, facts, now, today)
        case BehindPace():
            found = _behind_pace(definition, facts, today)
        case MilestoneDueSoon():
            found = _due_soon(definition, facts, today)
        case FirstSteps():
            found = _first_steps(definition, facts, today)
        case StudyGoalAtRisk():
            found = _goal_at_risk(facts, today)
        case TeacherAlert():
            found = _teacher_alert(facts, now, today)
        case EmployerSummaryLine():
            found = _employer_line(facts, today)
        case _:
            return NOTHING
    return _decide(rule, facts, found)


def evaluate_event(rule: RuleSpec, event: EventFacts, facts: EnrolmentFacts) -> Outcome:
    """An event rule on one projector event of an enrolment."""
    definition = rule.definition
    if definition.kind != event.kind or not rule.covers(facts):
        return NOTHING
    if facts.status == "withdrawn":
        return _excluded(facts, facts.learner_id, Reason.of("enrolment_status", status="withdrawn"))
    match definition:
        case MilestoneCompleted():
            if definition.milestone_id not in (None, event.milestone_id):
                return NOTHING
            window = f"milestone:{event.milestone_id}"
            reasons = (Reason.of("milestone_completed", milestone=event.milestone_id or 0),)
        case PathwayCompleted():
            window, reasons = "pathway", (Reason.of("pathway_completed"),)
        case _:
            return NOTHING
    return _decide(rule, facts, [(facts.learner_id, window, reasons)])


def _decide(
    rule: RuleSpec, facts: EnrolmentFacts, found: Iterable[tuple[int, str, tuple[Reason, ...]]]
) -> Outcome:
    topic = TOPIC_OF_KIND[rule.kind]
    # An opt-out is about messages. A badge is a record of what the learner achieved: opting
    # out of hearing about achievements must not withhold the achievement itself (its
    # "you earned" message is dropped at send time by the same opt-out).
    awards = getattr(rule.definition.action, "type", "") == "award_badge"
    decisions: list[Decision] = []
    exclusions: list[Exclusion] = []
    for person_id, window, reasons in found:
        if not awards and topic in facts.opted_out.get(person_id, frozenset()):
            reason = Reason.of("opted_out", topic=str(topic))
            exclusions.append(Exclusion(person_id, facts.enrolment_id, reason))
            continue
        decisions.append(
            Decision(rule.rule_id, rule.version_id, person_id, facts.enrolment_id, window, reasons)
        )
    return Outcome(tuple(decisions), tuple(exclusions))


def _excluded(facts: EnrolmentFacts, person_id: int, reason: Reason) -> Outcome:
    return Outcome(exclusions=(Exclusion(person_id, facts.enrolment_id, reason),))


# --- The kinds ------------------------------------------------------------------------------

# The weekly kinds decide once per person and ISO week of the learner's today; the sweep's
# candidate queries leave out what is already decided in that window (selectors.py).
WEEKLY_WINDOWS = {
    "behind_pace": "pace",
    "study_goal_at_risk": "goal",
    "teacher_alert": "red",
    "employer_summary_line": "summary",
}
DUE_WINDOW = "due:"  # + the milestone id: once per milestone


def weekly_window(kind: str, today: dt.date) -> str:
    return f"{WEEKLY_WINDOWS[kind]}:{_week(today)}"


def due_window(milestone_id: int) -> str:
    return f"{DUE_WINDOW}{milestone_id}"


Found = list[tuple[int, str, tuple[Reason, ...]]]


def _inactive(rule: Inactive, facts: EnrolmentFacts, now: dt.datetime, today: dt.date) -> Found:
    since = _last_active_day(facts)
    idle = (today - since).days
    if idle < rule.days:
        return []
    # One nudge per spell of inactivity: the window is the day the spell began.
    code = "no_activity_yet" if facts.last_active_at is None else "no_activity"
    reason = Reason.of(code, days=idle, since=since.isoformat())
    return [(facts.learner_id, f"inactive-since:{since.isoformat()}", (reason,))]


def _behind_pace(rule: BehindPace, facts: EnrolmentFacts, today: dt.date) -> Found:
    expected = expected_percent(facts, today)
    if expected is None or facts.percent > expected - rule.points:
        return []
    reason = Reason.of(
        "behind_pace",
        percent=facts.percent,
        target=facts.target_on.isoformat() if facts.target_on else "",
        expected=expected,
    )
    return [(facts.learner_id, weekly_window("behind_pace", today), (reason,))]


def _due_soon(rule: MilestoneDueSoon, facts: EnrolmentFacts, today: dt.date) -> Found:
    found: Found = []
    for milestone in facts.milestones:
        if milestone.completed_at is not None or milestone.due_on is None:
            continue
        left = (milestone.due_on - today).days
        if 0 <= left <= rule.days:
            reason = Reason.of(
                "milestone_due",
                milestone=milestone.milestone_id,
                due=milestone.due_on.isoformat(),
                days=left,
            )
            found.append((facts.learner_id, due_window(milestone.milestone_id), (reason,)))
    return found


def _first_steps(rule: FirstSteps, facts: EnrolmentFacts, today: dt.date) -> Found:
    if facts.first_active_at is not None:
        return []
    age = (today - facts.started_on).days
    reached = [day for day in rule.days if age >= day]
    if not reached:
        return []
    # Only the latest step reached: a sweep that starts late must not send day 3 and day 10.
    day = reached[-1]
    reason = Reason.of("first_steps", day=age)
    return [(facts.learner_id, f"first-steps:day-{day}", (reason,))]


def _goal_at_risk(facts: EnrolmentFacts, today: dt.date) -> Found:
    plan = facts.study_plan
    if plan is None:
        return []
    days_left = 7 - today.weekday()  # today included
    week = _week(today)
    if plan.days_per_week:
        studied = sum(1 for day in facts.active_days_this_week if _week(day) == week)
        needed = plan.days_per_week - studied
        # At risk when every day left is needed; already missed is not nudged (no use).
        if needed <= 0 or needed != days_left:
            return []
        reason = Reason.of(
            "goal_days", studied=studied, planned=plan.days_per_week, days_left=days_left
        )
        return [(facts.learner_id, weekly_window("study_goal_at_risk", today), (reason,))]
    if plan.hours_per_week:
        hours = facts.seconds_this_week / 3600
        if hours >= plan.hours_per_week or days_left > 2:
            return []
        reason = Reason.of(
            "goal_hours",
            hours=round(hours, 1),
            planned=float(plan.hours_per_week),
            days_left=days_left,
        )
        return [(facts.learner_id, weekly_window("study_goal_at_risk", today), (reason,))]
    return []


def _teacher_alert(facts: EnrolmentFacts, now: dt.datetime, today: dt.date) -> Found:
    light = traffic_light(facts, now)
    if light.colour != Colour.RED:
        return []
    window = weekly_window("teacher_alert", today)
    return [(teacher, window, light.reasons) for teacher in facts.teacher_ids]


def _employer_line(facts: EnrolmentFacts, today: dt.date) -> Found:
    done = sum(1 for m in facts.milestones if m.completed_at is not None)
    # Completion status only (DESIGN.md; Act 759/2004 §3): no activity, no time on task.
    reason = Reason.of("milestones_completed", done=done, total=len(facts.milestones))
    return [
        (contact, weekly_window("employer_summary_line", today), (reason,))
        for contact in facts.employer_contact_ids
    ]


# --- Traffic lights -----------------------------------------------------------------------------


class Colour(StrEnum):
    GREEN = "green"
    AMBER = "amber"
    RED = "red"


@dataclass(frozen=True)
class Light:
    colour: Colour
    reasons: tuple[Reason, ...]


@dataclass(frozen=True)
class LightThresholds:
    """Rule-based, each reason shown to the teacher: no opaque score (DESIGN.md)."""

    amber_idle_days: int = 7
    red_idle_days: int = 14
    amber_overdue: int = 1
    red_overdue: int = 2
    amber_behind_points: int = 15
    red_behind_points: int = 30


def traffic_light(
    facts: EnrolmentFacts, now: dt.datetime, thresholds: LightThresholds = LightThresholds()
) -> Light:
    today = now.astimezone(ZoneInfo(facts.time_zone)).date()
    if facts.status != ACTIVE:
        return Light(Colour.GREEN, (Reason.of("enrolment_status", status=facts.status),))
    if facts.completed_at is not None:
        return Light(Colour.GREEN, (Reason.of("all_done"),))
    levels: list[tuple[Colour, Reason]] = []
    idle = (today - _last_active_day(facts)).days
    levels.append(
        _level(
            idle,
            thresholds.amber_idle_days,
            thresholds.red_idle_days,
            Reason.of("idle", days=idle),
        )
    )
    overdue = sum(
        1
        for m in facts.milestones
        if m.completed_at is None and m.due_on is not None and m.due_on < today
    )
    levels.append(
        _level(
            overdue,
            thresholds.amber_overdue,
            thresholds.red_overdue,
            Reason.of("overdue", count=overdue),
        )
    )
    expected = expected_percent(facts, today)
    if expected is not None:
        behind = expected - facts.percent
        levels.append(
            _level(
                behind,
                thresholds.amber_behind_points,
                thresholds.red_behind_points,
                Reason.of("behind", points=behind),
            )
        )
    red = [reason for colour, reason in levels if colour == Colour.RED]
    amber = [reason for colour, reason in levels if colour == Colour.AMBER]
    if red:
        return Light(Colour.RED, tuple(red + amber))
    if amber:
        return Light(Colour.AMBER, tuple(amber))
    return Light(Colour.GREEN, (Reason.of("on_track"),))


def _level(value: int, amber: int, red: int, reason: Reason) -> tuple[Colour, Reason]:
    if value >= red:
        return Colour.RED, reason
    if value >= amber:
        return Colour.AMBER, reason
    return Colour.GREEN, reason


# --- Shared arithmetic -------------------------------------------------------------------------


def expected_percent(facts: EnrolmentFacts, today: dt.date) -> int | None:
    """Where a straight line from the start to the planned target puts the learner today."""
    if facts.target_on is None or facts.target_on <= facts.started_on:
        return None
    elapsed = (today - facts.started_on).days / (facts.target_on - facts.started_on).days
    return round(100 * min(max(elapsed, 0.0), 1.0))


def _last_active_day(facts: EnrolmentFacts) -> dt.date:
    if facts.last_active_at is None:
        return facts.started_on
    return facts.last_active_at.astimezone(ZoneInfo(facts.time_zone)).date()


def _week(day: dt.date) -> str:
    year, week, _ = day.isocalendar()
    return f"{year}-W{week:02d}"


def in_holdout(person_id: int, rule_id: int, share: float, salt: str) -> bool:
    """A stable draw: the same person, rule and salt always give the same answer, so
    membership never flips between sweeps (rule_id 0 is the global holdout)."""
    if share <= 0:
        return False
    digest = hashlib.sha256(f"{salt}:{rule_id}:{person_id}".encode()).digest()
    return int.from_bytes(digest[:8], "big") / 2**64 < share
