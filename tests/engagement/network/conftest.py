"""A small network for directory tests: two providers, two companies, two learners,
teachers of each provider, employer contacts, and administrators."""

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.test import Client
from django.utils import translation

from engagement.network.models import (
    Cohort,
    Consent,
    Enrolment,
    Organisation,
    Pathway,
    Person,
    Role,
)
from tests.factories import (
    CohortFactory,
    CompanyFactory,
    ConsentFactory,
    EnrolmentFactory,
    NetworkFactory,
    OrganisationFactory,
    PathwayFactory,
    PersonFactory,
    RoleFactory,
    UserFactory,
)


@dataclass
class World:
    network: Organisation
    savonia: Organisation
    sedu: Organisation
    valmet: Organisation
    kokkola: Organisation
    pathway: Pathway
    aino: Person
    mikko: Person
    teacher: Person
    other_teacher: Person
    employer: Person
    other_employer: Person
    admin: Person
    aino_enrolment: Enrolment
    mikko_enrolment: Enrolment
    cohort: Cohort
    consent: Consent
    users: dict[str, User]

    def client(self, who: str) -> Client:
        """A test client signed in as `who` (a key of `users`), or anonymous."""
        client = Client()
        if who != "anonymous":
            client.force_login(self.users[who])
        return client


def person_with_login(username: str, **kwargs: Any) -> tuple[Person, User]:
    user = UserFactory.create(username=username)
    return PersonFactory.create(user=user, **kwargs), user


@pytest.fixture
def world(db: None) -> World:
    network = NetworkFactory.create(slug="network", name_en="Battery network")
    savonia = OrganisationFactory.create(slug="savonia", name_en="Savonia UAS", kind="uas")
    sedu = OrganisationFactory.create(slug="sedu", name_en="Sedu", kind="vocational")
    valmet = CompanyFactory.create(slug="valmet", name_en="Valmet Automotive")
    kokkola = CompanyFactory.create(slug="kokkola", name_en="Kokkola Chemicals")
    pathway = PathwayFactory.create(slug="cells", title_en="Battery cells", providers=[savonia])
    aino, aino_user = person_with_login("aino", given_name="Aino", email="aino@example.fi")
    mikko, mikko_user = person_with_login("mikko", given_name="Mikko", email="mikko@example.fi")
    teacher, teacher_user = person_with_login("teacher", given_name="Tea", email="tea@savonia.fi")
    other, other_user = person_with_login("other_teacher", given_name="Tom", email="tom@sedu.fi")
    employer, employer_user = person_with_login(
        "employer", given_name="Emma", email="emma@valmet.fi"
    )
    other_employer, other_employer_user = person_with_login(
        "other_employer", given_name="Erik", email="erik@kokkola.fi"
    )
    admin, admin_user = person_with_login("admin", given_name="Ada", email="ada@network.fi")
    RoleFactory.create(person=aino, organisation=savonia, kind=Role.Kind.LEARNER)
    RoleFactory.create(person=teacher, organisation=savonia, kind=Role.Kind.TEACHER)
    RoleFactory.create(person=other, organisation=sedu, kind=Role.Kind.TEACHER)
    RoleFactory.create(person=employer, organisation=valmet, kind=Role.Kind.EMPLOYER_CONTACT)
    RoleFactory.create(person=other_employer, organisation=kokkola, kind=Role.Kind.EMPLOYER_CONTACT)
    RoleFactory.create(person=admin, organisation=network, kind=Role.Kind.NETWORK_ADMIN)
    aino_enrolment = EnrolmentFactory.create(learner=aino, pathway=pathway, sponsor=valmet)
    mikko_enrolment = EnrolmentFactory.create(
        learner=mikko, pathway=pathway, started_on=dt.date(2026, 2, 1)
    )
    # Tom teaches at Sedu, yet is listed on a Savonia cohort: he must see nothing through it.
    cohort = CohortFactory.create(
        provider=savonia,
        name="Cells spring 2026",
        teachers=[teacher, other],
        enrolments=[aino_enrolment],
    )
    consent = ConsentFactory.create(enrolment=aino_enrolment, employer=valmet)
    superuser = UserFactory.create(username="root", is_superuser=True, is_staff=True)
    users = {
        "aino": aino_user,
        "mikko": mikko_user,
        "teacher": teacher_user,
        "other_teacher": other_user,
        "employer": employer_user,
        "other_employer": other_employer_user,
        "admin": admin_user,
        "superuser": superuser,
        "no_person": UserFactory.create(username="stranger"),
    }
    return World(
        network, savonia, sedu, valmet, kokkola, pathway, aino, mikko, teacher, other, employer,
        other_employer, admin, aino_enrolment, mikko_enrolment, cohort, consent, users,
    )  # fmt: skip


@pytest.fixture(autouse=True)
def _language_reset() -> Iterator[None]:
    # LocaleMiddleware activates a request's language for the thread and never resets it: a
    # test that asks in Finnish must not leave the next one speaking Finnish.
    yield
    translation.deactivate()
