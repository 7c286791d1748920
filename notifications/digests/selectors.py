"""Reads of the digests: whom a beat run looks at, and what a digest e-mail says.

A digest notification carries only its kind and period in `Notification.context`; the content
is computed here when the e-mail is rendered (notifications.rendering merges
`digest_context`), so it shows the record at sending time: an employee who revoked consent
after the summary was queued is not in it.
"""

import datetime as dt
from typing import Any

from django.db.models import QuerySet
from django.utils import timezone

from engagement.network.models import Cohort, Enrolment, Person, Role
from notifications.digests.employer import employer_summary
from notifications.digests.learner import REPORTED_STATUSES, learner_digest
from notifications.digests.teacher import teacher_summary
from notifications.models import Notification
from notifications.selectors import preference_of, preferences_shown, zone_of

LEARNER = "learner"
TEACHER = "teacher"
EMPLOYER = "employer"
AUDIENCES = (LEARNER, TEACHER, EMPLOYER)


def digest_audience(audience: str) -> list[int]:
    """Ids of the people who may get this kind of digest, in id order: learners with an
    active or completed enrolment, teachers of a cohort, employer contacts. Each batch then
    decides per person whether there is anything to send."""
    people: QuerySet[Any, int]
    if audience == LEARNER:
        people = Enrolment.objects.filter(status__in=REPORTED_STATUSES).values_list(
            "learner_id", flat=True
        )
    elif audience == TEACHER:
        people = Cohort.teachers.through.objects.values_list("person_id", flat=True)
    elif audience == EMPLOYER:
        people = Role.objects.filter(kind=Role.Kind.EMPLOYER_CONTACT).values_list(
            "person_id", flat=True
        )
    else:
        raise ValueError(f"unknown digest audience: {audience!r}")
    return sorted(set(people))


def digest_context(notification: Notification, language: str) -> dict[str, Any]:
    """The template context of a digest notification ({} for any other notification)."""
    given = notification.context or {}
    audience = given.get("digest")
    if audience not in AUDIENCES:
        return {}
    person = notification.person
    zone = zone_of(preference_of(person), person)
    start = dt.datetime.fromisoformat(given["start"])
    end = dt.datetime.fromisoformat(given["end"])
    period = {
        "period_start": start.astimezone(zone).date(),
        # The period is [start, end): its last day is the day before the end.
        "period_last_day": (end.astimezone(zone) - dt.timedelta(days=1)).date(),
        "monthly": given.get("frequency") == "monthly",
    }
    if audience == LEARNER:
        return {**period, **learner_digest(person, start, end, zone, language)}
    if audience == EMPLOYER:
        return {**period, **employer_summary(person, start, end, zone, language)}
    return {**period, **teacher_summary(person, start, timezone.now(), language)}


def preferences_with_summary(person: Person) -> dict[str, object]:
    """What the preference API shows: notifications.selectors.preferences_shown and the
    employer summary's frequency."""
    shown = preferences_shown(person)
    return {**shown, "summary_frequency": preference_of(person).summary_frequency}
