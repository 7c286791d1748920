"""Writes of the digests: one notification per person and period, made only when there is
something to say; and the employer summary's frequency preference.

Idempotent by the notification's unique idempotency key, `digest:<audience>:<person id>:<period>`
(`2026-W09`, or `2026-03` for a monthly summary): a batch run twice, or two overlapping beat
runs, make one notification. Each period is looked at in the 24 hours after it ends in the
person's time zone (CREATION_WINDOW), so a daily beat considers it exactly once, whatever the
zone, and a late record does not bring a week-old digest days later.
"""

import datetime as dt
from collections import defaultdict
from collections.abc import Collection, Iterable

from django.conf import settings

from backend.db import among
from engagement.network.models import Person
from notifications.digests.employer import contacts_with_sharing_staff
from notifications.digests.learner import learners_with_news
from notifications.digests.periods import WEEKLY, Period, last_period
from notifications.digests.selectors import EMPLOYER, LEARNER, TEACHER
from notifications.digests.teacher import teachers_with_flags
from notifications.models import Notification, Preference, Topic
from notifications.selectors import opted_out_topics, zone_of
from notifications.services import notification_create

# audience: (topic, template key). The teacher's summary is the weekly form of teacher
# alerts: a teacher who turned alerts off wants no traffic-light mail, while a teacher who is
# also a learner and turned off their own digest still gets their cohorts' summary.
DIGESTS = {
    LEARNER: (Topic.DIGESTS, "digest_learner"),
    TEACHER: (Topic.TEACHER_ALERTS, "digest_teacher"),
    EMPLOYER: (Topic.EMPLOYER_SUMMARIES, "digest_employer"),
}
# A period is looked at from its end (local midnight) for this long: exactly one daily beat
# run falls in any 24-hour span.
CREATION_WINDOW = dt.timedelta(hours=24)


def digest_key(audience: str, person_id: int, period: Period) -> str:
    return f"digest:{audience}:{person_id}:{period.label}"


def digests_create(*, audience: str, person_ids: Iterable[int], now: dt.datetime) -> int:
    """Digest notifications of one audience for these people, each for their last complete
    period if it ended within CREATION_WINDOW before `now` and there is something to say; the
    count made. Due at the send hour on the day the period ended (or now, if that is past);
    the dispatcher applies quiet hours, pause and opt-out at send time as for any message."""
    topic, template = DIGESTS[audience]
    ids = sorted(set(person_ids))
    preferences = {p.person_id: p for p in Preference.objects.filter(among("person_id", ids))}
    opted_out = opted_out_topics(ids)
    due: dict[tuple[Period, str], list[Person]] = defaultdict(list)
    for person in Person.objects.filter(among("id", ids)).order_by("id"):
        if topic in opted_out.get(person.pk, frozenset()):
            continue
        preference = preferences.get(person.pk) or Preference(person=person)
        frequency = preference.summary_frequency if audience == EMPLOYER else WEEKLY
        period = last_period(frequency, now, zone_of(preference, person), _send_time())
        if period.end <= now < period.end + CREATION_WINDOW:
            due[(period, frequency)].append(person)
    keys = [digest_key(audience, p.pk, period) for (period, _f), ps in due.items() for p in ps]
    made_before = set(
        Notification.objects.filter(idempotency_key__in=keys).values_list(
            "idempotency_key", flat=True
        )
    )
    made = 0
    for (period, frequency), people in due.items():
        waiting = [p for p in people if digest_key(audience, p.pk, period) not in made_before]
        with_news = _with_news(audience, [p.pk for p in waiting], period, now)
        for person in waiting:
            if person.pk not in with_news:
                continue
            notification_create(
                person=person,
                topic=topic,
                template=template,
                idempotency_key=digest_key(audience, person.pk, period),
                context={
                    "digest": audience,
                    "frequency": frequency,
                    "period": period.label,
                    "start": period.start.isoformat(),
                    "end": period.end.isoformat(),
                },
                not_before=max(now, period.send_at),
            )
            made += 1
    return made


def _with_news(
    audience: str, person_ids: Collection[int], period: Period, now: dt.datetime
) -> set[int]:
    if not person_ids:
        return set()
    if audience == LEARNER:
        return learners_with_news(person_ids, period.start, period.end)
    if audience == TEACHER:
        return teachers_with_flags(person_ids, now)
    return contacts_with_sharing_staff(person_ids)


def _send_time() -> dt.time:
    return dt.time(settings.KIPINA_DIGEST_SEND_HOUR, 0)
