"""One statement as each real sender shapes it (pure: values in, a statement dict out).

The shapes follow what the senders emit (see tests/data/real-statements): Moodle's
logstore_xapi, Open edX's event-routing-backends, H5P's h5p-x-api-event.js and the cmi5
spec's statements. Only their spec-valid shapes are used: the LRS refuses the invalid ones
(e.g. H5P's "compound" interactionType, Open edX's "GroupActivity"), and a demo that is
refused shows nothing.

Every statement gets an id and a timestamp from the traffic generator. H5P sends neither;
the demo gives it both so a second replay is accepted as the same statements (an id) and
the eight weeks keep their shape (without a timestamp the LRS would stamp the replay time).
"""

from datetime import UTC, datetime
from typing import Any

from backend.demo.catalogue import (
    CHEMISTRY_BOOK_CMID,
    CHEMISTRY_BOOK_NAME,
    CHEMISTRY_QUIZ_CMID,
    CHEMISTRY_QUIZ_MAX,
    CHEMISTRY_QUIZ_NAME,
    CMI5_PUBLISHER,
    EDX_SITE,
    H5P_SITE,
    MOODLE_SITE,
    MOODLE_SITE_NAME,
    RECYCLING_COURSE_KEY,
    RECYCLING_NAME,
    TEACHER_MOODLE_USER_ID,
    TEACHER_NAME,
    AssignableUnit,
    Chapter,
    H5pItem,
    Learner,
    MoodleCourse,
    Problem,
    Video,
)

Statement = dict[str, Any]

ADL = "http://adlnet.gov/expapi/verbs/"
VIEWED = "http://id.tincanapi.com/verb/viewed"
ANSWERED = f"{ADL}answered"
PASSED = f"{ADL}passed"
COMPLETED = f"{ADL}completed"
SATISFIED = "https://w3id.org/xapi/adl/verbs/satisfied"
EVALUATED = "https://w3id.org/xapi/acrossx/verbs/evaluated"
CMI5_CATEGORY = "https://w3id.org/xapi/cmi5/context/categories/cmi5"
CMI5_MOVEON = "https://w3id.org/xapi/cmi5/context/categories/moveon"
CMI5_EXT = "https://w3id.org/xapi/cmi5/context/extensions/"
VIDEO_EXT = "https://w3id.org/xapi/video/extensions/"
MOODLE_INFO_EXT = "http://lrs.learninglocker.net/define/extensions/info"
EDX_TRANSFORMER = "event-routing-backends@9.3.2"
INTERACTION = "http://adlnet.gov/expapi/activities/cmi.interaction"


def duration(seconds: float) -> str:
    """An ISO 8601 duration as the senders write them (PT1M5.5S, PT42S)."""
    minutes, rest = divmod(round(seconds, 2), 60)
    text = f"{rest:.2f}".rstrip("0").rstrip(".")
    return f"PT{int(minutes)}M{text}S" if minutes else f"PT{text}S"


