"""People of each kind the needs pages tell apart, and a small offer of pathways.

Time is pinned (2026-03-02 10:00 Helsinki), so "in the past" and "needed by" are fixed."""

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
import time_machine
from django.test import Client

from engagement.needs.models import TrainingNeed
from engagement.network.models import EscoSkill, Organisation, Pathway, Person, Role
from tests.factories import (
    CompanyFactory,
    MilestoneFactory,
    NetworkFactory,
    OrganisationFactory,
    PathwayFactory,
    PersonFactory,
    RoleFactory,
    SkillFactory,
    UserFactory,
)

NOW = dt.datetime(2026, 3, 2, 8, 0, tzinfo=dt.UTC)
TODAY = dt.date(2026, 3, 2)
CHEM_URI = "http://data.europa.eu/esco/skill/73b4d067-98a6-479b-83e4-fcb726580a4c"
SAFETY_URI = "http://data.europa.eu/esco/skill/2445a3a3-2181-4223-b381-cd9c84b5075c"
NEW_URI = "http://data.europa.eu/esco/skill/0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d"


@pytest.fixture(autouse=True)
def _clock() -> Iterator[None]:
    with time_machine.travel(NOW, tick=False):
        yield


def login_as(person: Person) -> Client:
    if person.user is None:
        person.user = UserFactory.create()
        person.save(update_fields=["user"])
    client = Client()
    client.force_login(person.user)
    return client


def person_with_role(kind: str, organisation: Organisation) -> Person:
    person = PersonFactory.create()
    RoleFactory.create(person=person, organisation=organisation, kind=kind)
    return person


@dataclass
class World:
    company: Organisation
    other_company: Organisation
    provider: Organisation
    contact: Person
    other_contact: Person
    teacher: Person
    admin: Person
    learner: Person
    chemistry: EscoSkill
    safety: EscoSkill
    cell_pathway: Pathway

    def need(self, company: Organisation | None = None, **fields: Any) -> TrainingNeed:
        skills = fields.pop("skills", [self.chemistry])
        values = {"people": 3, "needed_by": dt.date(2026, 9, 1), "eqf_level": 5, **fields}
        need = TrainingNeed.objects.create(company=company or self.company, **values)
        need.skills.set(skills)
        return need


@pytest.fixture
def world(db: None) -> World:
    company = CompanyFactory.create(slug="kennotehdas")
    other_company = CompanyFactory.create(slug="kiertoakku")
    provider = OrganisationFactory.create()
    network = NetworkFactory.create()
    chemistry = SkillFactory.create(
        uri=CHEM_URI, label_en="battery chemistry", label_fi="akkukemia"
    )
    safety = SkillFactory.create(uri=SAFETY_URI, label_en="safety standards")
    cell_pathway = PathwayFactory.create(title_en="Cell chemistry", eqf_level=5, skills=[chemistry])
    MilestoneFactory.create(pathway=cell_pathway, title_en="Electrolytes").skills.set([chemistry])
    return World(
        company=company,
        other_company=other_company,
        provider=provider,
        contact=person_with_role(Role.Kind.EMPLOYER_CONTACT, company),
        other_contact=person_with_role(Role.Kind.EMPLOYER_CONTACT, other_company),
        teacher=person_with_role(Role.Kind.TEACHER, provider),
        admin=person_with_role(Role.Kind.NETWORK_ADMIN, network),
        learner=person_with_role(Role.Kind.LEARNER, provider),
        chemistry=chemistry,
        safety=safety,
        cell_pathway=cell_pathway,
    )
