"""The engagement simulator's pure core: seeded learners with behaviour profiles on pathways,
turned into a plan of statements and directory changes per simulated day, a ledger of those
changes, and the checks of recorded decisions against that ledger.

No Django and no clock here: the same seed gives the same plan, statement ids included.
bench/simulation_pipeline.py posts the plan through the real pipeline (LRS → projection →
rules → decisions) day by day under a controlled clock; bench/simulation_bench.py (5,000
learners, PostgreSQL) and tests/engagement/rules/test_simulation.py (300, SQLite) drive it.

The checks are an oracle written from the design (DESIGN.md, data flow step 3), not from the
rules code: which kinds are study reminders, who may be nudged in which enrolment state.
"""

import datetime as dt
import math
import random
import statistics
import uuid
from bisect import bisect_right
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

START = dt.date(2026, 1, 5)  # a Monday
WEEKS = 12
# Times of day (UTC) of each step of a simulated day. Helsinki is UTC+2/+3, so the sweep at
# 20:30 UTC is late evening of the same local date, after the learners' day of study.
CHANGE_AT = dt.time(9, 0)  # administrators withdraw, pause, complete; learners opt out
STUDY_FROM_HOUR, STUDY_UNTIL_HOUR = 5, 19  # statements' timestamps fall in [05:00, 19:00)
STORE_AT = dt.time(19, 30)  # the LMSs post the day's statements
PROJECT_AT = dt.time(20, 0)
EVENTS_AT = dt.time(20, 5)
SWEEP_AT = dt.time(20, 30)
STORE_BATCH = 500  # statements per POST, as an LMS batches them

ADL = "http://adlnet.gov/expapi/verbs/"
EXPERIENCED, COMPLETED, ANSWERED = f"{ADL}experienced", f"{ADL}completed", f"{ADL}answered"
PASSED, FAILED = f"{ADL}passed", f"{ADL}failed"
QUIZ_PASS_MARK = 0.6


class Profile(StrEnum):
    STEADY = "steady"
    BURSTY = "bursty"
    FADING = "fading"
    DROPPING_OUT = "dropping_out"


PROFILE_WEIGHTS = {
    Profile.STEADY: 0.35,
    Profile.BURSTY: 0.25,
    Profile.FADING: 0.20,
    Profile.DROPPING_OUT: 0.20,
}


class Status(StrEnum):
    """Enrolment states, as engagement.network.models.Enrolment.Status spells them."""

    ACTIVE = "active"
    PAUSED = "paused"
    COMPLETED = "completed"
    WITHDRAWN = "withdrawn"


# Topics as the design names them (notifications preferences use the same names).
STUDY_REMINDERS, ACHIEVEMENTS = "study_reminders", "achievements"
STUDY_REMINDER_KINDS = frozenset(
    {"inactive", "behind_pace", "milestone_due_soon", "first_steps", "study_goal_at_risk"}
)
ACHIEVEMENT_KINDS = frozenset({"milestone_completed", "pathway_completed"})
EVENT_KINDS = ACHIEVEMENT_KINDS

# The realistic rule set: kind, its parameters and its action. Every rule keeps the default
# 10% rule holdout; the global 5% holdout is a setting.
RULES: tuple[tuple[str, dict[str, Any]], ...] = (
    ("Come back after a week", {"kind": "inactive", "days": 7,
                                "action": {"type": "nudge", "template": "come_back"}}),
    ("First steps", {"kind": "first_steps", "days": [3, 10],
                     "action": {"type": "nudge", "template": "first_steps"}}),
    ("Behind the planned pace", {"kind": "behind_pace", "points": 20,
                                 "action": {"type": "nudge", "template": "catch_up"}}),
    ("Milestone due in 3 days", {"kind": "milestone_due_soon", "days": 3,
                                 "action": {"type": "nudge", "template": "due_soon"}}),
    ("Study goal at risk", {"kind": "study_goal_at_risk",
                            "action": {"type": "nudge", "template": "goal_at_risk"}}),
    ("Milestone completed", {"kind": "milestone_completed",
                             "action": {"type": "nudge", "template": "well_done"}}),
    ("Pathway completed", {"kind": "pathway_completed",
                           "action": {"type": "nudge", "template": "congratulations"}}),
    ("Red light to the teacher", {"kind": "teacher_alert",
                                  "action": {"type": "alert_teacher", "template": "red_light"}}),
    ("Employer's weekly line", {"kind": "employer_summary_line",
                                "action": {"type": "digest_line", "digest": "employer_weekly"}}),
)  # fmt: skip


