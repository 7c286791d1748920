"""A realistic world of LMS traffic for the benchmarks, and the statements it produces.

Several organisations, each with its own LMS (Moodle-style IRIs, as logstore_xapi sends
them); thousands of learners whose activity follows a power law (a few very active, most
occasional); courses of 15-54 activities; one registration per learner and course; teachers
named as instructors; and a few percent voiding statements and StatementRefs aimed at
statements sent earlier. The same seed gives the same statements, ids included.
"""

import random
import uuid
from collections import deque
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import cache
from itertools import accumulate
from typing import Any

Statement = dict[str, Any]
ADL = "http://adlnet.gov/expapi/verbs/"
VOIDED = f"{ADL}voided"
# Verb IRI and how often an LMS sends it (logstore_xapi on a typical course mix).
VERB_WEIGHTS = {
    f"{ADL}experienced": 30,
    f"{ADL}attempted": 12,
    f"{ADL}answered": 22,
    f"{ADL}completed": 12,
    f"{ADL}passed": 7,
    f"{ADL}failed": 3,
    f"{ADL}progressed": 8,
    f"{ADL}scored": 6,
}
SCORED = {f"{ADL}{name}" for name in ("answered", "completed", "passed", "failed", "scored")}
VOIDING_SHARE = 0.015  # a teacher voids a statement: the target becomes voided
REFERENCE_SHARE = 0.01  # a teacher comments on a statement (a StatementRef, not voiding)
INSTRUCTOR_SHARE = 0.25
TEACHERS = 40
MODULE_KINDS = {
    "quiz": "http://adlnet.gov/expapi/activities/assessment",
    "page": "http://adlnet.gov/expapi/activities/lesson",
    "resource": "http://id.tincanapi.com/activitytype/document",
    "video": "http://adlnet.gov/expapi/activities/media",
    "assign": "http://adlnet.gov/expapi/activities/interaction",
    "scorm": "http://adlnet.gov/expapi/activities/module",
}
_KINDS = tuple(MODULE_KINDS)


@dataclass(frozen=True)
class Lms:
    """One organisation's LMS: its learners, courses, and its share of all traffic."""

    slug: str
    home_page: str
    learners: int
    courses: int
    share: float
    mbox_actors: bool = False  # identifies learners by e-mail; the others by LMS account


ORGANISATIONS = (
    Lms("savonia", "https://moodle.savonia.example", 4000, 160, 0.45),
    Lms("vamk", "https://moodle.vamk.example", 2500, 110, 0.25),
    Lms("centria", "https://learn.centria.example", 1500, 80, 0.2, mbox_actors=True),
    Lms("oulu-vocational", "https://moodle.osao.example", 1000, 60, 0.1),
)


def course_iri(lms: Lms, course: int) -> str:
    return f"{lms.home_page}/course/view.php?id={course + 1}"


def module_count(course: int) -> int:
    return 15 + (course * 7919) % 40


def module_iri(lms: Lms, course: int, module: int) -> str:
    kind = _KINDS[(course + module) % len(_KINDS)]
    return f"{lms.home_page}/mod/{kind}/view.php?id={course * 100 + module + 1}"


def actor(lms: Lms, learner: int) -> dict[str, Any]:
    name = f"Learner {learner + 1} ({lms.slug})"
    if lms.mbox_actors:
        return {"objectType": "Agent", "name": name, "mbox": learner_mbox(lms, learner)}
    account = {"homePage": lms.home_page, "name": str(learner + 1)}
    return {"objectType": "Agent", "name": name, "account": account}


def learner_mbox(lms: Lms, learner: int) -> str:
    return f"mailto:learner{learner + 1}@{lms.slug}.example"


def teacher(lms: Lms, number: int) -> dict[str, Any]:
    return {"objectType": "Agent", "mbox": f"mailto:teacher{number + 1}@{lms.slug}.example"}


@cache
def _power_law(count: int, exponent: float) -> list[float]:
    """Cumulative weights of 1/(i+1)^exponent: item 0 is the most frequent."""
    return list(accumulate(1 / (i + 1) ** exponent for i in range(count)))


@cache
def learner_courses(lms: Lms, learner: int) -> tuple[int, ...]:
    """The 2-5 courses a learner takes; popular courses are taken more often."""
    rng = random.Random(f"{lms.slug}/{learner}")
    weights = _power_law(lms.courses, 0.7)
    courses = rng.choices(range(lms.courses), cum_weights=weights, k=rng.randint(2, 5))
    return tuple(sorted(set(courses)))


def registration(lms: Lms, learner: int, course: int) -> str:
    return str(uuid.uuid5(uuid.NAMESPACE_URL, f"{lms.home_page}/{learner}/{course}"))


