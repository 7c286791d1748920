"""Eight weeks of study by the demo's learners, as xAPI statements (pure).

`demo_traffic(seed=, today=, size=)` depends on its arguments only: the same seed, day and
size give the same statements with the same ids, so a second replay sends nothing new (the
LRS accepts an identical id and content without a second copy). Ids are uuid5 of the seed,
the size and the statement's position; H5P sends no id in the real world, the demo gives
it one all the same so its replays stay idempotent too.

The anchor is a day, not an instant: timestamps are local study times on the days before
`today`, so a replay later the same day is identical, and replay.py finds the day of an
earlier replay from its first stored statement.
"""

import random
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from backend.demo import senders
from backend.demo.catalogue import (
    CHEMISTRY,
    CHEMISTRY_CHAPTERS,
    CHEMISTRY_QUIZ_MAX,
    CHEMISTRY_QUIZ_PASS,
    EDX_SITE,
    H5P_ITEMS,
    H5P_SPLIT,
    LEARNERS,
    RECYCLING_PROBLEMS,
    RECYCLING_VIDEOS,
    SAFETY,
    SAFETY_UNITS,
    Course,
    Learner,
    MoodleCourse,
    Rhythm,
)
from backend.demo.senders import Statement

HELSINKI = ZoneInfo("Europe/Helsinki")
WINDOW_DAYS = 56
# The mean size of a study session (measured on the default run). It only sizes the plan:
# whole sessions are dropped or course-page views added to hit the requested size exactly.
STATEMENTS_PER_SESSION = 3.6
# Fixed, so that ids are reproducible: uuid5(DEMO_NAMESPACE, "seed:size:position").
DEMO_NAMESPACE = uuid.UUID("6f1c2b9e-4a57-4d3e-9b8a-0c5d7e2f1a93")
# Now and then a learner goes back over done material instead of moving on.
REVIEW_CHANCE = 0.2
# Below this the plan has too few sessions to show every sender.
MIN_SIZE = 50


@dataclass(frozen=True)
class Event:
    at: datetime
    learner: int
    statement: Statement
    mistaken: bool = False


@dataclass(frozen=True)
class DemoTraffic:
    statements: list[Statement]
    # A quiz attempt submitted by accident, and the teacher's statement voiding it.
    mistaken_attempt_id: str | None
    voiding: Statement | None


@dataclass
class Progress:
    """One learner's way through the pathway while their sessions are made."""

    learner: Learner
    index: int
    units: list[tuple[Course, int]]
    started: set[Course] = field(default_factory=set)
    quiz_attempts: int = 0
    failures: int = 0
    passed_units: set[int] = field(default_factory=set)
    edx_registered: bool = False


# --- When people study -----------------------------------------------------------------

# (weight, earliest start, latest start) for Monday..Sunday, in minutes after local midnight.
Slot = tuple[float, int, int]
_H = 60
_WEEK: dict[Rhythm, tuple[Slot, ...]] = {
    Rhythm.EVENINGS: (*[(1.0, 18 * _H, 21 * _H + 30)] * 4, (0.3, 19 * _H, 21 * _H),
                      (0.25, 10 * _H, 13 * _H), (0.5, 18 * _H, 21 * _H)),
    Rhythm.WEEKENDS: (*[(0.08, 19 * _H + 30, 21 * _H)] * 5, (1.0, 9 * _H, 14 * _H),
                      (1.0, 10 * _H, 16 * _H)),
    Rhythm.LUNCH: (*[(1.0, 11 * _H + 15, 12 * _H + 15)] * 5, (0.05, 10 * _H, 12 * _H),
                   (0.45, 19 * _H + 30, 21 * _H + 30)),
}  # fmt: skip
_MORNING_AFTER_NIGHT: Slot = (0.55, 7 * _H + 15, 9 * _H + 30)
_BEFORE_EVENING_SHIFT: Slot = (0.55, 13 * _H, 14 * _H + 30)


