"""The directory's admin screens load, and their forms keep the directory's rules."""

import pytest
from django.test import Client

from engagement.network.models import MilestoneActivity, Role, XapiIdentity
from learning_records.models import lookup_hash
from tests.factories import (
    ActivityFactory,
    CompanyFactory,
    IdentityFactory,
    MilestoneFactory,
    PersonFactory,
    RoleFactory,
    UserFactory,
)

MODELS = [
    "organisation", "person", "role", "xapiidentity", "escoskill", "pathway", "milestone",
    "milestoneactivity", "enrolment", "cohort", "consent",
]  # fmt: skip


@pytest.fixture
def admin_client(world) -> Client:
    client = Client()
    client.force_login(UserFactory.create(username="staff", is_staff=True, is_superuser=True))
    return client


@pytest.mark.parametrize("model", MODELS)
@pytest.mark.parametrize("page", ["", "add/"])
def test_it_opens_the_list_and_add_page_of_every_model(admin_client, model, page):
    response = admin_client.get(f"/admin/network/{model}/{page}")

    assert response.status_code == 200


@pytest.mark.parametrize("model", MODELS)
def test_it_searches_every_model(admin_client, model):
    assert admin_client.get(f"/admin/network/{model}/", {"q": "aino"}).status_code == 200


def test_it_opens_the_change_pages_with_their_inlines(admin_client, world):
    milestone = MilestoneFactory.create(pathway=world.pathway, position=1)
    ActivityFactory.create(milestone=milestone, activity_iri="https://moodle.example.fi/quiz/9")
    IdentityFactory.create(person=world.aino)

    pathway = admin_client.get(f"/admin/network/pathway/{world.pathway.pk}/change/")
    person = admin_client.get(f"/admin/network/person/{world.aino.pk}/change/")
    cohort = admin_client.get(f"/admin/network/cohort/{world.cohort.pk}/change/")
    milestone_page = admin_client.get(f"/admin/network/milestone/{milestone.pk}/change/")
    organisation = admin_client.get(f"/admin/network/organisation/{world.valmet.pk}/change/")

    assert "1 of 1: https://moodle.example.fi/quiz/9" in pathway.content.decode()
    assert "mailto:aino@example.fi" in person.content.decode()
    assert "enrolments in the cohort" in cohort.content.decode().lower()
    assert "https://moodle.example.fi/quiz/9" in milestone_page.content.decode()
    assert "people with roles (contacts)" in organisation.content.decode().lower()


def test_it_computes_the_hash_of_an_activity_added_in_the_admin(admin_client):
    milestone = MilestoneFactory.create()
    iri = "https://moodle.example.fi/mod/quiz/42"

    response = admin_client.post(
        "/admin/network/milestoneactivity/add/",
        {
            "milestone": milestone.pk,
            "activity_iri": iri,
            "verbs": '["http://adlnet.gov/expapi/verbs/passed"]',
        },
    )

    assert response.status_code == 302, response.content.decode()
    assert MilestoneActivity.objects.get().activity_hash == lookup_hash(iri)


def test_it_derives_the_agent_key_of_an_identity_added_in_the_admin(admin_client):
    person = PersonFactory.create()

    response = admin_client.post(
        "/admin/network/xapiidentity/add/",
        {
            "person": person.pk,
            "kind": "account",
            "value": "2041",
            "home_page": "https://moodle.example.fi",
        },
    )

    assert response.status_code == 302
    assert XapiIdentity.objects.get().agent_key == "Agent|account|https://moodle.example.fi|2041"


def test_it_refuses_a_role_the_organisation_cannot_have_in_the_admin(admin_client):
    person, company = PersonFactory.create(), CompanyFactory.create()

    response = admin_client.post(
        "/admin/network/role/add/",
        {"person": person.pk, "organisation": company.pk, "kind": "teacher"},
    )

    assert response.status_code == 200
    assert "not an education provider" in response.content.decode()
    assert not Role.objects.filter(person=person).exists()


def test_it_revokes_consents_with_an_admin_action(admin_client, world):
    response = admin_client.post(
        "/admin/network/consent/",
        {"action": "revoke", "_selected_action": [world.consent.pk]},
        follow=True,
    )

    world.consent.refresh_from_db()
    assert world.consent.revoked_at is not None
    assert "1 consent revoked." in response.content.decode()


def test_it_refuses_a_cohort_teacher_without_the_role_in_the_admin(admin_client, world):
    outsider = RoleFactory.create(organisation=world.sedu, kind="teacher").person

    response = admin_client.post(
        "/admin/network/cohort/add/",
        {
            "provider": world.savonia.pk,
            "name": "Autumn",
            "teachers": [outsider.pk],
            "network-cohort_enrolments-TOTAL_FORMS": "0",
            "network-cohort_enrolments-INITIAL_FORMS": "0",
        },
    )

    assert response.status_code == 200
    assert "Not a teacher at Savonia UAS" in response.content.decode()