# --- The network -----------------------------------------------------------------------------


@dataclass(frozen=True)
class MilestoneSpec:
    title: str
    due_offset_days: int
    activities: tuple[str, ...]  # IRIs, in the order learners take them


@dataclass(frozen=True)
class PathwaySpec:
    slug: str
    title: str
    provider: str  # organisation slug
    lms: str  # the provider's LMS home page
    milestones: tuple[MilestoneSpec, ...]

    @property
    def activities(self) -> tuple[str, ...]:
        return tuple(iri for m in self.milestones for iri in m.activities)


def is_quiz(iri: str) -> bool:
    return "/mod/quiz/" in iri


def _pathway(
    slug: str, title: str, provider: str, lms: str, course: int, dues: Sequence[int], size: int
) -> PathwaySpec:
    milestones = []
    for position, due in enumerate(dues, start=1):
        first = course * 100 + position * 10
        activities = tuple(
            f"{lms}/mod/{'video' if n % 3 == 0 else 'quiz'}/view.php?id={first + n}"
            for n in range(size)
        )
        milestones.append(MilestoneSpec(f"Part {position}", due, activities))
    return PathwaySpec(slug, title, provider, lms, tuple(milestones))


PATHWAYS = (
    _pathway("sim-cell-manufacturing", "Battery cell manufacturing", "sim-savonia",
             "https://moodle.savonia.example", 1, (14, 28, 49, 70, 84), 6),
    _pathway("sim-battery-recycling", "Battery recycling", "sim-vamk",
             "https://moodle.vamk.example", 2, (21, 42, 63, 84), 7),
    _pathway("sim-bms-engineering", "Battery management systems", "sim-savonia",
             "https://moodle.savonia.example", 3, (14, 28, 42, 56, 70, 84), 5),
)  # fmt: skip
PROVIDERS = ("sim-savonia", "sim-vamk")
EMPLOYERS = ("sim-akkutehdas", "sim-latauspiste")


# --- Learners and their plans ------------------------------------------------------------------


@dataclass(frozen=True)
class LearnerSpec:
    index: int
    profile: Profile
    pathway: int  # index into PATHWAYS
    start_day: int  # the enrolment starts on START + start_day
    employer: int | None  # index into EMPLOYERS: sponsored, progress shared by consent
    study_plan: tuple[int | None, float | None] | None  # (days, hours) per week

    @property
    def email(self) -> str:
        return f"learner{self.index:05d}@sim.example"


@dataclass(frozen=True)
class Attempt:
    """One statement a learner's LMS sends."""

    statement_id: str
    learner: int
    activity: str
    verb: str
    at: dt.datetime
    seconds: int
    scaled: float | None = None
    parent: str | None = None


class ChangeKind(StrEnum):
    STATUS = "status"
    OPT_OUT = "opt_out"
    CONSENT_REVOKED = "consent_revoked"


@dataclass(frozen=True)
class Change:
    """A directory change on a day (at CHANGE_AT): enrolment status, opt-out, revoked consent."""

    day: int
    learner: int
    kind: ChangeKind
    value: str = ""


@dataclass(frozen=True)
class Simulation:
    seed: int
    days: int
    learners: tuple[LearnerSpec, ...]
    attempts: dict[int, tuple[Attempt, ...]]  # by day
    changes: dict[int, tuple[Change, ...]]  # by day
    finished_at: dict[int, dt.datetime]  # learner -> the statement that completed the pathway
    milestones_done: dict[int, int]  # learner -> milestones completed by the end

    def ledger(self) -> "Ledger":
        return Ledger([c for day in sorted(self.changes) for c in self.changes[day]])

    @property
    def statement_count(self) -> int:
        return sum(len(a) for a in self.attempts.values())