def _ms_z(at: datetime) -> str:
    """Moodle, H5P relays and cmi5 players: UTC with milliseconds and Z."""
    return at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.") + f"{at.microsecond // 1000:03d}Z"


def _verb(iri: str, word: str, language: str = "en") -> dict[str, Any]:
    return {"id": iri, "display": {language: word}}


def _activity(iri: str, name: str, kind: str, language: str = "en") -> dict[str, Any]:
    return {
        "id": iri,
        "definition": {"name": {language: name}, "type": kind},
        "objectType": "Activity",
    }


# --- Activity ids (the network's milestone criteria name these too) ------------------------


def book_iri() -> str:
    return f"{MOODLE_SITE}/mod/book/view.php?id={CHEMISTRY_BOOK_CMID}"


def chapter_iri(chapter: Chapter) -> str:
    return f"{book_iri()}&chapterid={chapter.chapter_id}"


def h5p_iri(item: H5pItem) -> str:
    return f"{H5P_SITE}/wp-admin/admin-ajax.php?action=h5p_embed&id={item.content_id}"


def au_iri(unit: AssignableUnit) -> str:
    return f"{CMI5_PUBLISHER}/au/{unit.slug}"


def edx_block_iri(kind: str, block: str) -> str:
    course = RECYCLING_COURSE_KEY.removeprefix("course-v1:")
    return f"{EDX_SITE}/xblock/block-v1:{course}+type@{kind}+block@{block}"


# --- Moodle (logstore_xapi) -------------------------------------------------------------


def moodle_actor(learner: Learner) -> dict[str, Any]:
    return {
        "account": {"homePage": MOODLE_SITE, "name": str(learner.moodle_user_id)},
        "name": learner.name,
    }


def _moodle_course(course: MoodleCourse) -> dict[str, Any]:
    return _activity(
        f"{MOODLE_SITE}/course/view.php?id={course.course_id}",
        course.name,
        "https://w3id.org/xapi/cmi5/activitytype/course",
    )


def _moodle_section(course: MoodleCourse) -> dict[str, Any]:
    return _activity(
        f"{MOODLE_SITE}/course/section.php?id={course.section_id}",
        course.section_name,
        "http://id.tincanapi.com/activitytype/section",
    )


def _moodle_context(
    course: MoodleCourse, registration: str, event: str, parents: list[dict[str, Any]]
) -> dict[str, Any]:
    site = _activity(MOODLE_SITE, MOODLE_SITE_NAME, "http://id.tincanapi.com/activitytype/lms")
    context_activities: dict[str, Any] = {"category": [site]}
    if parents:
        context_activities["parent"] = parents
    return {
        "language": "en",
        "platform": "Moodle",
        "registration": registration,
        "contextActivities": context_activities,
        "extensions": {
            MOODLE_INFO_EXT: {
                "event_name": event,
                "http://moodle.org": "4.3.4",
                "https://github.com/xAPI-vle/moodle-logstore_xapi": "5.0.1",
            }
        },
    }


def moodle_course_viewed(
    learner: Learner, course: MoodleCourse, registration: str, at: datetime
) -> Statement:
    return {
        "actor": moodle_actor(learner),
        "verb": _verb(VIEWED, "Viewed"),
        "object": _moodle_course(course),
        "context": _moodle_context(course, registration, "\\core\\event\\course_viewed", []),
        "timestamp": _ms_z(at),
    }


def moodle_chapter_viewed(
    learner: Learner, course: MoodleCourse, chapter: Chapter, registration: str, at: datetime
) -> Statement:
    book = _activity(book_iri(), CHEMISTRY_BOOK_NAME, "http://id.tincanapi.com/activitytype/book")
    parents = [book, _moodle_section(course), _moodle_course(course)]
    return {
        "actor": moodle_actor(learner),
        "verb": _verb(VIEWED, "Viewed"),
        "object": _activity(
            chapter_iri(chapter),
            chapter.title,
            "http://id.tincanapi.com/activitytype/chapter",
        ),
        "context": _moodle_context(
            course, registration, "\\mod_book\\event\\chapter_viewed", parents
        ),
        "timestamp": _ms_z(at),
    }


def moodle_quiz_completed(
    learner: Learner,
    course: MoodleCourse,
    registration: str,
    at: datetime,
    *,
    attempt_id: int,
    grade: float,
    passed: bool,
    seconds: float,
) -> Statement:
    quiz_url = f"{MOODLE_SITE}/mod/quiz/view.php?id={CHEMISTRY_QUIZ_CMID}"
    quiz = _activity(
        quiz_url, CHEMISTRY_QUIZ_NAME, "http://adlnet.gov/expapi/activities/assessment"
    )
    parents = [quiz, _moodle_section(course), _moodle_course(course)]
    return {
        "actor": moodle_actor(learner),
        "verb": _verb(COMPLETED, "Completed"),
        "object": _activity(
            f"{MOODLE_SITE}/mod/quiz/attempt.php?attempt={attempt_id}&cmid={CHEMISTRY_QUIZ_CMID}",
            f"{CHEMISTRY_QUIZ_NAME} Attempt {attempt_id}",
            "http://adlnet.gov/expapi/activities/attempt",
        ),
        "result": {
            "score": {
                "raw": grade,
                "min": 0,
                "max": CHEMISTRY_QUIZ_MAX,
                "scaled": round(grade / CHEMISTRY_QUIZ_MAX, 4),
            },
            "completion": True,
            "success": passed,
            "duration": duration(seconds),
        },
        "context": _moodle_context(
            course, registration, "\\mod_quiz\\event\\attempt_submitted", parents
        ),
        "timestamp": _ms_z(at),
    }


def moodle_voided(target_id: str, at: datetime) -> Statement:
    """The teacher voids an attempt (xAPI 1.0.3 Data §2.3.2: object is a StatementRef)."""
    return {
        "actor": {
            "objectType": "Agent",
            "name": TEACHER_NAME,
            "account": {"homePage": MOODLE_SITE, "name": str(TEACHER_MOODLE_USER_ID)},
        },
        "verb": _verb(f"{ADL}voided", "voided", "en-US"),
        "object": {"objectType": "StatementRef", "id": target_id},
        "timestamp": _ms_z(at),
    }


# --- H5P (h5p-x-api-event.js, relayed with the learner's e-mail) -------------------------


def h5p_answered(
    learner: Learner, item: H5pItem, at: datetime, *, correct: bool, seconds: float
) -> Statement:
    definition: dict[str, Any] = {
        "extensions": {"http://h5p.org/x-api/h5p-local-content-id": item.content_id},
        "name": {"en-US": item.question[:60]},
        "description": {"en-US": item.question},
        "type": INTERACTION,
        "interactionType": item.interaction,
        "correctResponsesPattern": [item.correct],
    }
    if item.choices:
        definition["choices"] = [
            {"id": str(index), "description": {"en-US": text}}
            for index, text in enumerate(item.choices)
        ]
    return {
        "actor": {"name": learner.name, "mbox": f"mailto:{learner.email}", "objectType": "Agent"},
        "verb": _verb(ANSWERED, "answered", "en-US"),
        "object": {"id": h5p_iri(item), "objectType": "Activity", "definition": definition},
        "context": {
            "contextActivities": {
                "category": [
                    {"id": f"http://h5p.org/libraries/{item.library}", "objectType": "Activity"}
                ]
            }
        },
        "result": {
            "score": {"min": 0, "max": 1, "raw": int(correct), "scaled": int(correct)},
            "completion": True,
            "success": correct,
            "duration": duration(seconds),
            "response": item.correct if correct else item.wrong,
        },
        "timestamp": _ms_z(at),
    }


# --- cmi5 (an AU launched from Moodle's cmi5 activity) -------------------------------------


def _cmi5_au(unit: AssignableUnit) -> dict[str, Any]:
    return {
        "objectType": "Activity",
        "id": au_iri(unit),
        "definition": {"name": {"en-US": unit.title}},
    }


def cmi5_statement(
    learner: Learner,
    unit: AssignableUnit,
    at: datetime,
    *,
    verb: str,
    registration: str,
    session_id: str,
    result: dict[str, Any] | None = None,
    moveon: bool = False,
    extensions: dict[str, Any] | None = None,
) -> Statement:
    """A cmi5-defined statement: launched, initialized, passed, failed, completed, terminated.

    cmi5 §9.6.2: each carries the cmi5 category, passed, failed and completed also the
    moveOn category, and grouping holds the AU's publisher id.
    """
    category = [{"objectType": "Activity", "id": CMI5_CATEGORY}]
    if moveon:
        category.append({"objectType": "Activity", "id": CMI5_MOVEON})
    statement: Statement = {
        "actor": {
            "objectType": "Agent",
            "name": learner.name,
            "account": {"homePage": MOODLE_SITE, "name": str(learner.moodle_user_id)},
        },
        "verb": _verb(f"{ADL}{verb}", verb, "en-US"),
        "object": _cmi5_au(unit),
        "context": {
            "registration": registration,
            "contextActivities": {
                "grouping": [{"objectType": "Activity", "id": f"{CMI5_PUBLISHER}/{unit.slug}"}],
                "category": category,
            },
            "extensions": {f"{CMI5_EXT}sessionid": session_id, **(extensions or {})},
        },
        "timestamp": _ms_z(at),
    }
    if result is not None:
        statement["result"] = result
    return statement


def cmi5_launch_extensions(unit: AssignableUnit) -> dict[str, Any]:
    """What the LMS adds to "launched" (cmi5 §9.6.3)."""
    return {
        f"{CMI5_EXT}launchmode": "Normal",
        f"{CMI5_EXT}launchurl": f"{au_iri(unit)}/index.html",
        f"{CMI5_EXT}moveon": "CompletedAndPassed",
    }


def cmi5_course_satisfied(
    learner: Learner, at: datetime, *, registration: str, session_id: str
) -> Statement:
    """The LMS says the course's moveOn criteria are met (cmi5 §9.3.9)."""
    course = {
        "objectType": "Activity",
        "id": CMI5_PUBLISHER,
        "definition": {
            "name": {"en-US": "Cell manufacturing safety"},
            "type": "https://w3id.org/xapi/cmi5/activitytype/course",
        },
    }
    return {
        "actor": {
            "objectType": "Agent",
            "name": learner.name,
            "account": {"homePage": MOODLE_SITE, "name": str(learner.moodle_user_id)},
        },
        "verb": _verb(SATISFIED, "satisfied", "en-US"),
        "object": course,
        "context": {
            "registration": registration,
            "contextActivities": {
                "grouping": [course],
                "category": [{"objectType": "Activity", "id": CMI5_CATEGORY}],
            },
            "extensions": {f"{CMI5_EXT}sessionid": session_id},
        },
        "timestamp": _ms_z(at),
    }


# --- Open edX (event-routing-backends) ----------------------------------------------------


def edx_actor(learner: Learner) -> dict[str, Any]:
    return {"objectType": "Agent", "account": {"homePage": EDX_SITE, "name": learner.edx_user_id}}


def _edx_course() -> dict[str, Any]:
    return {
        "id": f"{EDX_SITE}/course/{RECYCLING_COURSE_KEY}",
        "objectType": "Activity",
        "definition": {
            "name": {"en-US": RECYCLING_NAME},
            "type": "http://adlnet.gov/expapi/activities/course",
        },
    }


def _edx_context(
    session_id: str, extra: dict[str, Any] | None = None, parent: bool = True
) -> dict[str, Any]:
    context: dict[str, Any] = {
        "extensions": {
            "https://w3id.org/xapi/openedx/extension/transformer-version": EDX_TRANSFORMER,
            "https://w3id.org/xapi/openedx/extensions/session-id": session_id,
            **(extra or {}),
        }
    }
    if parent:
        context["contextActivities"] = {"parent": [_edx_course()]}
    return context


def _edx_timestamp(at: datetime) -> str:
    """Open edX writes Python's isoformat: microseconds and +00:00."""
    return at.astimezone(UTC).isoformat(timespec="microseconds")


def edx_registered(learner: Learner, at: datetime, *, session_id: str) -> Statement:
    course = _edx_course()
    course["definition"] = {
        "extensions": {"https://w3id.org/xapi/acrossx/extensions/type": "verified"},
        "name": {"en": RECYCLING_NAME},
        "type": "http://adlnet.gov/expapi/activities/course",
    }
    return {
        "actor": edx_actor(learner),
        "context": _edx_context(session_id, parent=False),
        "object": course,
        "timestamp": _edx_timestamp(at),
        "verb": _verb(f"{ADL}registered", "registered"),
        "version": "1.0.3",
    }


def edx_video(
    learner: Learner,
    video: Video,
    at: datetime,
    *,
    session_id: str,
    completed: bool,
    seconds: float,
) -> Statement:
    """Video profile: "played" at a position, or "completed" with the time watched."""
    result: dict[str, Any] = {
        "extensions": {f"{VIDEO_EXT}time": round(video.seconds if completed else seconds, 3)}
    }
    if completed:
        result.update(completion=True, duration=duration(seconds))
    verb = (
        _verb(COMPLETED, "completed")
        if completed
        else _verb("https://w3id.org/xapi/video/verbs/played", "played")
    )
    return {
        "actor": edx_actor(learner),
        "context": _edx_context(session_id, {f"{VIDEO_EXT}length": video.seconds}),
        "object": {
            "definition": {
                "type": "https://w3id.org/xapi/video/activity-type/video",
                "name": {"en-US": video.title},
            },
            "id": edx_block_iri("video", video.block),
            "objectType": "Activity",
        },
        "result": result,
        "timestamp": _edx_timestamp(at),
        "verb": verb,
        "version": "1.0.3",
    }


def edx_problem_evaluated(
    learner: Learner,
    problem: Problem,
    at: datetime,
    *,
    session_id: str,
    correct: bool,
    attempt: int,
) -> Statement:
    response = problem.correct if correct else problem.wrong
    return {
        "actor": edx_actor(learner),
        "context": _edx_context(session_id),
        "object": {
            "definition": {
                "extensions": {"http://id.tincanapi.com/extension/attempt-id": attempt},
                "description": {"en-US": problem.question},
                "interactionType": "choice",
                "type": INTERACTION,
            },
            "id": edx_block_iri("problem", problem.block),
            "objectType": "Activity",
        },
        "result": {
            "response": response,
            "score": {"max": 1, "min": 0, "raw": int(correct), "scaled": int(correct)},
            "success": correct,
        },
        "timestamp": _edx_timestamp(at),
        "verb": _verb(EVALUATED, "evaluated"),
        "version": "1.0.3",
    }
