"""Writes of the events room: events, registration with a waiting list, cancellation with
promotion, attendance, and the invitations and reminders sent through notifications.

Capacity holds under concurrency: every change of seats locks the event's row first, so two
registrations for the last seat queue on the lock and the second one counts the first.
Registration and attendance are also xAPI statements ("registered", "attended") stored
through the LRS in the organiser's tenant, with ids derived from event, person and verb: a
retry or a second marking is the same statement and the LRS keeps one copy.
"""

import datetime as dt
import logging
import uuid
from collections.abc import Sequence
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import Max
from django.utils.translation import gettext as _

from engagement.events.models import Event, Registration
from engagement.events.selectors import can_mark_attendance
from engagement.network.models import Organisation, Person, XapiIdentity
from learning_records.models import LrsClient, Scope
from learning_records.services import StatementConflict, lrs_client_create, statements_store
from learning_records.xapi.validate import parse_statements
from learning_records.xapi.versions import XapiVersion
from notifications.models import Topic
from notifications.services import notification_create

logger = logging.getLogger(__name__)

REGISTERED_VERB = "http://adlnet.gov/expapi/verbs/registered"
ATTENDED_VERB = "http://adlnet.gov/expapi/verbs/attended"
# The Registry's activity type for a meeting (id.tincanapi.com), the closest fit for a seminar,
# webinar or visit that people attend at a set time.
MEETING_TYPE = "http://id.tincanapi.com/activitytype/meeting"
# Invitations and reminders made per task: each is one INSERT and a kick, so a batch stays
# well inside the task time limit.
NOTIFY_BATCH = 500

Status = Registration.Status


class EventError(Exception):
    """A request the events room refuses; the message is for the person who asked."""


class NotAllowed(EventError):
    """The person asking may not do this (403)."""


# --- Events -------------------------------------------------------------------------------------


def event_activity_iri(*, event_uuid: uuid.UUID) -> str:
    return f"{settings.KIPINA_PUBLIC_URL}/events/{event_uuid}"


@transaction.atomic
def event_create(
    *,
    organiser: Organisation,
    kind: str,
    title_en: str,
    starts_at: dt.datetime,
    ends_at: dt.datetime,
    time_zone: str = "Europe/Helsinki",
    place: str = "",
    online_url: str = "",
    capacity: int | None = None,
    audience: str = Event.Audience.OPEN,
    is_published: bool = True,
    **translations: str,
) -> Event:
    """A new event with its permanent activity IRI. `translations`: title_fi, title_sv,
    description_en/fi/sv."""
    unknown = set(translations) - {
        f"{f}_{lang}" for f in ("title", "description") for lang in ("en", "fi", "sv")
    }
    if unknown:
        raise TypeError(f"unknown fields: {', '.join(sorted(unknown))}")
    event_uuid = uuid.uuid4()
    event = Event(
        uuid=event_uuid,
        organiser=organiser,
        kind=kind,
        title_en=title_en,
        starts_at=starts_at,
        ends_at=ends_at,
        time_zone=time_zone,
        place=place,
        online_url=online_url,
        capacity=capacity,
        audience=audience,
        is_published=is_published,
        activity_iri=event_activity_iri(event_uuid=event_uuid),
        **translations,
    )
    event.full_clean()
    event.save()
    return event


# --- Registration -------------------------------------------------------------------------------


@transaction.atomic
def registration_create(*, event: Event, person: Person, now: dt.datetime) -> Registration:
    """A seat, or a place at the end of the waiting list when the event is full. Asking again
    while registered or waitlisted changes nothing; asking after cancelling asks anew."""
    locked = Event.objects.select_for_update().get(pk=event.pk)
    if not locked.is_published:
        raise EventError(_("This event is not open for registration."))
    if locked.starts_at <= now:
        raise EventError(_("This event has already started."))
    registration = Registration.objects.filter(event=locked, person=person).first()
    if registration is not None and registration.status != Status.CANCELLED:
        return registration
    if registration is None:
        registration = Registration(event=locked, person=person)
    registration.requested_at = now
    if _has_free_seat(locked):
        _seat(registration, now)
        registration.save()
        _registered_statement_store(registration)
        _confirmation_notify(registration, now, template="event_confirmation")
    else:
        registration.status = Status.WAITLISTED
        registration.position = _last_position(locked) + 1
        registration.save()
    return registration