def moment(day: int, time: dt.time) -> dt.datetime:
    """The instant of `time` (UTC) on simulated day `day`."""
    return dt.datetime.combine(START + dt.timedelta(days=day), time, tzinfo=dt.UTC)


def simulate(learners: int, *, seed: int = 1, weeks: int = WEEKS) -> Simulation:
    """The whole plan for `learners` learners over `weeks` weeks, the same for the same seed."""
    days = weeks * 7
    specs = [_learner(index, random.Random(f"{seed}:learner:{index}")) for index in range(learners)]
    attempts: dict[int, list[Attempt]] = defaultdict(list)
    changes: dict[int, list[Change]] = defaultdict(list)
    finished_at: dict[int, dt.datetime] = {}
    milestones_done: dict[int, int] = {}
    for spec in specs:
        life = _Life(spec, random.Random(f"{seed}:life:{spec.index}"), days)
        life.run()
        for attempt in life.attempts:
            attempts[(attempt.at.date() - START).days].append(attempt)
        for change in life.changes:
            changes[change.day].append(change)
        if life.finished_at is not None:
            finished_at[spec.index] = life.finished_at
        milestones_done[spec.index] = life.milestones_done
    return Simulation(
        seed=seed,
        days=days,
        learners=tuple(specs),
        attempts={d: tuple(sorted(a, key=lambda x: x.at)) for d, a in attempts.items()},
        changes={d: tuple(c) for d, c in changes.items()},
        finished_at=finished_at,
        milestones_done=milestones_done,
    )


def _learner(index: int, rng: random.Random) -> LearnerSpec:
    profile = rng.choices(list(PROFILE_WEIGHTS), weights=list(PROFILE_WEIGHTS.values()))[0]
    employer = rng.randrange(len(EMPLOYERS)) if rng.random() < 0.25 else None
    plan: tuple[int | None, float | None] | None = None
    if rng.random() < 0.03:
        plan = (3, None) if rng.random() < 0.67 else (None, 2.0)
    return LearnerSpec(
        index=index,
        profile=profile,
        pathway=rng.randrange(len(PATHWAYS)),
        start_day=rng.randrange(14),
        employer=employer,
        study_plan=plan,
    )


