"""iCalendar (RFC 5545) for events: the feed of the public calendar and the file attached to
confirmations, written with the icalendar library; and the notification hooks that give the
events' e-mails their context and their .ics at render time."""

import zoneinfo
from collections.abc import Iterable
from typing import Any

import icalendar
from django.conf import settings
from django.urls import reverse
from django.utils import formats, translation

from engagement.events.models import Event
from notifications.models import Notification
from notifications.rendering import Attachment, template_hooks_register

PRODID = "-//Kipinä//network events//EN"
# The events' templates under notifications/templates/notifications/; the confirmation and the
# promotion carry the .ics (the person now has a seat to put in their calendar).
TEMPLATES = ("event_invitation", "event_confirmation", "event_promoted", "event_reminder")
WITH_ICS = ("event_confirmation", "event_promoted")


def event_url(event: Event) -> str:
    return settings.KIPINA_PUBLIC_URL + reverse("events:detail", kwargs={"event_uuid": event.uuid})


def event_uid(event: Event) -> str:
    """Stable for the event's whole life (RFC 5545 §3.8.4.7): calendars update the entry they
    already have instead of adding a second one."""
    return f"event-{event.uuid}@kipina"


def calendar_of(events: Iterable[Event], *, language: str, name: str = "") -> bytes:
    calendar = icalendar.Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("method", "PUBLISH")
    if name:
        calendar.add("x-wr-calname", name)
    for event in events:
        calendar.add_component(_vevent(event, language))
    # The events' own time zones as VTIMEZONE components, so DTSTART keeps its TZID.
    calendar.add_missing_timezones()
    return calendar.to_ical()


def _vevent(event: Event, language: str) -> icalendar.Event:
    zone = zoneinfo.ZoneInfo(event.time_zone)
    entry = icalendar.Event()
    entry.add("uid", event_uid(event))
    entry.add("dtstamp", event.created_at)
    entry.add("dtstart", event.starts_at.astimezone(zone))
    entry.add("dtend", event.ends_at.astimezone(zone))
    entry.add("summary", event.translated("title", language))
    description = event.translated("description", language)
    if description:
        entry.add("description", description)
    entry.add("location", event.place or event.online_url)
    entry.add("url", event_url(event))
    if event.organiser.email:
        entry.add("organizer", f"mailto:{event.organiser.email}")
    return entry


# --- Notification hooks -------------------------------------------------------------------------


def _event_of(notification: Notification) -> Event | None:
    event_id = (notification.context or {}).get("event_id")
    if not isinstance(event_id, int):
        return None
    return Event.objects.select_related("organiser").filter(pk=event_id).first()


def event_context(notification: Notification, language: str) -> dict[str, Any]:
    event = _event_of(notification)
    if event is None:
        return {}
    zone = zoneinfo.ZoneInfo(event.time_zone)
    with translation.override(language):
        when = formats.date_format(event.starts_at.astimezone(zone), "DATETIME_FORMAT")
    return {
        "event_title": event.translated("title", language),
        "event_when": f"{when} ({event.time_zone})",
        "event_where": event.place or event.online_url,
        "event_organiser": event.organiser.translated("name", language),
        "link": event_url(event),
    }


def event_attachments(notification: Notification, language: str) -> list[Attachment]:
    event = _event_of(notification)
    if event is None:
        return []
    content = calendar_of([event], language=language)
    return [Attachment("event.ics", content, "text/calendar")]


def register_attachments() -> None:
    for template in TEMPLATES:
        template_hooks_register(
            template=template,
            context=event_context,
            attachments=event_attachments if template in WITH_ICS else None,
        )