@transaction.atomic
def registration_cancel(
    *, registration: Registration, person: Person, now: dt.datetime
) -> Registration:
    """Give up a seat or a waiting-list place; the first on the waiting list takes a freed
    seat and is told. Cancelling twice changes nothing."""
    if registration.person_id != person.pk:
        raise NotAllowed(_("This registration is someone else's."))
    event = Event.objects.select_for_update().get(pk=registration.event_id)
    registration.refresh_from_db()
    if registration.status == Status.CANCELLED:
        return registration
    if registration.attended_at is not None:
        raise EventError(_("Attendance is already recorded; the registration cannot be cancelled."))
    had_seat = registration.status == Status.REGISTERED
    registration.status = Status.CANCELLED
    registration.position = None
    registration.save(update_fields=["status", "position", "updated_at"])
    if had_seat and event.starts_at > now:
        _promote_first(event, now)
    return registration


def _has_free_seat(event: Event) -> bool:
    if event.capacity is None:
        return True
    taken = Registration.objects.filter(event=event, status=Status.REGISTERED).count()
    return taken < event.capacity


def _last_position(event: Event) -> int:
    found = Registration.objects.filter(event=event, status=Status.WAITLISTED).aggregate(
        last=Max("position")
    )
    return int(found["last"] or 0)


def _seat(registration: Registration, now: dt.datetime) -> None:
    registration.status = Status.REGISTERED
    registration.position = None
    # The first seat's time stays: the "registered" statement carries it (see the model).
    registration.registered_at = registration.registered_at or now


def _promote_first(event: Event, now: dt.datetime) -> None:
    first = (
        Registration.objects.select_related("person", "event")
        .filter(event=event, status=Status.WAITLISTED)
        .order_by("position", "pk")
        .first()
    )
    if first is None or not _has_free_seat(event):
        return
    _seat(first, now)
    first.save(update_fields=["status", "position", "registered_at", "updated_at"])
    _registered_statement_store(first)
    _confirmation_notify(first, now, template="event_promoted")


def _confirmation_notify(registration: Registration, now: dt.datetime, *, template: str) -> None:
    # Keyed by the moment of the seat: a seat taken again after a cancellation is confirmed
    # again, a retried transaction is not.
    notification_create(
        person=registration.person,
        topic=Topic.EVENTS,
        template=template,
        idempotency_key=f"{template}:{registration.pk}:{now.isoformat()}",
        context={"event_id": registration.event_id, "registration_id": registration.pk},
    )


# --- Attendance ---------------------------------------------------------------------------------


@transaction.atomic
def attendance_mark(
    *, event: Event, person: Person, marked_by: Any, now: dt.datetime
) -> Registration:
    """Record that a registered (or waitlisted, who came anyway) person attended. Only the
    organiser's staff or an administrator (`marked_by` is a user) may; marking again keeps
    the first time and stores the same statement, of which the LRS keeps one copy."""
    if not can_mark_attendance(user=marked_by, event=event):
        raise NotAllowed(_("Only the organiser's staff or an administrator can mark attendance."))
    if event.starts_at > now:
        raise EventError(_("Attendance can be marked once the event has started."))
    registration = (
        Registration.objects.select_for_update()
        .select_related("event", "person")
        .filter(event=event, person=person)
        .first()
    )
    if registration is None or registration.status == Status.CANCELLED:
        raise EventError(_("This person has no registration for this event."))
    if registration.attended_at is None:
        registration.attended_at = now
        registration.attendance_marked_by = getattr(marked_by, "person", None)
        registration.save(update_fields=["attended_at", "attendance_marked_by", "updated_at"])
    _attended_statement_store(registration)
    return registration


# --- xAPI ---------------------------------------------------------------------------------------