class _Life:
    """One learner's 12 weeks: when they study, what they send, what happens to them."""

    def __init__(self, spec: LearnerSpec, rng: random.Random, days: int) -> None:
        self.spec, self.rng, self.days = spec, rng, days
        self.pathway = PATHWAYS[spec.pathway]
        self.todo = list(self.pathway.activities)
        self.attempts: list[Attempt] = []
        self.changes: list[Change] = []
        self.finished_at: dt.datetime | None = None
        self.milestones_done = 0
        self.status = Status.ACTIVE
        self._events = self._life_events()

    def _life_events(self) -> dict[int, list[tuple[ChangeKind, str]]]:
        """Changes decided up front: pauses, sudden withdrawals, opt-outs, revoked consent."""
        rng, start = self.rng, self.spec.start_day
        events: dict[int, list[tuple[ChangeKind, str]]] = defaultdict(list)
        if rng.random() < 0.05:
            pause = start + rng.randint(10, 50)
            events[pause].append((ChangeKind.STATUS, Status.PAUSED))
            events[pause + rng.randint(10, 21)].append((ChangeKind.STATUS, Status.ACTIVE))
        if self.spec.profile != Profile.DROPPING_OUT and rng.random() < 0.03:
            events[start + rng.randint(14, 60)].append((ChangeKind.STATUS, Status.WITHDRAWN))
        if rng.random() < 0.08:
            events[rng.randrange(self.days)].append((ChangeKind.OPT_OUT, STUDY_REMINDERS))
        if rng.random() < 0.03:
            events[rng.randrange(self.days)].append((ChangeKind.OPT_OUT, ACHIEVEMENTS))
        if self.spec.employer is not None and rng.random() < 0.10 and self.days > 21:
            events[rng.randint(14, self.days - 7)].append((ChangeKind.CONSENT_REVOKED, ""))
        return events

    def run(self) -> None:
        intensity = self._intensity()
        for day in range(self.days):
            for kind, value in self._events.pop(day, []):
                self._change(day, kind, value)
            if self.status == Status.ACTIVE and day >= self.spec.start_day and self.todo:
                weekend = (START + dt.timedelta(days=day)).weekday() >= 5
                if self.rng.random() < intensity(day) * (0.6 if weekend else 1.0):
                    self._session(day)
                    if not self.todo:
                        self._finished(day)

    def _change(self, day: int, kind: ChangeKind, value: str) -> None:
        if kind == ChangeKind.STATUS:
            # A final state stays final; a resume only ends a pause.
            if self.status in (Status.WITHDRAWN, Status.COMPLETED):
                return
            if value == Status.ACTIVE and self.status != Status.PAUSED:
                return
            self.status = Status(value)
        self.changes.append(Change(day, self.spec.index, kind, value))

    def _finished(self, day: int) -> None:
        """An administrator marks the enrolment completed: usually the next day, sometimes
        weeks later, sometimes never (status updates lag in real registries)."""
        draw = self.rng.random()
        if draw < 0.7:
            lag: int | None = 1
        elif draw < 0.9:
            lag = self.rng.randint(3, 14)
        else:
            lag = None
        if lag is not None and day + lag < self.days:
            self._events[day + lag].append((ChangeKind.STATUS, Status.COMPLETED))

    def _intensity(self) -> Any:
        """The chance of a study session on a weekday, as a function of the day."""
        rng, start = self.rng, self.spec.start_day
        match self.spec.profile:
            case Profile.STEADY:
                # A weekly rhythm (the same two to four weekdays), kept nine weeks in ten.
                weekdays = set(rng.sample(range(7), rng.randint(2, 4)))
                return lambda day: 0.9 if (START.weekday() + day) % 7 in weekdays else 0.0
            case Profile.FADING:
                first, half_life = rng.uniform(0.45, 0.7), rng.uniform(14, 35)
                return lambda day: first * 0.5 ** ((day - start) / half_life)
            case Profile.DROPPING_OUT:
                rate = rng.uniform(2.5, 4.0) / 7
                # Some never start; the others stop within six weeks.
                stop = start + (0 if rng.random() < 0.15 else rng.randint(3, 42))
                if rng.random() < 0.5 and stop + 10 < self.days:
                    withdraw = stop + rng.randint(10, 30)
                    self._events[withdraw].append((ChangeKind.STATUS, Status.WITHDRAWN))
                return lambda day: rate if day < stop else 0.0
        # Bursty: spells of intense study separated by gaps longer than a week.
        busy: set[int] = set()
        day = start + (0 if rng.random() < 0.6 else rng.randint(2, 10))
        while day < self.days:
            length = rng.randint(4, 9)
            busy.update(range(day, day + length))
            day += length + rng.randint(8, 20)
        return lambda day: 0.8 if day in busy else 0.0

    def _session(self, day: int) -> None:
        rng = self.rng
        at = moment(day, dt.time(rng.randrange(STUDY_FROM_HOUR, STUDY_UNTIL_HOUR - 2)))
        at += dt.timedelta(minutes=rng.randrange(60))
        for _ in range(rng.choices((1, 2, 3), weights=(7, 2, 1))[0]):
            if not self.todo:
                return
            activity = self.todo[0]
            at = self._video(activity, at) if not is_quiz(activity) else self._quiz(activity, at)

    def _send(
        self, activity: str, verb: str, at: dt.datetime, seconds: int, **extra: Any
    ) -> dt.datetime:
        statement_id = str(uuid.UUID(int=self.rng.getrandbits(128), version=4))
        self.attempts.append(
            Attempt(statement_id, self.spec.index, activity, verb, at, seconds, **extra)
        )
        return at + dt.timedelta(seconds=seconds + 30)

    def _video(self, activity: str, at: dt.datetime) -> dt.datetime:
        if self.rng.random() < 0.5:
            at = self._send(activity, EXPERIENCED, at, self.rng.randint(120, 600))
        at = self._send(activity, COMPLETED, at, self.rng.randint(300, 900))
        self._done()
        return at

    def _quiz(self, activity: str, at: dt.datetime) -> dt.datetime:
        question = f"{activity}&question={self.rng.randint(1, 10)}"
        at = self._send(question, ANSWERED, at, self.rng.randint(60, 300), parent=activity)
        if self.rng.random() < 0.8:
            scaled = round(self.rng.uniform(QUIZ_PASS_MARK, 1.0), 2)
            at = self._send(activity, PASSED, at, self.rng.randint(300, 1200), scaled=scaled)
            self._done()
        else:
            scaled = round(self.rng.uniform(0.2, QUIZ_PASS_MARK - 0.05), 2)
            at = self._send(activity, FAILED, at, self.rng.randint(300, 1200), scaled=scaled)
        return at

    def _done(self) -> None:
        self.todo.pop(0)
        done = len(self.pathway.activities) - len(self.todo)
        ends = list(_cumulative(len(m.activities) for m in self.pathway.milestones))
        self.milestones_done = sum(1 for end in ends if done >= end)
        if not self.todo:
            self.finished_at = self.attempts[-1].at


