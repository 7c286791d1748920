"""Registration with capacity and a waiting list; cancellation and promotion
(engagement/events/services.py)."""

import datetime as dt

import pytest

from engagement.events.models import Registration
from engagement.events.services import (
    REGISTERED_VERB,
    EventError,
    NotAllowed,
    registration_cancel,
    registration_create,
)
from learning_records.models import Statement
from notifications.models import Notification, Topic
from tests.engagement.events.conftest import NOON, make_event, person

pytestmark = pytest.mark.django_db
Status = Registration.Status


def test_it_gives_seats_until_the_event_is_full_then_waitlists_in_order(event):
    made = [registration_create(event=event, person=person(n), now=NOON) for n in "ABCD"]

    assert [(r.status, r.position) for r in made] == [
        (Status.REGISTERED, None),
        (Status.REGISTERED, None),
        (Status.WAITLISTED, 1),
        (Status.WAITLISTED, 2),
    ]


def test_an_event_without_capacity_never_waitlists(net):
    event = make_event(net, capacity=None)

    made = [registration_create(event=event, person=person(n), now=NOON) for n in "ABCDE"]

    assert {r.status for r in made} == {Status.REGISTERED}


def test_registering_again_changes_nothing(event):
    anna = person("Anna")
    first = registration_create(event=event, person=anna, now=NOON)

    again = registration_create(event=event, person=anna, now=NOON + dt.timedelta(hours=1))

    assert again.pk == first.pk
    assert Registration.objects.count() == 1
    assert Notification.objects.filter(template="event_confirmation").count() == 1


def test_a_seat_is_confirmed_by_a_notification_and_a_registered_statement(event):
    anna = person("Anna")

    registration_create(event=event, person=anna, now=NOON)

    notification = Notification.objects.get(person=anna)
    assert (notification.topic, notification.template) == (Topic.EVENTS, "event_confirmation")
    statement = Statement.objects.get(verb_iri=REGISTERED_VERB)
    assert statement.organisation_id == event.organiser_id


def test_a_waitlisted_person_gets_no_registered_statement_yet(net):
    event = make_event(net, capacity=0)

    registration_create(event=event, person=person("Anna"), now=NOON)

    assert not Statement.objects.exists()
    assert not Notification.objects.exists()


def test_cancelling_a_seat_promotes_the_first_on_the_waiting_list_and_tells_them(event):
    anna, ben, cai, dan = (person(n) for n in ("Anna", "Ben", "Cai", "Dan"))
    for someone in (anna, ben, cai, dan):
        registration_create(event=event, person=someone, now=NOON)
    seat = Registration.objects.get(person=anna)

    registration_cancel(registration=seat, person=anna, now=NOON + dt.timedelta(hours=1))

    statuses = dict(Registration.objects.values_list("person__given_name", "status"))
    assert statuses == {
        "Anna": Status.CANCELLED,
        "Ben": Status.REGISTERED,
        "Cai": Status.REGISTERED,
        "Dan": Status.WAITLISTED,
    }
    assert Notification.objects.filter(person=cai, template="event_promoted").exists()
    assert Statement.objects.filter(verb_iri=REGISTERED_VERB).count() == 3


def test_cancelling_a_waitlist_place_promotes_nobody(event):
    people = [person(n) for n in ("Anna", "Ben", "Cai", "Dan")]
    for someone in people:
        registration_create(event=event, person=someone, now=NOON)

    registration_cancel(
        registration=Registration.objects.get(person=people[2]), person=people[2], now=NOON
    )

    assert Registration.objects.get(person=people[3]).status == Status.WAITLISTED
    assert not Notification.objects.filter(template="event_promoted").exists()


def test_cancelling_twice_changes_nothing(event):
    anna = person("Anna")
    seat = registration_create(event=event, person=anna, now=NOON)
    registration_cancel(registration=seat, person=anna, now=NOON)

    again = registration_cancel(registration=seat, person=anna, now=NOON)

    assert again.status == Status.CANCELLED


def test_it_refuses_to_cancel_someone_elses_registration(event):
    anna, ben = person("Anna"), person("Ben")
    seat = registration_create(event=event, person=anna, now=NOON)

    with pytest.raises(NotAllowed):
        registration_cancel(registration=seat, person=ben, now=NOON)

    assert Registration.objects.get(pk=seat.pk).status == Status.REGISTERED


def test_registering_after_cancelling_asks_anew_and_keeps_one_registered_statement(event):
    anna = person("Anna")
    seat = registration_create(event=event, person=anna, now=NOON)
    registration_cancel(registration=seat, person=anna, now=NOON)

    again = registration_create(event=event, person=anna, now=NOON + dt.timedelta(hours=2))

    assert again.status == Status.REGISTERED
    assert again.registered_at == NOON
    assert Statement.objects.filter(verb_iri=REGISTERED_VERB).count() == 1


def test_it_refuses_an_unpublished_event(net):
    event = make_event(net, is_published=False)

    with pytest.raises(EventError):
        registration_create(event=event, person=person("Anna"), now=NOON)


def test_it_refuses_an_event_that_has_started(event):
    with pytest.raises(EventError):
        registration_create(event=event, person=person("Anna"), now=event.starts_at)
