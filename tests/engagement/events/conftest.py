"""Fixtures of the events tests: the small network of tests/engagement/builders.py, an event
its provider organises, and people to register. The clock stands at NOON (a Wednesday noon in
Helsinki, outside the default quiet hours) unless a test moves it."""

import datetime as dt
from typing import Any

import pytest
from django.test import Client

from engagement.events.models import Event
from engagement.events.services import event_create
from engagement.network.models import Person
from tests.engagement.builders import Network
from tests.factories import PersonFactory, UserFactory

NOON = dt.datetime(2026, 3, 4, 10, 0, tzinfo=dt.UTC)
NEXT_WEEK = NOON + dt.timedelta(days=7)


@pytest.fixture(autouse=True)
def _world(settings: Any, time_machine: Any) -> None:
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    settings.KIPINA_PUBLIC_URL = "https://kipina.example"
    time_machine.move_to(NOON, tick=False)


def make_event(net: Network, *, capacity: int | None = 2, **fields: Any) -> Event:
    values: dict[str, Any] = {
        "organiser": net.provider,
        "kind": Event.Kind.SEMINAR,
        "title_en": "Battery safety day",
        "title_fi": "Akkuturvallisuuspäivä",
        "starts_at": NEXT_WEEK,
        "ends_at": NEXT_WEEK + dt.timedelta(hours=3),
        "place": "Kuopio, Microkatu 1",
        "capacity": capacity,
    }
    values.update(fields)
    return event_create(**values)


@pytest.fixture
def event(net: Network) -> Event:
    return make_event(net)


def person(name: str) -> Person:
    return PersonFactory.create(given_name=name, email=f"{name.lower()}@example.fi")


def signed_in(someone: Person) -> Client:
    someone.user = UserFactory.create()
    someone.save(update_fields=["user"])
    client = Client()
    client.force_login(someone.user)
    return client
