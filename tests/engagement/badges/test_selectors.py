"""badges_earned: what digests show, one query for a batch of people."""

import datetime as dt
from typing import Any

import pytest

from engagement.badges.models import BadgeClass
from engagement.badges.selectors import badges_earned
from engagement.badges.services import assertion_revoke, badge_award
from engagement.network.models import Person
from tests.engagement.badges.conftest import NOON
from tests.engagement.builders import Network

pytestmark = pytest.mark.django_db
WEEK = dt.timedelta(days=7)


def test_it_names_the_badges_awarded_in_the_period(
    net: Network, safety_badge: BadgeClass, pathway_badge: BadgeClass
) -> None:
    badge_award(badge_class=safety_badge, recipient=net.learner, now=NOON - dt.timedelta(days=1))
    badge_award(badge_class=pathway_badge, recipient=net.learner, now=NOON - 2 * WEEK)

    found = badges_earned(person_ids=[net.learner.pk], start=NOON - WEEK, end=NOON, language="fi")

    assert found == {net.learner.pk: ["Akkuturvallisuus"]}


def test_it_leaves_out_revoked_badges_and_people_with_none(
    net: Network, safety_badge: BadgeClass, django_assert_num_queries: Any
) -> None:
    other = Person.objects.create(given_name="E", family_name="M", email="e@example.fi")
    held = badge_award(badge_class=safety_badge, recipient=net.learner, now=NOON).assertion
    assertion_revoke(assertion=held, reason="Issued in error", now=NOON)

    with django_assert_num_queries(1):
        found = badges_earned(
            person_ids=[net.learner.pk, other.pk], start=NOON - WEEK, end=NOON + WEEK, language="en"
        )

    assert found == {}
