"""Three network events for the demo, organised by Pohjanlahti (not Savonia: the demo LMS's
client reads Savonia's store, and the demo's replay counts stay those of the LMS traffic):

- a company visit ten days ago that the demo learner (login `learner`) attended: the
  attendance is an xAPI "attended" statement, and the first milestone of her pathway lists
  the event, so the projector counts it there;
- a webinar in two weeks, open to all, with no limit (the browser test registers on it);
- a workshop in three weeks with two places, both taken, and one person on the waiting list
  (demo learners with xAPI identities, so their statements match people).

The seed stores STATEMENTS statements (registered and attended) through the LRS.

Running the demo again finds the events by title and changes nothing.
"""

import datetime as dt
from zoneinfo import ZoneInfo

from django.contrib.auth import get_user_model

from backend.demo import network
from backend.demo.seed import ADMIN_USERNAME
from engagement.events.models import Event
from engagement.events.services import (
    ATTENDED_VERB,
    attendance_mark,
    event_create,
    registration_create,
)
from engagement.network.models import Milestone, Organisation, Person
from engagement.network.services import milestone_activity_add

HELSINKI = ZoneInfo("Europe/Helsinki")
VISIT = "Visit to the Kennotehdas cell line"
WEBINAR = "Webinar: second life of EV batteries"
WORKSHOP = "Workshop: thermal runaway in practice"
# The visit's registered and attended, and the workshop's two seats' registered.
STATEMENTS = 4


def _at(day: dt.date, hour: int) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour), tzinfo=HELSINKI)


def _event(title: str, **fields: object) -> tuple[Event, bool]:
    found = Event.objects.filter(title_en=title).first()
    if found is not None:
        return found, False
    return event_create(title_en=title, **fields), True  # type: ignore[arg-type]


def demo_events_seed(*, now: dt.datetime) -> str:
    """The lines the demo prints about its events."""
    today = now.astimezone(HELSINKI).date()
    organiser = Organisation.objects.get(slug=network.POHJANLAHTI)
    learner = Person.objects.get(user__username=network.LEARNER_USERNAME)
    pathway = network.STUDIES[network.LEARNER_WITH_LOGIN].pathway
    visit, made_visit = _event(
        VISIT,
        organiser=organiser,
        kind=Event.Kind.COMPANY_VISIT,
        title_fi="Vierailu Kennotehtaan kennolinjalle",
        title_sv="Besök på Kennotehdas cellinje",
        description_en="A guided walk along a cell manufacturing line, with its safety briefing.",
        starts_at=_at(today - dt.timedelta(days=10), 9),
        ends_at=_at(today - dt.timedelta(days=10), 12),
        place="Kennotehdas, Kuopio",
        capacity=20,
        audience=Event.Audience.LEARNERS,
    )
    first = Milestone.objects.filter(pathway__slug=pathway.slug).order_by("position").first()
    if made_visit:
        registration_create(event=visit, person=learner, now=visit.starts_at - dt.timedelta(days=7))
        admin = get_user_model().objects.get(username=ADMIN_USERNAME)
        attendance_mark(event=visit, person=learner, marked_by=admin, now=visit.starts_at)
    if first is not None and not first.activities.filter(activity_iri=visit.activity_iri).exists():
        milestone_activity_add(
            milestone=first, activity_iri=visit.activity_iri, verbs=[ATTENDED_VERB]
        )
    _event(
        WEBINAR,
        organiser=organiser,
        kind=Event.Kind.WEBINAR,
        title_fi="Webinaari: sähköautojen akkujen toinen elämä",
        title_sv="Webbinarium: elbilsbatteriernas andra liv",
        starts_at=_at(today + dt.timedelta(days=14), 14),
        ends_at=_at(today + dt.timedelta(days=14), 15),
        online_url="https://meet.pohjanlahti.example/second-life",
        capacity=None,
        audience=Event.Audience.OPEN,
    )
    workshop, made_workshop = _event(
        WORKSHOP,
        organiser=organiser,
        kind=Event.Kind.WORKSHOP,
        title_fi="Työpaja: lämpökarkaaminen käytännössä",
        title_sv="Workshop: termisk rusning i praktiken",
        starts_at=_at(today + dt.timedelta(days=21), 9),
        ends_at=_at(today + dt.timedelta(days=21), 15),
        place="Pohjanlahti, Vaasa",
        capacity=2,
        audience=Event.Audience.OPEN,
    )
    if made_workshop:
        others = Person.objects.filter(identities__isnull=False).exclude(pk=learner.pk)
        for someone in others.distinct().order_by("pk")[:3]:
            registration_create(event=workshop, person=someone, now=now)
    waiting = workshop.registrations.filter(status="waitlisted").count()
    return (
        f"Events: {Event.objects.count()} (calendar at /events/, feed at /events/calendar.ics); "
        f"{learner} attended {VISIT!r}, which counts towards milestone "
        f"{first.title_en if first else '-'!r}; {WORKSHOP!r} is full with {waiting} waiting."
    )