def _cumulative(sizes: Iterable[int]) -> Iterable[int]:
    total = 0
    for size in sizes:
        total += size
        yield total


def statement_json(attempt: Attempt, learner: LearnerSpec) -> dict[str, Any]:
    """The xAPI 1.0.3 statement an LMS (logstore_xapi style) sends for the attempt."""
    statement: dict[str, Any] = {
        "id": attempt.statement_id,
        "actor": {"objectType": "Agent", "mbox": f"mailto:{learner.email}"},
        "verb": {"id": attempt.verb, "display": {"en": attempt.verb.rsplit("/", 1)[-1]}},
        "object": {"objectType": "Activity", "id": attempt.activity},
        "timestamp": attempt.at.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "result": {"duration": f"PT{attempt.seconds}S"},
    }
    if attempt.scaled is not None:
        statement["result"]["score"] = {"scaled": attempt.scaled}
        statement["result"]["success"] = attempt.verb == PASSED
    if attempt.parent is not None:
        statement["context"] = {"contextActivities": {"parent": [{"id": attempt.parent}]}}
    return statement


# --- The ledger and the checks -----------------------------------------------------------------


class Ledger:
    """Every directory change of the simulation, to ask what held at a decision's time."""

    def __init__(self, changes: Iterable[Change]) -> None:
        self._status: dict[int, list[tuple[dt.datetime, str]]] = defaultdict(list)
        self._opt_outs: dict[int, list[tuple[dt.datetime, str]]] = defaultdict(list)
        self._revoked: dict[int, dt.datetime] = {}
        for change in changes:
            at = moment(change.day, CHANGE_AT)
            match change.kind:
                case ChangeKind.STATUS:
                    self._status[change.learner].append((at, change.value))
                case ChangeKind.OPT_OUT:
                    self._opt_outs[change.learner].append((at, change.value))
                case ChangeKind.CONSENT_REVOKED:
                    self._revoked[change.learner] = at

    def status_at(self, learner: int, at: dt.datetime) -> str:
        history = self._status.get(learner, [])
        position = bisect_right([when for when, _ in history], at)
        return history[position - 1][1] if position else Status.ACTIVE

    def opted_out_at(self, learner: int, at: dt.datetime) -> frozenset[str]:
        return frozenset(topic for when, topic in self._opt_outs.get(learner, []) if when <= at)

    def consent_revoked_at(self, learner: int, at: dt.datetime) -> bool:
        revoked = self._revoked.get(learner)
        return revoked is not None and revoked <= at

    def count(self, kind: ChangeKind, value: str | None = None) -> int:
        match kind:
            case ChangeKind.STATUS:
                found = [v for h in self._status.values() for _, v in h]
            case ChangeKind.OPT_OUT:
                found = [v for h in self._opt_outs.values() for _, v in h]
            case _:
                found = [""] * len(self._revoked)
        return sum(1 for v in found if value is None or v == value)


