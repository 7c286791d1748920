"""Concurrent awards in separate connections (PostgreSQL: SQLite runs one writer at a time):
the same badge to the same person is made once; different awards get different status list
indexes."""

import threading
from collections.abc import Callable
from typing import Any

import pytest
from django.db import connection

from engagement.badges.models import Assertion, BadgeClass
from engagement.badges.services import EARNED_VERB, Award, badge_award
from engagement.network.models import Person
from learning_records.models import Statement
from notifications.models import Notification
from tests.engagement.builders import Network

pytestmark = pytest.mark.django_db(transaction=True)
RACERS = 4


@pytest.fixture(autouse=True)
def _postgresql() -> None:
    if connection.vendor != "postgresql":
        pytest.skip("SQLite runs one writer at a time; the race needs PostgreSQL")


def _race(award: Callable[[int], Award]) -> list[Award]:
    start = threading.Barrier(RACERS)
    made: list[Award] = []

    def run(number: int) -> None:
        start.wait()
        try:
            made.append(award(number))
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(n,)) for n in range(RACERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return made


def test_concurrent_awards_of_one_badge_make_one_assertion(
    net: Network, safety_badge: BadgeClass
) -> None:
    made = _race(lambda _: badge_award(badge_class=safety_badge, recipient=net.learner))

    assert sorted(award.created for award in made) == [False, False, False, True]
    assert len({award.assertion.pk for award in made}) == 1
    assert Assertion.objects.count() == 1
    assert Statement.objects.filter(verb_iri=EARNED_VERB).count() == 1
    assert Notification.objects.filter(template="badge_earned").count() == 1


def test_concurrent_awards_take_different_status_list_indexes(
    net: Network, safety_badge: BadgeClass
) -> None:
    learners = [
        Person.objects.create(given_name=f"L{n}", family_name="X", email=f"l{n}@example.fi")
        for n in range(RACERS)
    ]

    def award(number: int) -> Any:
        return badge_award(badge_class=safety_badge, recipient=learners[number])

    _race(award)

    indexes = sorted(Assertion.objects.values_list("status_list_index", flat=True))
    assert indexes == list(range(RACERS))
