"""Registrations racing for the last seats in separate connections (PostgreSQL: SQLite runs
one writer at a time): the event's row lock makes the seats exactly the capacity, and the
rest wait in distinct positions."""

import threading

import pytest
from django.db import connection

from engagement.events.models import Registration
from engagement.events.services import registration_create
from tests.engagement.events.conftest import NOON, make_event, person

pytestmark = pytest.mark.django_db(transaction=True)
RACERS = 4


@pytest.fixture(autouse=True)
def _postgresql() -> None:
    if connection.vendor != "postgresql":
        pytest.skip("SQLite runs one writer at a time; the race needs PostgreSQL")


def test_concurrent_registrations_never_overfill_the_event(net):
    event = make_event(net, capacity=2)
    people = [person(f"Racer{n}") for n in range(RACERS)]
    start = threading.Barrier(RACERS)
    errors: list[BaseException] = []

    def run(number: int) -> None:
        start.wait()
        try:
            registration_create(event=event, person=people[number], now=NOON)
        except BaseException as error:  # reported by the assertion below
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(n,)) for n in range(RACERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert errors == []
    rows = list(Registration.objects.values_list("status", "position"))
    assert sorted(status for status, _ in rows) == [
        "registered",
        "registered",
        "waitlisted",
        "waitlisted",
    ]
    assert sorted(position for _, position in rows if position is not None) == [1, 2]
