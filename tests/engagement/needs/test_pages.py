"""The employer contact's form at /needs/ and the report page /needs/offer/."""

import pytest
from django.test import Client

from engagement.needs.models import TrainingNeed
from tests.engagement.needs.conftest import NEW_URI, World, login_as

pytestmark = pytest.mark.django_db


def form(world: World, **overrides: object) -> dict[str, object]:
    return {
        "company": world.company.pk,
        "skills": [world.chemistry.pk],
        "new_skills": "",
        "people": "3",
        "needed_by": "2026-09-01",
        "eqf_level": "5",
        **overrides,
    }


def test_a_contact_records_a_need_and_sees_it_listed(world: World) -> None:
    client = login_as(world.contact)

    response = client.post("/needs/", form(world, new_skills=NEW_URI), follow=True)

    need = TrainingNeed.objects.get()
    assert (need.company, need.people, need.eqf_level) == (world.company, 3, 5)
    assert {skill.uri for skill in need.skills.all()} == {world.chemistry.uri, NEW_URI}
    assert "The training need is recorded." in response.content.decode()
    assert "battery chemistry" in response.content.decode()


def test_the_form_needs_a_csrf_token(world: World) -> None:
    login_as(world.contact)  # gives the contact a login
    client = Client(enforce_csrf_checks=True)
    client.force_login(world.contact.user)  # type: ignore[arg-type]

    response = client.post("/needs/", form(world))

    assert response.status_code == 403
    assert not TrainingNeed.objects.exists()


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"people": "0"}, "greater than or equal to 1"),
        ({"needed_by": "2026-03-01"}, "The date is in the past."),
        ({"eqf_level": "9"}, "Select a valid choice"),
        ({"skills": [], "new_skills": ""}, "Name at least one ESCO skill."),
        ({"new_skills": "http://example.com/not-esco"}, "Not an ESCO skill URI"),
    ],
)
def test_the_form_shows_what_is_wrong(
    world: World, overrides: dict[str, object], message: str
) -> None:
    response = login_as(world.contact).post("/needs/", form(world, **overrides))

    assert response.status_code == 400
    assert message in response.content.decode()
    assert not TrainingNeed.objects.exists()


def test_a_contact_cannot_record_for_another_company(world: World) -> None:
    response = login_as(world.contact).post("/needs/", form(world, company=world.other_company.pk))

    assert response.status_code == 400
    assert not TrainingNeed.objects.exists()


def test_a_contact_edits_and_withdraws_their_need(world: World) -> None:
    need = world.need()
    client = login_as(world.contact)

    assert client.get(f"/needs/{need.pk}/edit/").status_code == 200
    client.post(f"/needs/{need.pk}/edit/", form(world, people="8"))
    client.post(f"/needs/{need.pk}/withdraw/")

    need.refresh_from_db()
    assert (need.people, need.status) == (8, TrainingNeed.Status.WITHDRAWN)


def test_another_companys_need_cannot_be_edited_or_withdrawn(world: World) -> None:
    theirs = world.need(company=world.other_company)
    client = login_as(world.contact)

    assert client.get(f"/needs/{theirs.pk}/edit/").status_code == 404
    assert client.post(f"/needs/{theirs.pk}/withdraw/").status_code == 404
    theirs.refresh_from_db()
    assert theirs.status == TrainingNeed.Status.OPEN


def test_the_list_shows_only_the_contacts_company(world: World) -> None:
    world.need(company=world.other_company, description_en="Secret plans")

    response = login_as(world.contact).get("/needs/")

    assert "Secret plans" not in response.content.decode()
    assert 'id="no-needs"' in response.content.decode()


@pytest.mark.parametrize("who", ["learner", "teacher", "admin"])
def test_the_form_is_for_employer_contacts_only(world: World, who: str) -> None:
    assert login_as(getattr(world, who)).get("/needs/").status_code == 403


def test_anonymous_is_sent_to_log_in(world: World) -> None:
    response = Client().get("/needs/")

    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


@pytest.mark.parametrize("who", ["teacher", "admin"])
def test_providers_and_administrators_see_the_offer_page(world: World, who: str) -> None:
    world.need(skills=[world.chemistry, world.safety], people=6)

    page = login_as(getattr(world, who)).get("/needs/offer/").content.decode()

    assert "Gap: no pathway" in page
    assert "Cell chemistry (EQF 5): Electrolytes" in page
    assert "1 gap" in page


@pytest.mark.parametrize("who", ["contact", "learner"])
def test_the_offer_page_is_refused_to_companies_and_learners(world: World, who: str) -> None:
    assert login_as(getattr(world, who)).get("/needs/offer/").status_code == 403


@pytest.mark.parametrize(
    ("language", "heading"), [("fi", "Koulutustarpeet"), ("sv", "Utbildningsbehov")]
)
def test_the_form_speaks_finnish_and_swedish(world: World, language: str, heading: str) -> None:
    client = login_as(world.contact)
    client.cookies["django_language"] = language

    assert f"<h1>{heading}</h1>" in client.get("/needs/").content.decode()


@pytest.mark.parametrize(
    ("who", "dashboard", "link"),
    [
        ("learner", "/me/", "/needs/for-me/"),
        ("contact", "/employer/", "/needs/"),
        ("admin", "/network/", "/needs/offer/"),
    ],
)
def test_each_dashboard_links_to_its_needs_page(
    world: World, who: str, dashboard: str, link: str
) -> None:
    page = login_as(getattr(world, who)).get(dashboard).content.decode()

    assert f'<p id="needs-link"><a href="{link}">' in page