def statement_id(*, event: Event, person: Person, verb: str) -> str:
    return str(uuid.uuid5(uuid.NAMESPACE_URL, f"{event.activity_iri}#{person.pk}#{verb}"))


def event_statement(*, event: Event, person: Person, verb: str, at: dt.datetime) -> dict[str, Any]:
    display = "registered" if verb == REGISTERED_VERB else "attended"
    names = {lang: getattr(event, f"title_{lang}") for lang in ("en", "fi", "sv")}
    return {
        "id": statement_id(event=event, person=person, verb=verb),
        "actor": _actor(person),
        "verb": {"id": verb, "display": {"en-US": display}},
        "object": {
            "objectType": "Activity",
            "id": event.activity_iri,
            "definition": {
                "type": MEETING_TYPE,
                "name": {lang: name for lang, name in names.items() if name},
            },
        },
        "timestamp": at.isoformat(),
    }


def _registered_statement_store(registration: Registration) -> None:
    if registration.registered_at is not None:
        _store(registration, REGISTERED_VERB, registration.registered_at)


def _attended_statement_store(registration: Registration) -> None:
    if registration.attended_at is not None:
        _store(registration, ATTENDED_VERB, registration.attended_at)


def _store(registration: Registration, verb: str, at: dt.datetime) -> None:
    event, person = registration.event, registration.person
    statement = event_statement(event=event, person=person, verb=verb, at=at)
    version = XapiVersion.V1_0_3
    try:
        statements_store(
            client=_events_client(event.organiser),
            statements=parse_statements(statement, version=version),
            version=version,
        )
    except StatementConflict:
        # The event's title was edited since the first copy: the first statement stands
        # (a stored statement is immutable), and the record it gives is the same.
        logger.info("statement %s already stored with the old event title", statement["id"])


def _actor(person: Person) -> dict[str, Any]:
    """The person as the LMSs know them (their first xAPI identity), else their e-mail."""
    identity = person.identities.order_by("pk").first()
    if identity is None:
        if not person.email:
            raise EventError(_("A person needs an e-mail address or an xAPI identity to register."))
        return {"objectType": "Agent", "mbox": f"mailto:{person.email}"}
    if identity.kind == XapiIdentity.Kind.ACCOUNT:
        return {
            "objectType": "Agent",
            "account": {"homePage": identity.home_page, "name": identity.value},
        }
    return {"objectType": "Agent", identity.kind: identity.value}


def _events_client(organisation: Organisation) -> LrsClient:
    """The events room's own write-only LRS client in the organiser's tenant (made on first
    use; its secret is never shown, nobody signs in with it)."""
    key = f"kipina-events-{organisation.pk}"
    client = LrsClient.objects.filter(key=key).first()
    if client is None:
        client, _secret = lrs_client_create(
            organisation=organisation,
            name="Kipinä events",
            key=key,
            scopes=[Scope.STATEMENTS_WRITE],
        )
    return client


# --- Invitations and reminders ------------------------------------------------------------------


def invitations_create(*, event_id: int, person_ids: Sequence[int]) -> int:
    """An invitation to each of these people (a batch of selectors.event_audience_ids); the count
    made. The idempotency key is (event, person): a re-run invites nobody twice."""
    made = 0
    for person in Person.objects.filter(pk__in=person_ids):
        notification_create(
            person=person,
            topic=Topic.EVENTS,
            template="event_invitation",
            idempotency_key=f"event_invitation:{event_id}:{person.pk}",
            context={"event_id": event_id},
        )
        made += 1
    return made


def reminders_create(*, registration_ids: Sequence[int]) -> int:
    """A reminder to each registered person of these registrations; once per registration
    and seat (the key), so overlapping sweeps remind nobody twice."""
    made = 0
    registrations = Registration.objects.select_related("person").filter(
        pk__in=registration_ids, status=Status.REGISTERED
    )
    for registration in registrations:
        notification_create(
            person=registration.person,
            topic=Topic.EVENTS,
            template="event_reminder",
            idempotency_key=f"event_reminder:{registration.pk}",
            context={"event_id": registration.event_id, "registration_id": registration.pk},
        )
        made += 1
    return made
