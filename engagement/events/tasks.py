"""Celery tasks of the events room: the reminder sweep (beat) and the invitation and reminder
batches it and the admin fan out. Each task is idempotent through the notification's
idempotency key ((event, person) for invitations, the registration for reminders): a retried
or overlapping run makes no second notification."""

import datetime as dt

from celery import shared_task
from django.utils import timezone

from engagement.events import selectors, services
from engagement.events.models import Event

# Reminders go to people whose event starts within the next day; the beat runs hourly, so
# each registration falls in the window of about 24 runs and the key keeps it to one.
REMINDER_AHEAD = dt.timedelta(hours=24)


def _in_batches(ids: list[int], size: int) -> list[list[int]]:
    return [ids[start : start + size] for start in range(0, len(ids), size)]


@shared_task(name="events.remind", acks_late=True)
def events_remind() -> int:
    """Beat: fan the reminders due out in batches of services.NOTIFY_BATCH; the batch count."""
    due = selectors.reminder_due_ids(now=timezone.now(), ahead=REMINDER_AHEAD)
    batches = _in_batches(due, services.NOTIFY_BATCH)
    for batch in batches:
        events_remind_batch.delay(batch)
    return len(batches)


@shared_task(name="events.remind_batch", acks_late=True)
def events_remind_batch(registration_ids: list[int]) -> int:
    return services.reminders_create(registration_ids=registration_ids)


@shared_task(name="events.invite", acks_late=True)
def events_invite(event_id: int) -> int:
    """Fan the invitations of one event out in batches (selectors.event_audience_ids)."""
    event = Event.objects.filter(pk=event_id, is_published=True).first()
    if event is None:
        return 0
    batches = _in_batches(selectors.event_audience_ids(event=event), services.NOTIFY_BATCH)
    for batch in batches:
        events_invite_batch.delay(event_id, batch)
    return len(batches)


@shared_task(name="events.invite_batch", acks_late=True)
def events_invite_batch(event_id: int, person_ids: list[int]) -> int:
    return services.invitations_create(event_id=event_id, person_ids=person_ids)
