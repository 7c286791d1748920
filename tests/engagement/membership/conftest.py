import datetime as dt
from typing import Any

import pytest
import time_machine
from django.contrib.auth.models import User
from rest_framework.test import APIClient

from engagement.membership.models import MembershipApplication
from engagement.network.models import Role
from tests.factories import NetworkFactory, PersonFactory, RoleFactory, UserFactory

# 10:00 in Helsinki: outside quiet hours, so a welcome e-mail would go out at once.
NOON = dt.datetime(2026, 3, 2, 8, 0, tzinfo=dt.UTC)

# Valid Y-tunnus values (PRH's modulus 11 check digit).
BUSINESS_ID = "1234567-1"
OTHER_BUSINESS_ID = "7654321-2"


@pytest.fixture(autouse=True)
def _noon() -> Any:
    with time_machine.travel(NOON, tick=False):
        yield


def application_data(**overrides: Any) -> dict[str, Any]:
    data = {
        "name_en": "Kokkola Battery College",
        "name_fi": "Kokkolan akkuopisto",
        "name_sv": "",
        "kind": "vocational",
        "business_id": BUSINESS_ID,
        "website": "https://akkuopisto.example.fi",
        "contact_given_name": "Liisa",
        "contact_family_name": "Mäkelä",
        "contact_email": "liisa.makela@akkuopisto.example.fi",
        "language": "fi",
        "offer": "Battery cell assembly courses, EQF 4.",
    }
    return {**data, **overrides}


@pytest.fixture
def application(db: None) -> MembershipApplication:
    return MembershipApplication.objects.create(**application_data())


@pytest.fixture
def company_application(db: None) -> MembershipApplication:
    return MembershipApplication.objects.create(
        **application_data(
            name_en="Nordic Cathode Oy",
            name_fi="",
            kind="company",
            business_id=OTHER_BUSINESS_ID,
            contact_email="hr@cathode.example.fi",
            language="en",
        )
    )


@pytest.fixture
def admin_user(db: None) -> User:
    user = UserFactory.create(username="network-admin")
    person = PersonFactory.create(user=user)
    RoleFactory.create(
        person=person, organisation=NetworkFactory.create(), kind=Role.Kind.NETWORK_ADMIN
    )
    return user


@pytest.fixture
def admin_api(admin_user: User) -> APIClient:
    client = APIClient()
    client.force_authenticate(admin_user)
    return client