@dataclass(frozen=True)
class DecisionRecord:
    """A stored decision, in the simulation's terms (the pipeline maps the rows)."""

    rule_id: int
    kind: str
    person_id: int
    learner: int  # the simulated learner whose enrolment it is about
    to_learner: bool  # False: a teacher or an employer contact
    window: str
    action_type: str
    holdout: str  # "", "rule" or "global"
    decided_at: dt.datetime


@dataclass(frozen=True)
class Violation:
    learner: int
    kind: str
    decided_at: dt.datetime
    why: str

    def __str__(self) -> str:
        return (
            f"learner {self.learner}: {self.kind} at {self.decided_at:%Y-%m-%d %H:%M}: {self.why}"
        )


def violations(
    decisions: Iterable[DecisionRecord], sim: Simulation, ledger: Ledger
) -> list[Violation]:
    """Decisions the design forbids, given what held when they were made: a learner nudge
    about an enrolment that was not active (an achievement only when it was withdrawn), to a
    learner opted out of its topic, or an employer line after the consent was revoked."""
    found: list[Violation] = []
    for d in decisions:
        status = ledger.status_at(d.learner, d.decided_at)
        if d.kind in EVENT_KINDS:
            if status == Status.WITHDRAWN:
                found.append(Violation(d.learner, d.kind, d.decided_at, "enrolment withdrawn"))
        elif status != Status.ACTIVE:
            found.append(Violation(d.learner, d.kind, d.decided_at, f"enrolment {status}"))
        topic = _topic(d.kind)
        if d.to_learner and topic in ledger.opted_out_at(d.learner, d.decided_at):
            found.append(Violation(d.learner, d.kind, d.decided_at, f"opted out of {topic}"))
        if d.kind == "employer_summary_line" and (
            sim.learners[d.learner].employer is None
            or ledger.consent_revoked_at(d.learner, d.decided_at)
        ):
            found.append(Violation(d.learner, d.kind, d.decided_at, "no active consent"))
    return found


def after_finishing(decisions: Iterable[DecisionRecord], sim: Simulation) -> list[Violation]:
    """Study reminders and red lights about learners who had already finished every milestone
    of the pathway (by their statements) but whose enrolment was still marked active."""
    kinds = STUDY_REMINDER_KINDS | {"teacher_alert"}
    return [
        Violation(d.learner, d.kind, d.decided_at, f"finished at {finished:%Y-%m-%d %H:%M}")
        for d in decisions
        if d.kind in kinds
        and (finished := sim.finished_at.get(d.learner)) is not None
        and finished < d.decided_at
    ]


def _topic(kind: str) -> str | None:
    if kind in STUDY_REMINDER_KINDS:
        return STUDY_REMINDERS
    if kind in ACHIEVEMENT_KINDS:
        return ACHIEVEMENTS
    return None


def duplicates(decisions: Iterable[DecisionRecord]) -> list[tuple[int, int, int, str]]:
    """Dedup keys (rule, person, enrolment, window) stored more than once; the simulation
    gives each learner one enrolment, so the learner stands for the enrolment."""
    counts = Counter((d.rule_id, d.person_id, d.learner, d.window) for d in decisions)
    return [key for key, count in counts.items() if count > 1]


# --- Holdout shares ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Share:
    held: int
    of: int
    expected: float

    @property
    def share(self) -> float:
        return self.held / self.of if self.of else 0.0

    @property
    def off_points(self) -> float:
        return 100 * abs(self.share - self.expected)

    def tolerance_points(self, sds: float = 4.0) -> float:
        """`sds` binomial standard deviations, in percentage points: the spread a share of
        `of` independent draws shows by chance."""
        return 100 * sds * math.sqrt(self.expected * (1 - self.expected) / max(self.of, 1))

    def __str__(self) -> str:
        return (
            f"{100 * self.share:.2f}% of {self.of:,} (setting {100 * self.expected:g}%, "
            f"off by {self.off_points:.2f} points)"
        )


@dataclass(frozen=True)
class Holdouts:
    """Among decisions about learners (teachers and employer contacts are too few people for
    a share to mean anything): by decision, and by the unit of the draw."""

    global_by_decision: Share
    rule_by_decision: Share  # among decisions not held out globally
    global_by_person: Share  # learners with any decision
    rule_by_pair: Share  # (rule, learner) pairs not held out globally


