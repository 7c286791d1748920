"""The events room's part of a person's export and erasure."""

from collections import Counter
from typing import Any

from django.db import transaction

from engagement.events.models import Registration
from engagement.network.models import Person


def registrations_export(person: Person) -> list[dict[str, Any]]:
    return [
        {
            "event": r.event.title_en,
            "starts_at": r.event.starts_at,
            "status": r.status,
            "requested_at": r.requested_at,
            "registered_at": r.registered_at,
            "attended_at": r.attended_at,
        }
        for r in Registration.objects.filter(person=person).select_related("event").order_by("pk")
    ]


@transaction.atomic
def registrations_erase(*, person: Person) -> Counter[str]:
    """Delete the person's registrations; where they marked others' attendance (as a
    teacher), the mark stays and no longer says who made it. A freed seat is not offered to
    the waiting list: the event's organiser sees the count and may promote someone."""
    marked = Registration.objects.filter(attendance_marked_by=person).update(
        attendance_marked_by=None
    )
    counts: Counter[str] = Counter(Registration.objects.filter(person=person).delete()[1])
    counts["events.Registration (marker removed)"] += marked
    return counts