class Traffic:
    """Statements as the network's LMSs send them, newest at `clock`, older ones up to
    `window` before it."""

    def __init__(self, seed: int, organisations: tuple[Lms, ...] = ORGANISATIONS) -> None:
        self.rng = random.Random(seed)
        self.organisations = organisations
        self._shares = list(accumulate(lms.share for lms in organisations))
        # Ids of recent learning statements, per store: what teachers void or comment on.
        self._recent: dict[str, deque[str]] = {o.slug: deque(maxlen=5000) for o in organisations}

    def statements(self, count: int, clock: datetime, window: timedelta) -> list[Statement]:
        return [self.statement(clock - window * self.rng.random()) for _ in range(count)]

    def statement(self, at: datetime) -> Statement:
        rng = self.rng
        lms = rng.choices(self.organisations, cum_weights=self._shares)[0]
        recent = self._recent[lms.slug]
        draw = rng.random()
        if recent and draw < VOIDING_SHARE + REFERENCE_SHARE:
            target = recent[rng.randrange(len(recent))]
            return self._reference(lms, target, at, voiding=draw < VOIDING_SHARE)
        statement = self._learning(lms, at)
        recent.append(statement["id"])
        return statement

    def _id(self) -> str:
        return str(uuid.UUID(int=self.rng.getrandbits(128), version=4))

    def _learning(self, lms: Lms, at: datetime) -> Statement:
        rng = self.rng
        learner = rng.choices(range(lms.learners), cum_weights=_power_law(lms.learners, 0.8))[0]
        course = rng.choice(learner_courses(lms, learner))
        module = int(module_count(course) * rng.random() ** 1.5)  # early modules more often
        verb = rng.choices(list(VERB_WEIGHTS), weights=list(VERB_WEIGHTS.values()))[0]
        statement: Statement = {
            "id": self._id(),
            "actor": actor(lms, learner),
            "verb": {"id": verb, "display": {"en-US": verb.rpartition("/")[2]}},
            "object": _module_object(lms, course, module),
            "context": self._context(lms, learner, course),
            "timestamp": _timestamp(at),
        }
        result = self._result(verb)
        if result:
            statement["result"] = result
        return statement

    def _result(self, verb: str) -> dict[str, Any]:
        rng = self.rng
        seconds = rng.randint(20, 3600)
        result: dict[str, Any] = {"duration": f"PT{seconds // 60}M{seconds % 60}S"}
        if verb in SCORED:
            raw = rng.randint(0, 10)
            result["score"] = {"scaled": raw / 10, "raw": raw, "min": 0, "max": 10}
            result["success"] = raw >= 6
            result["completion"] = True
        return result

    def _context(self, lms: Lms, learner: int, course: int) -> dict[str, Any]:
        context: dict[str, Any] = {
            "registration": registration(lms, learner, course),
            "platform": "Moodle",
            "language": "fi-FI",
            "contextActivities": {
                "parent": [
                    {
                        "objectType": "Activity",
                        "id": course_iri(lms, course),
                        "definition": {"type": "http://adlnet.gov/expapi/activities/course"},
                    }
                ],
                "grouping": [
                    {
                        "objectType": "Activity",
                        "id": lms.home_page,
                        "definition": {"type": "http://id.tincanapi.com/activitytype/lms"},
                    }
                ],
                "category": [{"objectType": "Activity", "id": "http://moodle.org"}],
            },
            "extensions": {
                "http://lrs.learninglocker.net/define/extensions/info": {
                    "event_name": "\\mod_quiz\\event\\attempt_submitted",
                    "https://moodle.org/": "4.1.2",
                },
            },
        }
        if self.rng.random() < INSTRUCTOR_SHARE:
            context["instructor"] = teacher(lms, course % TEACHERS)
        return context

    def _reference(self, lms: Lms, target: str, at: datetime, *, voiding: bool) -> Statement:
        verb = VOIDED if voiding else f"{ADL}commented"
        statement: Statement = {
            "id": self._id(),
            "actor": teacher(lms, self.rng.randrange(TEACHERS)),
            "verb": {"id": verb, "display": {"en-US": verb.rpartition("/")[2]}},
            "object": {"objectType": "StatementRef", "id": target},
            "timestamp": _timestamp(at),
        }
        if not voiding:
            statement["result"] = {"response": "Hyvä työ, jatka samaan malliin!"}
        return statement


def _module_object(lms: Lms, course: int, module: int) -> dict[str, Any]:
    kind = _KINDS[(course + module) % len(_KINDS)]
    number = course * 100 + module + 1
    return {
        "objectType": "Activity",
        "id": module_iri(lms, course, module),
        "definition": {
            "type": MODULE_KINDS[kind],
            "name": {"en": f"{kind.title()} {number}", "fi": f"Osio {number}"},
        },
    }


def _timestamp(at: datetime) -> str:
    return at.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")
