"""Badges fixtures on top of the engagement network (tests/engagement/builders.py): an issuer
for the provider, a badge class for the safety milestone and one for the pathway."""

import datetime as dt
from typing import Any

import pytest
import time_machine
from django.contrib.auth import get_user_model
from django.test import Client

from engagement.badges.models import Assertion, BadgeClass, Issuer
from engagement.badges.services import badge_award
from engagement.network.models import EscoSkill, Organisation, Person, Role
from tests.engagement.builders import Network

# Noon in Helsinki: outside the default quiet hours (20:00-08:00), so notifications are due.
NOON = dt.datetime(2026, 3, 2, 10, 0, tzinfo=dt.UTC)


@pytest.fixture(autouse=True)
def _noon() -> Any:
    with time_machine.travel(NOON, tick=False):
        yield


@pytest.fixture
def issuer(net: Network) -> Issuer:
    return Issuer.objects.create(
        organisation=net.provider,
        name_en="Savonia UAS",
        name_fi="Savonia-ammattikorkeakoulu",
        url="https://www.savonia.fi",
        email="badges@savonia.fi",
    )


@pytest.fixture
def safety_badge(net: Network, issuer: Issuer) -> BadgeClass:
    skill = EscoSkill.objects.create(
        uri="http://data.europa.eu/esco/skill/0e2a5a4f-5bd6-4c4e-9a6f-6d3a7f1c2b11",
        label_en="apply health and safety standards",
    )
    net.safety.skills.add(skill)
    return BadgeClass.objects.create(
        issuer=issuer,
        milestone=net.safety,
        name_en="Battery safety",
        name_fi="Akkuturvallisuus",
        description_en="Works safely with battery cells.",
        criteria_en="Watch the safety video and pass the safety quiz.",
        tags=["safety", "battery"],
    )


@pytest.fixture
def pathway_badge(net: Network, issuer: Issuer) -> BadgeClass:
    return BadgeClass.objects.create(
        issuer=issuer,
        pathway=net.pathway,
        name_en="Battery cell manufacturing",
        description_en="Completed the whole pathway.",
    )


@pytest.fixture
def assertion(net: Network, safety_badge: BadgeClass) -> Assertion:
    return badge_award(
        badge_class=safety_badge, recipient=net.learner, enrolment=net.enrolment
    ).assertion


def signed_in(person: Person | None, *, staff: bool = False) -> Client:
    """A browser session of a login for this person (None: a login without a person)."""
    user = get_user_model().objects.create_user(
        username=f"user-{person.pk if person else 'none'}-{staff}", password="x", is_staff=staff
    )
    if person is not None:
        person.user = user
        person.save(update_fields=["user"])
    client = Client()
    client.force_login(user)
    return client


def network_admin(net: Network) -> Client:
    network = Organisation.objects.create(slug="network", name_en="Battery network", kind="network")
    admin = Person.objects.create(given_name="Ada", family_name="Admin", email="ada@network.fi")
    Role.objects.create(person=admin, organisation=network, kind=Role.Kind.NETWORK_ADMIN)
    return signed_in(admin)
