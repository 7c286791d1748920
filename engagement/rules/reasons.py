"""The rules' reasons as text in the active language: the one place that words them.

The evaluator gives reasons as codes with values (evaluate.Reason), stored as JSON on each
decision ({"code": "no_activity", "days": 9, "since": "2026-01-12"}) and copied into
notifications. Whoever shows a reason (the rules API and admin, the traffic lights, e-mails)
calls reason_text inside the reader's language. Decisions stored before reasons had codes
hold plain English strings: they are shown as they are.
"""

import datetime as dt
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from django.utils import formats
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from engagement.network.models import Enrolment
from engagement.rules.evaluate import Reason

Values = Mapping[str, Any]

# The rules' topics (evaluate.Topic), as a reason names them.
_TOPICS = {
    "study_reminders": gettext_lazy("study reminders"),
    "achievements": gettext_lazy("achievements"),
    "teacher_alerts": gettext_lazy("teacher alerts"),
    "employer_summaries": gettext_lazy("employer summaries"),
}


def _date(iso: str) -> str:
    """A stored ISO date in the reader's own format (12.1.2026, 12 januari 2026, ...)."""
    return formats.date_format(dt.date.fromisoformat(iso), "DATE_FORMAT") if iso else ""


def _number(value: float) -> str:
    """1 decimal at most, with the reader's decimal separator (1,5 h in Finnish)."""
    value = float(value)
    if value.is_integer():
        return str(int(value))
    return formats.number_format(value, decimal_pos=1)


def _status(status: str) -> str:
    if status in Enrolment.Status.values:
        return str(Enrolment.Status(status).label).lower()
    return status


def _no_activity(v: Values) -> str:
    text = ngettext(
        "no activity for %(days)d day (since %(since)s)",
        "no activity for %(days)d days (since %(since)s)",
        v["days"],
    )
    return text % {"days": v["days"], "since": _date(v["since"])}


def _no_activity_yet(v: Values) -> str:
    text = ngettext(
        "no activity yet for %(days)d day (since %(since)s)",
        "no activity yet for %(days)d days (since %(since)s)",
        v["days"],
    )
    return text % {"days": v["days"], "since": _date(v["since"])}


def _behind_pace(v: Values) -> str:
    return _("%(percent)d%% done where the plan to %(target)s expects %(expected)d%%") % {
        "percent": v["percent"],
        "target": _date(v["target"]),
        "expected": v["expected"],
    }


def _milestone_due(v: Values) -> str:
    text = ngettext(
        "milestone %(milestone)d is due on %(due)s (in %(days)d day)",
        "milestone %(milestone)d is due on %(due)s (in %(days)d days)",
        v["days"],
    )
    return text % {"milestone": v["milestone"], "due": _date(v["due"]), "days": v["days"]}


def _first_steps(v: Values) -> str:
    return _("day %(day)d of the enrolment with no activity yet") % {"day": v["day"]}


def _goal_days(v: Values) -> str:
    studied = ngettext(
        "studied on %(studied)d of %(planned)d planned day",
        "studied on %(studied)d of %(planned)d planned days",
        v["planned"],
    ) % {"studied": v["studied"], "planned": v["planned"]}
    left = ngettext("%(left)d day left", "%(left)d days left", v["days_left"]) % {
        "left": v["days_left"]
    }
    return f"{studied}; {left}"


def _goal_hours(v: Values) -> str:
    studied = _("%(hours)s of %(planned)s planned hours") % {
        "hours": _number(v["hours"]),
        "planned": _number(v["planned"]),
    }
    left = ngettext("%(left)d day left", "%(left)d days left", v["days_left"]) % {
        "left": v["days_left"]
    }
    return f"{studied}; {left}"


def _milestones_completed(v: Values) -> str:
    text = ngettext(
        "%(done)d of %(total)d milestone completed",
        "%(done)d of %(total)d milestones completed",
        v["total"],
    )
    return text % {"done": v["done"], "total": v["total"]}


def _idle(v: Values) -> str:
    text = ngettext("inactive for %(days)d day", "inactive for %(days)d days", v["days"])
    return text % {"days": v["days"]}


def _overdue(v: Values) -> str:
    text = ngettext("%(count)d milestone overdue", "%(count)d milestones overdue", v["count"])
    return text % {"count": v["count"]}


def _behind(v: Values) -> str:
    text = ngettext(
        "%(points)d point behind the planned pace",
        "%(points)d points behind the planned pace",
        v["points"],
    )
    return text % {"points": v["points"]}


_TEXTS: dict[str, Callable[[Values], str]] = {
    "no_activity": _no_activity,
    "no_activity_yet": _no_activity_yet,
    "behind_pace": _behind_pace,
    "milestone_due": _milestone_due,
    "first_steps": _first_steps,
    "goal_days": _goal_days,
    "goal_hours": _goal_hours,
    "milestone_completed": lambda v: _("completed milestone %(milestone)d") % v,
    "pathway_completed": lambda v: _("completed the pathway"),
    "milestones_completed": _milestones_completed,
    "idle": _idle,
    "overdue": _overdue,
    "behind": _behind,
    "on_track": lambda v: _("on track"),
    "all_done": lambda v: _("every milestone is done"),
    "enrolment_status": lambda v: (
        _("the enrolment is %(status)s") % {"status": _status(v["status"])}
    ),
    "opted_out": lambda v: (
        _("opted out of %(topic)s") % {"topic": _TOPICS.get(v["topic"], v["topic"])}
    ),
}


def reason_text(reason: object) -> str:
    """A reason in the active language: a Reason, its stored JSON form, or an old plain
    string (as it is). A code this version does not know, or values that do not fit its
    words, show the stored form rather than fail the page or e-mail that shows it."""
    if isinstance(reason, Reason):
        code, values = reason.code, dict(reason.values)
    elif isinstance(reason, dict) and isinstance(reason.get("code"), str):
        code, values = reason["code"], {k: v for k, v in reason.items() if k != "code"}
    else:
        return str(reason)
    words = _TEXTS.get(code)
    if words is None:
        return _raw(code, values)
    try:
        return words(values)
    except (KeyError, TypeError, ValueError):
        return _raw(code, values)


def reasons_text(reasons: Iterable[object]) -> list[str]:
    return [reason_text(reason) for reason in reasons]


def _raw(code: str, values: Values) -> str:
    shown = ", ".join(f"{name}={value}" for name, value in sorted(values.items()))
    return f"{code} ({shown})" if shown else code
