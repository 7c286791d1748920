"""Reads of the events room: the public calendar, a person's registrations, who may mark
attendance, who is invited and who is reminded."""

import datetime as dt
from typing import Any

from django.db.models import Count, Q, QuerySet

from engagement.events.models import Event, Registration
from engagement.network.models import Enrolment, Organisation, Person, Role


def event_list_upcoming(*, now: dt.datetime, kind: str = "", audience: str = "") -> QuerySet[Event]:
    """Published events that have not ended, soonest first, with their seat counts."""
    events = (
        Event.objects.filter(is_published=True, ends_at__gt=now)
        .select_related("organiser")
        .annotate(
            seats_taken=Count(
                "registrations", filter=Q(registrations__status=Registration.Status.REGISTERED)
            )
        )
        .order_by("starts_at", "pk")
    )
    if kind:
        events = events.filter(kind=kind)
    if audience:
        events = events.filter(audience=audience)
    return events


def event_published(*, event_uuid: Any) -> Event | None:
    return (
        Event.objects.filter(uuid=event_uuid, is_published=True)
        .select_related("organiser")
        .prefetch_related("pathways", "skills")
        .annotate(
            seats_taken=Count(
                "registrations", filter=Q(registrations__status=Registration.Status.REGISTERED)
            )
        )
        .first()
    )


def registration_of(*, event: Event, person: Person | None) -> Registration | None:
    if person is None:
        return None
    return Registration.objects.filter(event=event, person=person).first()


def waiting_place(*, registration: Registration | None) -> int | None:
    """The person's place in the waiting list now (1 = next to get a seat). Positions are not
    renumbered when someone ahead leaves, so the place is counted, not read."""
    if registration is None or registration.status != Registration.Status.WAITLISTED:
        return None
    ahead = Registration.objects.filter(
        event_id=registration.event_id,
        status=Registration.Status.WAITLISTED,
        position__lt=registration.position,
    ).count()
    return ahead + 1


def person_of(user: Any) -> Person | None:
    if not getattr(user, "is_authenticated", False):
        return None
    return Person.objects.filter(user=user).first()


def can_mark_attendance(*, user: Any, event: Event) -> bool:
    """The organiser's staff (teachers, employer contacts or administrators of the organising
    organisation), a network administrator, or a Django staff user."""
    if not getattr(user, "is_authenticated", False):
        return False
    if user.is_staff or user.is_superuser:
        return True
    roles = Role.objects.filter(person__user=user)
    # A network_admin role counts only in the network organisation itself, as in the network
    # room's viewer_of_user: one held at a provider or company administers nothing.
    return roles.filter(
        Q(organisation_id=event.organiser_id) & ~Q(kind=Role.Kind.LEARNER)
        | Q(kind=Role.Kind.NETWORK_ADMIN, organisation__kind=Organisation.Kind.NETWORK)
    ).exists()


def event_audience_ids(*, event: Event) -> list[int]:
    """Who an event's invitation goes to, as person ids:
    - learners: the active learners of the event's related pathways;
    - providers: the teachers of every education provider in the network;
    - companies: the employer contacts of every member company;
    - open: all three.
    Only people with an e-mail address or a login are invited; nobody who already has a
    registration. Read in id order, so batches are stable."""
    audience = event.audience
    wanted = Q(pk__in=[])
    if audience in (Event.Audience.LEARNERS, Event.Audience.OPEN):
        learners = Enrolment.objects.filter(
            pathway__in=event.pathways.all(), status=Enrolment.Status.ACTIVE
        ).values("learner_id")
        wanted |= Q(pk__in=learners)
    if audience in (Event.Audience.PROVIDERS, Event.Audience.OPEN):
        wanted |= Q(
            roles__kind=Role.Kind.TEACHER,
            roles__organisation__kind__in=Organisation.PROVIDER_KINDS,
        )
    if audience in (Event.Audience.COMPANIES, Event.Audience.OPEN):
        wanted |= Q(
            roles__kind=Role.Kind.EMPLOYER_CONTACT,
            roles__organisation__kind=Organisation.Kind.COMPANY,
        )
    people = (
        Person.objects.filter(wanted)
        .exclude(email="", user=None)
        .exclude(event_registrations__event=event)
        .values_list("pk", flat=True)
        .distinct()
        .order_by("pk")
    )
    return list(people)


def reminder_due_ids(*, now: dt.datetime, ahead: dt.timedelta) -> list[int]:
    """Registrations with a seat at published events that start within `ahead`."""
    return list(
        Registration.objects.filter(
            status=Registration.Status.REGISTERED,
            event__is_published=True,
            event__starts_at__gt=now,
            event__starts_at__lte=now + ahead,
        )
        .order_by("pk")
        .values_list("pk", flat=True)
    )