def holdouts(
    decisions: Iterable[DecisionRecord], rule_share: float, global_share: float
) -> Holdouts:
    learner_decisions = [d for d in decisions if d.to_learner]
    not_global = [d for d in learner_decisions if d.holdout != "global"]
    person_global = {d.person_id: d.holdout == "global" for d in learner_decisions}
    pair_rule = {(d.rule_id, d.person_id): d.holdout == "rule" for d in not_global}
    return Holdouts(
        global_by_decision=Share(
            sum(1 for d in learner_decisions if d.holdout == "global"),
            len(learner_decisions),
            global_share,
        ),
        rule_by_decision=Share(
            sum(1 for d in not_global if d.holdout == "rule"), len(not_global), rule_share
        ),
        global_by_person=Share(sum(person_global.values()), len(person_global), global_share),
        rule_by_pair=Share(sum(pair_rule.values()), len(pair_rule), rule_share),
    )


# --- Nudges per learner per week ---------------------------------------------------------------


@dataclass(frozen=True)
class Distribution:
    values: tuple[int, ...]

    @property
    def mean(self) -> float:
        return statistics.fmean(self.values) if self.values else 0.0

    def quantile(self, q: float) -> int:
        ordered = sorted(self.values)
        return ordered[min(len(ordered) - 1, int(q * len(ordered)))] if ordered else 0

    @property
    def maximum(self) -> int:
        return max(self.values, default=0)

    def histogram(self, top: int = 4) -> dict[str, float]:
        """Share of values 0, 1, ..., top-1 and top or more."""
        counts = Counter(min(v, top) for v in self.values)
        total = max(len(self.values), 1)
        return {(f"{n}+" if n == top else str(n)): counts.get(n, 0) / total for n in range(top + 1)}

    def __str__(self) -> str:
        shares = ", ".join(f"{k}: {100 * v:.1f}%" for k, v in self.histogram().items())
        return (
            f"mean {self.mean:.2f}, p50 {self.quantile(0.5)}, p90 {self.quantile(0.9)}, "
            f"p99 {self.quantile(0.99)}, max {self.maximum} ({shares})"
        )


