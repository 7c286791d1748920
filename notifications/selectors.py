import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.db.models import QuerySet

from backend.db import among
from engagement.network.models import Person
from notifications.models import (
    DEFAULT_CHANNELS,
    Channel,
    Notification,
    Preference,
    Suppression,
    TopicOptOut,
)

DEFAULT_TIME_ZONE = "Europe/Helsinki"


def opted_out_topics(person_ids: Iterable[int]) -> dict[int, frozenset[str]]:
    """The topics each of these people opted out of (people with none are left out)."""
    topics: dict[int, set[str]] = defaultdict(set)
    opt_outs = TopicOptOut.objects.filter(among("person_id", person_ids))
    for person_id, topic in opt_outs.values_list("person_id", "topic"):
        topics[person_id].add(topic)
    return {person_id: frozenset(found) for person_id, found in topics.items()}


def has_opted_out(*, person_id: int, topic: str) -> bool:
    return TopicOptOut.objects.filter(person_id=person_id, topic=topic).exists()


def suppression_of(email: str) -> Suppression | None:
    """Why no e-mail may go to the address (a bounce, a spam report, an unsubscribe), if so."""
    return Suppression.objects.filter(email=email.strip().lower()).first()


def preference_of(person: Person) -> Preference:
    """The person's preferences; the defaults (unsaved) when they have set none."""
    found = Preference.objects.filter(person=person).first()
    return found if found is not None else Preference(person=person)


def zone_of(preference: Preference, person: Person) -> ZoneInfo:
    """The preference's time zone, else the directory's, else Helsinki. A zone name the
    system no longer knows falls back to Helsinki rather than stopping delivery."""
    for name in (preference.time_zone, person.time_zone, DEFAULT_TIME_ZONE):
        if name:
            try:
                return ZoneInfo(name)
            except (ZoneInfoNotFoundError, ValueError):
                continue
    return ZoneInfo(DEFAULT_TIME_ZONE)


def language_of(preference: Preference, person: Person) -> str:
    return preference.language or person.language or "fi"


def channel_of(preference: Preference, topic: str) -> str:
    chosen = (preference.channels or {}).get(topic)
    return chosen if chosen in Channel.values else DEFAULT_CHANNELS.get(topic, Channel.EMAIL)


def released_between(
    *, person_id: int, topic: str, start: dt.datetime, end: dt.datetime, excluding: int
) -> int:
    """Notifications of a topic let through to this person in [start, end), not counting
    `excluding` (a retry must not count itself) nor those that failed: what the cap counts.
    Claimed ones count: they are on their way."""
    return (
        Notification.objects.filter(
            person_id=person_id,
            topic=topic,
            released_at__gte=start,
            released_at__lt=end,
            status__in=[Notification.Status.CLAIMED, Notification.Status.SENT],
        )
        .exclude(pk=excluding)
        .count()
    )


def due_notification_ids(*, now: dt.datetime, limit: int) -> list[int]:
    """Pending or deferred notifications due at `now`, the longest-waiting first."""
    return list(
        Notification.objects.filter(
            status__in=[Notification.Status.PENDING, Notification.Status.DEFERRED],
            not_before__lte=now,
        )
        .order_by("not_before", "id")
        .values_list("id", flat=True)[:limit]
    )


def inbox_of(*, person_id: int) -> QuerySet[Notification]:
    """What the in-app inbox shows: in-app notifications delivered to this person."""
    return Notification.objects.filter(
        person_id=person_id, channel=Channel.IN_APP, status=Notification.Status.SENT
    ).order_by("-id")


def unread_count(*, person_id: int) -> int:
    return inbox_of(person_id=person_id).filter(read_at=None).count()


def preferences_shown(person: Person) -> dict[str, object]:
    """What the preference API and page show: the saved preferences (or the defaults), every
    topic's channel in effect and the topics opted out of (TopicOptOut, the rules' source)."""
    preference = preference_of(person)
    opted_out = opted_out_topics([person.pk]).get(person.pk, frozenset())
    return {
        "opted_out": sorted(opted_out),
        "channels": {topic: channel_of(preference, topic) for topic in DEFAULT_CHANNELS},
        "language": preference.language,
        "time_zone": preference.time_zone,
        "quiet_from": preference.quiet_from,
        "quiet_until": preference.quiet_until,
        "weekly_nudge_cap": preference.weekly_nudge_cap,
        "paused_until": preference.paused_until,
    }
