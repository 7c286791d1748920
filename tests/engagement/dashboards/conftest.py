"""Logins for each dashboard role. Each fixture returns a Django test client signed in as
a person who holds that one role."""

from typing import Any

import pytest
from django.test import Client

from engagement.network.models import Organisation, Person, Role
from tests.factories import (
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