def nudges_per_learner_week(
    decisions: Iterable[DecisionRecord], sim: Simulation, *, delivered_only: bool = False
) -> Distribution:
    """Nudges to learners in each (learner, week) of the simulation, zeros included, from the
    week the enrolment started."""
    counts: Counter[tuple[int, int]] = Counter()
    for d in decisions:
        if d.to_learner and d.action_type == "nudge" and not (delivered_only and d.holdout):
            counts[(d.learner, (d.decided_at.date() - START).days // 7)] += 1
    weeks = sim.days // 7
    return Distribution(
        tuple(
            counts[(learner.index, week)]
            for learner in sim.learners
            for week in range(learner.start_day // 7, weeks)
        )
    )


def per_profile(
    decisions: Iterable[DecisionRecord],
    sim: Simulation,
    kinds: frozenset[str],
    *,
    reached: bool = False,
) -> dict[Profile, float]:
    """Mean decisions of these kinds per learner of each profile (with `reached`: the share
    of its learners with at least one)."""
    counts: Counter[int] = Counter(d.learner for d in decisions if d.kind in kinds and d.to_learner)
    by_profile: dict[Profile, list[int]] = defaultdict(list)
    for learner in sim.learners:
        count = counts[learner.index]
        by_profile[learner.profile].append(min(count, 1) if reached else count)
    return {p: statistics.fmean(by_profile[p]) if by_profile[p] else 0.0 for p in Profile}


@dataclass
class Report:
    """What a run showed; the bench prints it and the CI test asserts on it."""

    learners: int
    statements: int
    decisions: int
    duplicates: list[tuple[int, int, int, str]]
    rerun_new_decisions: int
    rerun_repost_error: str | None
    violations: list[Violation]
    after_finishing: list[Violation]
    holdouts: Holdouts
    nudges: Distribution
    delivered_nudges: Distribution
    inactive_by_profile: dict[Profile, float]
    inactive_reach_by_profile: dict[Profile, float]
    achievements_by_profile: dict[Profile, float]
    nudges_by_profile: dict[Profile, float]
    decisions_by_kind: dict[str, int]
    projection_mismatches: list[str] = field(default_factory=list)
    ledger_counts: dict[str, int] = field(default_factory=dict)


def report(
    decisions: Sequence[DecisionRecord],
    sim: Simulation,
    *,
    rule_share: float,
    global_share: float,
    rerun_new_decisions: int,
    rerun_repost_error: str | None,
    projection_mismatches: list[str],
) -> Report:
    ledger = sim.ledger()
    nudge_kinds = STUDY_REMINDER_KINDS | ACHIEVEMENT_KINDS
    return Report(
        learners=len(sim.learners),
        statements=sim.statement_count,
        decisions=len(decisions),
        duplicates=duplicates(decisions),
        rerun_new_decisions=rerun_new_decisions,
        rerun_repost_error=rerun_repost_error,
        violations=violations(decisions, sim, ledger),
        after_finishing=after_finishing(decisions, sim),
        holdouts=holdouts(decisions, rule_share, global_share),
        nudges=nudges_per_learner_week(decisions, sim),
        delivered_nudges=nudges_per_learner_week(decisions, sim, delivered_only=True),
        inactive_by_profile=per_profile(decisions, sim, frozenset({"inactive"})),
        inactive_reach_by_profile=per_profile(
            decisions, sim, frozenset({"inactive"}), reached=True
        ),
        achievements_by_profile=per_profile(decisions, sim, ACHIEVEMENT_KINDS),
        nudges_by_profile=per_profile(decisions, sim, nudge_kinds),
        decisions_by_kind=dict(sorted(Counter(d.kind for d in decisions).items())),
        projection_mismatches=projection_mismatches,
        ledger_counts={
            "withdrawn": ledger.count(ChangeKind.STATUS, Status.WITHDRAWN),
            "paused": ledger.count(ChangeKind.STATUS, Status.PAUSED),
            "completed": ledger.count(ChangeKind.STATUS, Status.COMPLETED),
            "opted out of study reminders": ledger.count(ChangeKind.OPT_OUT, STUDY_REMINDERS),
            "opted out of achievements": ledger.count(ChangeKind.OPT_OUT, ACHIEVEMENTS),
            "consents revoked": ledger.count(ChangeKind.CONSENT_REVOKED),
        },
    )


def report_lines(result: Report) -> list[str]:
    """The report as text, one finding a line."""
    h = result.holdouts
    profiles = ", ".join(
        f"{p}: {100 * result.inactive_reach_by_profile[p]:.0f}% reached by inactive, "
        f"{result.inactive_by_profile[p]:.2f} inactive / "
        f"{result.achievements_by_profile[p]:.2f} achievements / "
        f"{result.nudges_by_profile[p]:.2f} nudges"
        for p in Profile
    )
    return [
        f"learners {result.learners:,}, statements {result.statements:,}, "
        f"decisions {result.decisions:,}",
        f"decisions by kind: {result.decisions_by_kind}",
        f"directory changes: {result.ledger_counts}",
        f"duplicate decisions: {len(result.duplicates)}; new decisions when a day is rerun: "
        f"{result.rerun_new_decisions}; the day's statements posted again: "
        f"{result.rerun_repost_error or 'accepted'}",
        f"decisions the ledger forbids: {len(result.violations)}",
        f"study reminders/red lights after the learner finished (status still active): "
        f"{len(result.after_finishing)} {dict(Counter(v.kind for v in result.after_finishing))}",
        f"projection disagreeing with the simulator: {len(result.projection_mismatches)}",
        f"global holdout, by decision: {h.global_by_decision}",
        f"rule holdout among the rest, by decision: {h.rule_by_decision}",
        f"global holdout, by learner: {h.global_by_person}",
        f"rule holdout, by (rule, learner): {h.rule_by_pair}",
        f"nudges per learner per week (decided): {result.nudges}",
        f"nudges per learner per week (delivered, holdouts left out): {result.delivered_nudges}",
        f"per learner, by profile: {profiles}",
    ]
