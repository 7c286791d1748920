"""Logins for each dashboard role. Each fixture returns a Django test client signed in as
a person who holds that one role."""

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
import time_machine
from django.test import Client

from engagement.network import services as network
from engagement.network.models import Cohort, Enrolment, Organisation, Person, Role
from engagement.progress.services import progress_project
from tests.engagement.builders import (
    COMPLETED,
    PASSED,
    SAFETY_QUIZ,
    SAFETY_VIDEO,
    Network,
    statement,
    store,
)
from tests.factories import (
    CohortFactory,
    CompanyFactory,
    OrganisationFactory,
    PersonFactory,
    RoleFactory,
    UserFactory,
)


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


@pytest.fixture
def provider(db: None) -> Organisation:
    return OrganisationFactory.create()


@pytest.fixture
def company(db: None) -> Organisation:
    return CompanyFactory.create()


@pytest.fixture
def network_org(db: None) -> Organisation:
    return OrganisationFactory.create(kind=Organisation.Kind.NETWORK, name_en="Battery network")


@pytest.fixture
def teacher(provider: Organisation) -> Person:
    return person_with_role(Role.Kind.TEACHER, provider)


@pytest.fixture
def employer_contact(company: Organisation) -> Person:
    return person_with_role(Role.Kind.EMPLOYER_CONTACT, company)


@pytest.fixture
def learner(provider: Organisation) -> Person:
    return person_with_role(Role.Kind.LEARNER, provider)


@pytest.fixture
def admin(network_org: Organisation) -> Person:
    return person_with_role(Role.Kind.NETWORK_ADMIN, network_org)


@pytest.fixture
def role_clients(teacher: Person, employer_contact: Person, learner: Person, admin: Person) -> Any:
    return {
        "teacher": login_as(teacher),
        "employer": login_as(employer_contact),
        "learner": login_as(learner),
        "network": login_as(admin),
    }


# --- A cohort with statements projected ------------------------------------------------------

NOW = dt.datetime(2026, 2, 10, 10, 0, tzinfo=dt.UTC)  # noon in Helsinki: outside quiet hours


@dataclass
class Scenario:
    net: Network
    teacher: Person
    cohort: Cohort
    learners: dict[str, Person]
    enrolments: dict[str, Enrolment]
    company: Organisation
    contact: Person
    other_cohort: Cohort


def enrol(net: Network, given_name: str) -> Enrolment:
    email = f"{given_name.lower()}@example.fi"
    learner = network.person_create(given_name=given_name, family_name="Testinen", email=email)
    network.identity_link(person=learner, kind="mbox", value=f"mailto:{email}")
    return network.enrolment_create(
        learner=learner, pathway=net.pathway, started_on=dt.date(2026, 1, 12)
    )


def make_scenario(net: Network) -> Scenario:
    teacher = person_with_role(Role.Kind.TEACHER, net.provider)
    enrolments = {"aino": net.enrolment, "bo": enrol(net, "Bo"), "cai": enrol(net, "Cai")}
    cohort = CohortFactory.create(
        provider=net.provider, teachers=[teacher], enrolments=list(enrolments.values())
    )
    other_provider = OrganisationFactory.create()
    other_teacher = person_with_role(Role.Kind.TEACHER, other_provider)
    other_cohort = CohortFactory.create(
        provider=other_provider, teachers=[other_teacher], enrolments=[enrol(net, "Dan")]
    )
    company = CompanyFactory.create()
    contact = person_with_role(Role.Kind.EMPLOYER_CONTACT, company)
    network.consent_give(enrolment=enrolments["aino"], employer=company)
    store(
        net.client,
        statement(SAFETY_VIDEO, COMPLETED, at="2026-02-03T08:00:00Z"),
        statement(SAFETY_QUIZ, PASSED, at="2026-02-03T09:00:00Z"),
        statement(SAFETY_QUIZ, PASSED, actor="mailto:bo@example.fi", at="2026-02-04T09:00:00Z"),
    )
    progress_project()
    return Scenario(
        net,
        teacher,
        cohort,
        {k: e.learner for k, e in enrolments.items()},
        enrolments,
        company,
        contact,
        other_cohort,
    )


@pytest.fixture
def scenario(net: Network) -> Scenario:
    with time_machine.travel(NOW, tick=False):
        return make_scenario(net)


@pytest.fixture
def frozen() -> Iterator[Any]:
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller
