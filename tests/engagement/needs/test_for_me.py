"""/needs/for-me/: a learner links their employer and sees pathways matching its open
needs; the employer is never told who linked."""

import pytest
from django.test import Client

from engagement.needs.models import EmployerLink, TrainingNeed
from tests.engagement.needs.conftest import World, login_as
from tests.factories import PathwayFactory

pytestmark = pytest.mark.django_db


def test_nothing_is_matched_before_the_learner_links(world: World) -> None:
    world.need()

    page = login_as(world.learner).get("/needs/for-me/").content.decode()

    assert 'id="matches"' not in page
    assert "Cell chemistry" not in page


def test_a_linked_employers_needs_show_matching_pathways(world: World) -> None:
    world.need()
    PathwayFactory.create(title_en="Unrelated welding")
    client = login_as(world.learner)

    client.post("/needs/for-me/link/", {"company": world.company.pk})
    page = client.get("/needs/for-me/").content.decode()

    assert "Cell chemistry" in page
    assert "Unrelated welding" not in page


def test_another_companys_needs_are_not_matched(world: World) -> None:
    world.need(company=world.other_company)
    client = login_as(world.learner)

    client.post("/needs/for-me/link/", {"company": world.company.pk})
    page = client.get("/needs/for-me/").content.decode()

    assert 'id="no-matches"' in page


def test_withdrawn_needs_are_not_matched(world: World) -> None:
    world.need(status=TrainingNeed.Status.WITHDRAWN)
    client = login_as(world.learner)

    client.post("/needs/for-me/link/", {"company": world.company.pk})

    assert "Cell chemistry" not in client.get("/needs/for-me/").content.decode()


def test_unlinking_hides_the_matches_at_once(world: World) -> None:
    world.need()
    client = login_as(world.learner)
    client.post("/needs/for-me/link/", {"company": world.company.pk})
    link = EmployerLink.objects.get()

    client.post(f"/needs/for-me/links/{link.pk}/unlink/")

    link.refresh_from_db()
    assert link.revoked_at is not None
    assert "Cell chemistry" not in client.get("/needs/for-me/").content.decode()


def test_linking_twice_keeps_one_link(world: World) -> None:
    client = login_as(world.learner)

    client.post("/needs/for-me/link/", {"company": world.company.pk})
    client.post("/needs/for-me/link/", {"company": world.company.pk})

    assert EmployerLink.objects.filter(revoked_at=None).count() == 1


def test_only_a_company_can_be_linked(world: World) -> None:
    response = login_as(world.learner).post("/needs/for-me/link/", {"company": world.provider.pk})

    assert response.status_code == 400
    assert not EmployerLink.objects.exists()


def test_another_persons_link_cannot_be_revoked(world: World) -> None:
    login_as(world.learner).post("/needs/for-me/link/", {"company": world.company.pk})
    link = EmployerLink.objects.get()

    response = login_as(world.teacher).post(f"/needs/for-me/links/{link.pk}/unlink/")

    assert response.status_code == 404
    link.refresh_from_db()
    assert link.revoked_at is None


def test_the_employer_does_not_see_who_linked(world: World) -> None:
    world.need()
    login_as(world.learner).post("/needs/for-me/link/", {"company": world.company.pk})
    contact = login_as(world.contact)

    pages = contact.get("/needs/").content.decode() + contact.get("/api/needs/").content.decode()

    assert world.learner.given_name not in pages
    assert contact.get("/needs/offer/").status_code == 403


def test_anonymous_is_sent_to_log_in(world: World) -> None:
    assert Client().get("/needs/for-me/").status_code == 302
    assert Client().post("/needs/for-me/link/", {"company": world.company.pk}).status_code == 302
