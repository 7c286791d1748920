"""Downloads: the teacher's list as CSV, and "export my data" as JSON (a first version:
issue 9 widens it to everything erasure touches)."""

import datetime as dt
from collections.abc import Sequence
from typing import Any

from django.urls import reverse
from django.utils.translation import gettext as _

from engagement.badges.selectors import assertions_of
from engagement.dashboards.selectors import LearnerRow, progress_of
from engagement.network.models import Consent, Enrolment, Person, XapiIdentity
from engagement.progress.models import MilestoneProgress
from engagement.rules.models import Decision
from engagement.rules.reasons import reasons_text
from engagement.rules.selectors import study_plan_of
from notifications.models import Notification
from notifications.selectors import preferences_shown

# A spreadsheet runs a cell that starts with one of these as a formula (CSV injection):
# learner names come from partner LMSs, so such a cell is written as text.
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _cell(value: object) -> str:
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(_FORMULA_START) else text


def learner_rows_csv(writer: Any, rows: Sequence[LearnerRow]) -> None:
    writer.writerow(
        [
            _("Learner"),
            _("Pathway"),
            _("Status"),
            _("Light"),
            _("Reasons"),
            _("Last active"),
            _("Milestones done"),
            _("Milestones in all"),
            _("Percent"),
        ]
    )
    for row in rows:
        writer.writerow(
            [
                _cell(row.learner),
                _cell(row.pathway),
                _cell(row.status),
                row.colour,
                _cell("; ".join(row.reasons)),
                row.last_active_at.isoformat() if row.last_active_at else "",
                row.milestones_done,
                row.milestones_total,
                row.percent,
            ]
        )


def my_data(*, person: Person, now: dt.datetime) -> dict[str, Any]:
    """What the platform holds about the person, by room. Bounded by the person's own rows."""
    enrolments = Enrolment.objects.filter(learner=person).select_related("pathway", "progress")
    milestones = MilestoneProgress.objects.filter(enrolment__learner=person).select_related(
        "milestone"
    )
    plan = study_plan_of(person_id=person.pk)
    return {
        "exported_at": now,
        "person": {
            "given_name": person.given_name,
            "family_name": person.family_name,
            "email": person.email,
            "language": person.language,
            "time_zone": person.time_zone,
            "xapi_identities": [
                {"kind": i.kind, "value": i.value, "home_page": i.home_page}
                for i in XapiIdentity.objects.filter(person=person).order_by("pk")
            ],
        },
        "enrolments": [_enrolment(e) for e in enrolments.order_by("pk")],
        "milestone_progress": [
            {
                "enrolment": m.enrolment_id,
                "milestone": m.milestone.title_en,
                "activities_done": m.activities_done,
                "activities_needed": m.activities_needed,
                "completed_at": m.completed_at,
            }
            for m in milestones.order_by("enrolment_id", "milestone__position")
        ],
        "study_plan": None
        if plan is None
        else {
            "days_per_week": plan.days_per_week,
            "hours_per_week": plan.hours_per_week,
            "preferred_times": plan.preferred_times,
        },
        "decisions": [
            {
                "rule": d.rule.name,
                "enrolment": d.enrolment_id,
                "decided_at": d.decided_at,
                "held_out": d.holdout or None,
                "reasons": reasons_text(d.reasons),
            }
            # About my enrolments, whoever they were addressed to (a teacher's alert about me
            # is data about me); not the decisions addressed to me about other people.
            for d in Decision.objects.filter(enrolment__learner=person)
            .select_related("rule")
            .order_by("pk")
        ],
        "notifications": [
            {
                "topic": n.topic,
                "status": n.status,
                "channel": n.channel,
                "subject": n.subject,
                "body": n.body,
                "created_at": n.created_at,
                "sent_at": n.sent_at,
                "read_at": n.read_at,
            }
            for n in Notification.objects.filter(person=person).order_by("pk")
        ],
        "preferences": preferences_shown(person),
        "badges": _badges(person),
        "consents": [
            {
                "enrolment": c.enrolment_id,
                "employer": c.employer.name_en,
                "given_at": c.given_at,
                "revoked_at": c.revoked_at,
            }
            for c in Consent.objects.filter(enrolment__learner=person)
            .select_related("employer")
            .order_by("pk")
        ],
    }


def _enrolment(enrolment: Enrolment) -> dict[str, Any]:
    progress = progress_of(enrolment)
    return {
        "id": enrolment.pk,
        "pathway": enrolment.pathway.title_en,
        "status": enrolment.status,
        "started_on": enrolment.started_on,
        "target_on": enrolment.target_on,
        "progress": None
        if progress is None
        else {
            "milestones_done": progress.milestones_done,
            "milestones_total": progress.milestones_total,
            "activities_done": progress.activities_done,
            "percent": progress.percent,
            "first_active_at": progress.first_active_at,
            "last_active_at": progress.last_active_at,
            "time_spent_seconds": progress.time_spent_seconds,
            "completed_at": progress.completed_at,
        },
    }


def _badges(person: Person) -> list[dict[str, Any]]:
    return [
        {
            "badge": a.badge_class.name_en,
            "issued_at": a.issued_at,
            "revoked_at": a.revoked_at,
            "assertion": reverse("badges:assertion", args=[a.uuid]),
            "credential": reverse("badges:ob3-credential-jwt", args=[a.uuid]),
        }
        for a in assertions_of(person=person)
    ]