def _slot(rhythm: Rhythm, day: date) -> Slot:
    if rhythm == Rhythm.SHIFTS:
        # Shifts rotate weekly: a week of nights (study after), a week of evenings (before).
        night_week = (day.toordinal() // 7) % 2 == 0
        return _MORNING_AFTER_NIGHT if night_week else _BEFORE_EVENING_SHIFT
    return _WEEK[rhythm][day.weekday()]


def _paused(learner: Learner, days_ago: int) -> bool:
    return any(first <= days_ago <= last for first, last in learner.pauses)


def study_days(rng: random.Random, learner: Learner, today: date, count: int) -> list[date]:
    """`count` days of the window, drawn by the rhythm's weights (Efraimidis–Spirakis)."""
    keyed: list[tuple[float, date]] = []
    for days_ago in range(1, WINDOW_DAYS + 1):
        day = today - timedelta(days=days_ago)
        weight = _slot(learner.rhythm, day)[0]
        if not _paused(learner, days_ago):
            keyed.append((rng.random() ** (1 / weight), day))
    keyed.sort(reverse=True)
    return sorted(day for _, day in keyed[:count])


def session_start(rng: random.Random, rhythm: Rhythm, day: date) -> datetime:
    _, earliest, latest = _slot(rhythm, day)
    minute = rng.randint(earliest, latest)
    clock = time(minute // 60, minute % 60, rng.randrange(60), rng.randrange(1000) * 1000)
    return datetime.combine(day, clock, tzinfo=HELSINKI)


# --- Identities and enrolments -------------------------------------------------------------


def learner_agents(learner: Learner) -> list[dict[str, Any]]:
    """The learner's identities as the senders name them: Moodle (and cmi5 launched from
    it), Open edX and H5P each know the learner by a different IFI."""
    return [
        {"account": senders.moodle_actor(learner)["account"]},
        {"account": senders.edx_actor(learner)["account"]},
        {"mbox": f"mailto:{learner.email}"},
    ]


def _registration(kind: str, course_id: int, learner: Learner) -> str:
    """One registration per enrolment, the same in every replay (no seed in it)."""
    return str(uuid.uuid5(DEMO_NAMESPACE, f"{kind}:{course_id}:{learner.moodle_user_id}"))


def _session_uuid(rng: random.Random) -> str:
    return str(uuid.UUID(int=rng.getrandbits(128), version=4))


def _after(at: datetime, rng: random.Random, low: float, high: float) -> datetime:
    """A moment `low`..`high` seconds later, to the millisecond."""
    return at + timedelta(milliseconds=rng.randint(int(low * 1000), int(high * 1000)))


def _score(rng: random.Random, skill: float) -> float:
    return min(1.0, max(0.05, rng.gauss(skill, 0.12)))


# --- Sessions ------------------------------------------------------------------------------

Session = list[Event]


def _event(progress: Progress, at: datetime, statement: Statement, mistaken: bool = False) -> Event:
    return Event(at=at, learner=progress.index, statement=statement, mistaken=mistaken)


def _course_view(progress: Progress, course: MoodleCourse, at: datetime) -> Event:
    registration = _registration("moodle", course.course_id, progress.learner)
    return _event(
        progress, at, senders.moodle_course_viewed(progress.learner, course, registration, at)
    )


def reading_session(
    progress: Progress, part: int, rng: random.Random, at: datetime
) -> tuple[Session, bool]:
    """Two book chapters, then the H5P checks embedded in the second."""
    learner = progress.learner
    registration = _registration("moodle", CHEMISTRY.course_id, learner)
    events = [_course_view(progress, CHEMISTRY, at)]
    for chapter in CHEMISTRY_CHAPTERS[2 * part : 2 * part + 2]:
        at = _after(at, rng, 20, 90)
        events.append(
            _event(
                progress,
                at,
                senders.moodle_chapter_viewed(learner, CHEMISTRY, chapter, registration, at),
            )
        )
        at = _after(at, rng, 240, 900)
    for item in H5P_ITEMS[:H5P_SPLIT] if part == 0 else H5P_ITEMS[H5P_SPLIT:]:
        seconds = rng.uniform(4, 40)
        at = _after(at, rng, seconds, seconds + 20)
        correct = rng.random() < learner.skill
        events.append(
            _event(
                progress,
                at,
                senders.h5p_answered(learner, item, at, correct=correct, seconds=seconds),
            )
        )
    return events, True


def _quiz_attempt(progress: Progress, rng: random.Random, at: datetime, *, accident: bool) -> Event:
    progress.quiz_attempts += 1
    boost = 0.15 * progress.failures  # a learner who failed studies before the next try
    grade = (
        0.0
        if accident
        else round(_score(rng, progress.learner.skill + boost) * CHEMISTRY_QUIZ_MAX, 2)
    )
    seconds = rng.uniform(20, 45) if accident else rng.uniform(8 * 60, 25 * 60)
    statement = senders.moodle_quiz_completed(
        progress.learner,
        CHEMISTRY,
        _registration("moodle", CHEMISTRY.course_id, progress.learner),
        at,
        attempt_id=7000 + 10 * progress.index + progress.quiz_attempts,
        grade=grade,
        passed=grade >= CHEMISTRY_QUIZ_PASS,
        seconds=seconds,
    )
    return _event(progress, at, statement, mistaken=accident)


def quiz_session(
    progress: Progress, part: int, rng: random.Random, at: datetime
) -> tuple[Session, bool]:
    """A quiz attempt; the learner who submits by accident does so on the first try and
    starts a proper attempt a few minutes later."""
    events = [_course_view(progress, CHEMISTRY, at)]
    if progress.learner.submits_by_accident and progress.quiz_attempts == 0:
        at = _after(at, rng, 60, 120)
        events.append(_quiz_attempt(progress, rng, at, accident=True))
    at = _after(at, rng, 10 * 60, 26 * 60)
    attempt = _quiz_attempt(progress, rng, at, accident=False)
    events.append(attempt)
    passed = bool(attempt.statement["result"]["success"])
    progress.failures = 0 if passed else progress.failures + 1
    return events, passed


def au_session(
    progress: Progress, part: int, rng: random.Random, at: datetime
) -> tuple[Session, bool]:
    """One cmi5 AU launched from Moodle: launched → initialized → passed/failed →
    completed (first pass only) → terminated; the LMS adds satisfied after the last AU."""
    learner, unit = progress.learner, SAFETY_UNITS[part]
    registration = _registration("cmi5", SAFETY.course_id, learner)
    session_id = _session_uuid(rng)
    started = at = _after(at, rng, 15, 60)
    events = [_course_view(progress, SAFETY, at - timedelta(seconds=10))]

    def cmi5(verb: str, **kwargs: Any) -> None:
        statement = senders.cmi5_statement(
            learner, unit, at, verb=verb, registration=registration, session_id=session_id, **kwargs
        )
        events.append(_event(progress, at, statement))

    cmi5("launched", extensions=senders.cmi5_launch_extensions(unit))
    at = _after(at, rng, 2, 6)
    cmi5("initialized")
    at = _after(at, rng, 6 * 60, 20 * 60)
    scaled = round(_score(rng, learner.skill + 0.15 * progress.failures), 2)
    passed = scaled >= unit.mastery_score
    result = {
        "score": {"scaled": scaled},
        "success": passed,
        "duration": senders.duration((at - started).total_seconds()),
    }
    mastery = {f"{senders.CMI5_EXT}masteryscore": unit.mastery_score}
    cmi5("passed" if passed else "failed", result=result, moveon=True, extensions=mastery)
    if passed:
        at = _after(at, rng, 1, 3)
        cmi5("completed", result={"completion": True, "duration": result["duration"]}, moveon=True)
        progress.passed_units.add(part)
    at = _after(at, rng, 5, 40)
    cmi5("terminated", result={"duration": senders.duration((at - started).total_seconds())})
    if passed and len(progress.passed_units) == len(SAFETY_UNITS):
        at = _after(at, rng, 1, 2)
        satisfied = senders.cmi5_course_satisfied(
            learner, at, registration=registration, session_id=session_id
        )
        events.append(_event(progress, at, satisfied))
    progress.failures = 0 if passed else progress.failures + 1
    return events, passed


def video_session(
    progress: Progress, part: int, rng: random.Random, at: datetime
) -> tuple[Session, bool]:
    """Open edX: (registered), a video played and completed, then its problem."""
    learner, video, problem = progress.learner, RECYCLING_VIDEOS[part], RECYCLING_PROBLEMS[part]
    session_id = f"{rng.getrandbits(128):032x}"
    events: Session = []
    if not progress.edx_registered:
        events.append(
            _event(progress, at, senders.edx_registered(learner, at, session_id=session_id))
        )
        progress.edx_registered = True
        at = _after(at, rng, 30, 120)
    events.append(
        _event(
            progress,
            at,
            senders.edx_video(
                learner, video, at, session_id=session_id, completed=False, seconds=0.033
            ),
        )
    )
    watched = video.seconds * rng.uniform(1.0, 1.35)  # pauses and rewinds
    at = _after(at, rng, watched, watched + 5)
    events.append(
        _event(
            progress,
            at,
            senders.edx_video(
                learner, video, at, session_id=session_id, completed=True, seconds=watched
            ),
        )
    )
    for attempt in (1, 2):
        at = _after(at, rng, 40, 240)
        correct = attempt == 2 or rng.random() < learner.skill
        statement = senders.edx_problem_evaluated(
            learner, problem, at, session_id=session_id, correct=correct, attempt=attempt
        )
        events.append(_event(progress, at, statement))
        if correct:
            break
    return events, True


def review_session(progress: Progress, rng: random.Random, at: datetime) -> Session:
    """Going back over material: a chapter in Moodle or a replayed Open edX video."""
    learner = progress.learner
    if Course.RECYCLING in progress.started and (
        Course.CHEMISTRY not in progress.started or rng.random() < 0.5
    ):
        video = rng.choice(RECYCLING_VIDEOS)
        position = round(rng.uniform(0, video.seconds * 0.8), 3)
        return [
            _event(
                progress,
                at,
                senders.edx_video(
                    learner,
                    video,
                    at,
                    session_id=f"{rng.getrandbits(128):032x}",
                    completed=False,
                    seconds=position,
                ),
            )
        ]
    course = CHEMISTRY if Course.CHEMISTRY in progress.started else SAFETY
    events = [_course_view(progress, course, at)]
    if course is CHEMISTRY:
        at = _after(at, rng, 20, 90)
        chapter = rng.choice(CHEMISTRY_CHAPTERS)
        registration = _registration("moodle", CHEMISTRY.course_id, learner)
        events.append(
            _event(
                progress,
                at,
                senders.moodle_chapter_viewed(learner, CHEMISTRY, chapter, registration, at),
            )
        )
    return events


SessionMaker = Callable[[Progress, int, random.Random, datetime], tuple[Session, bool]]
_UNITS: dict[Course, list[tuple[SessionMaker, int]]] = {
    Course.CHEMISTRY: [(reading_session, 0), (reading_session, 1), (quiz_session, 0)],
    Course.SAFETY: [(au_session, 0), (au_session, 1), (au_session, 2)],
    Course.RECYCLING: [(video_session, 0), (video_session, 1), (video_session, 2)],
}


def learner_sessions(
    learner: Learner, index: int, seed: int, today: date, count: int
) -> list[Session]:
    """`count` sessions of one learner, moving through their courses in their order."""
    # A stream per learner: one learner's plan does not shift when another's changes.
    rng = random.Random(f"{seed}:{learner.moodle_user_id}")  # noqa: S311 (reproducible, not secret)
    progress = Progress(
        learner, index, [(course, n) for course in learner.course_order for n in range(3)]
    )
    sessions: list[Session] = []
    for day in study_days(rng, learner, today, count):
        at = session_start(rng, learner.rhythm, day)
        if not progress.units or (progress.started and rng.random() < REVIEW_CHANCE):
            sessions.append(review_session(progress, rng, at))
            continue
        course, position = progress.units[0]
        progress.started.add(course)
        maker, part = _UNITS[course][position]
        events, done = maker(progress, part, rng, at)
        if done:
            progress.units.pop(0)
        sessions.append(events)
    return sessions


# --- The whole stream ------------------------------------------------------------------------


def _quotas(size: int) -> list[int]:
    total = sum(learner.engagement for learner in LEARNERS)
    return [
        max(1, round(size * learner.engagement / total / STATEMENTS_PER_SESSION))
        for learner in LEARNERS
    ]


def _fit(plans: list[list[Session]], size: int) -> None:
    """Drop last sessions, busiest learner for their engagement first, until `size` fits."""

    def load(index: int) -> float:
        return sum(len(events) for events in plans[index]) / LEARNERS[index].engagement

    while sum(len(events) for sessions in plans for events in sessions) > size:
        plans[max(range(len(plans)), key=load)].pop()


def _padding(plans: list[list[Session]], seed: int, today: date, count: int) -> list[Event]:
    """Quick looks at a course page (Moodle's most common statement) on study days."""
    rng = random.Random(f"{seed}:padding")  # noqa: S311 (reproducible, not secret)
    active = [index for index, sessions in enumerate(plans) if sessions]
    events: list[Event] = []
    for _ in range(count):
        index = rng.choices(active, [LEARNERS[n].engagement for n in active])[0]
        learner = LEARNERS[index]
        day = rng.choice(plans[index])[0].at.date()
        at = session_start(rng, learner.rhythm, day)
        course = rng.choice((CHEMISTRY, SAFETY))
        progress = Progress(learner, index, [])
        events.append(_course_view(progress, course, at))
    return events


def _with_ids(events: Sequence[Event], seed: int, size: int) -> list[Statement]:
    return [
        {"id": str(uuid.uuid5(DEMO_NAMESPACE, f"{seed}:{size}:{position}")), **event.statement}
        for position, event in enumerate(events)
    ]


def _voiding(mistaken: Event, target_id: str, seed: int, size: int) -> Statement:
    """The teacher voids the accidental attempt the next morning."""
    next_morning = datetime.combine(
        mistaken.at.date() + timedelta(days=1), time(8, 10, 27), tzinfo=HELSINKI
    )
    return {
        "id": str(uuid.uuid5(DEMO_NAMESPACE, f"{seed}:{size}:void")),
        **senders.moodle_voided(target_id, next_morning),
    }


def demo_traffic(*, seed: int, today: date, size: int) -> DemoTraffic:
    """`size` statements of the eight weeks before `today`, oldest first."""
    if size < MIN_SIZE:
        raise ValueError(f"the demo needs at least {MIN_SIZE} statements, not {size}")
    plans = [
        learner_sessions(learner, index, seed, today, quota)
        for index, (learner, quota) in enumerate(zip(LEARNERS, _quotas(size), strict=True))
    ]
    _fit(plans, size)
    planned = sum(len(events) for sessions in plans for events in sessions)
    events = [event for sessions in plans for events in sessions for event in events]
    events += _padding(plans, seed, today, size - planned)
    # Sorting by local time keeps the order the same whatever day anchors the stream.
    events.sort(key=lambda event: (event.at.replace(tzinfo=None), event.learner))
    statements = _with_ids(events, seed, size)
    position = next((n for n, event in enumerate(events) if event.mistaken), None)
    if position is None:
        return DemoTraffic(statements, None, None)
    target = statements[position]["id"]
    return DemoTraffic(statements, target, _voiding(events[position], target, seed, size))


def sender_of(statement: Statement) -> str:
    """Which kind of system sent a statement, told by the shape each sender gives it."""
    context = statement.get("context", {})
    categories = {a["id"] for a in context.get("contextActivities", {}).get("category", [])}
    if senders.CMI5_CATEGORY in categories:
        return "cmi5"
    if context.get("platform") == "Moodle":
        return "Moodle"
    if "mbox" in statement["actor"]:
        return "H5P"
    if statement["actor"].get("account", {}).get("homePage") == EDX_SITE:
        return "Open edX"
    return "other"


def sender_counts(statements: Sequence[Statement]) -> dict[str, int]:
    counts: dict[str, int] = {}
    for statement in statements:
        sender = sender_of(statement)
        counts[sender] = counts.get(sender, 0) + 1
    return dict(sorted(counts.items(), key=lambda item: -item[1]))
