"""The public pages: /join/, the one-time secret link, /members/."""

import datetime as dt

import pytest
import time_machine
from django.core import signing
from django.test import Client
from django.utils import timezone

from engagement.membership import services
from engagement.membership.models import MembershipApplication
from tests.engagement.membership.conftest import application_data
from tests.factories import CompanyFactory, MilestoneFactory, OrganisationFactory, PathwayFactory

pytestmark = pytest.mark.django_db


def test_the_form_makes_a_pending_application(client):
    response = client.post("/join/", application_data())

    assert response.status_code == 302
    assert response["Location"] == "/join/thanks/"
    application = MembershipApplication.objects.get()
    assert application.status == "pending"
    assert application.contact_email == "liisa.makela@akkuopisto.example.fi"


@pytest.mark.parametrize(
    ("patch", "field", "message"),
    [
        ({"business_id": "1234567"}, "business_id", "looks like 1234567-8"),
        ({"business_id": "1234567-2"}, "business_id", "check digit"),
        ({"contact_email": "liisa"}, "contact_email", "valid email"),
        ({"kind": "network"}, "kind", "not one of the available choices"),
        ({"name_en": ""}, "name_en", "required"),
        ({"website": "not a url"}, "website", "valid URL"),
        ({"offer": "x" * 4001}, "offer", "at most 4000"),
    ],
)
def test_the_form_refuses_bad_fields(client, patch, field, message):
    response = client.post("/join/", application_data(**patch))

    assert response.status_code == 400
    assert message in " ".join(response.context["form"].errors[field])
    assert not MembershipApplication.objects.exists()


def test_an_empty_post_names_the_required_fields(client):
    response = client.post("/join/", {})

    assert response.status_code == 400
    assert "required" in " ".join(response.context["form"].errors["business_id"])


def test_an_oversize_post_is_refused(client, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 10_000

    response = client.post("/join/", application_data(offer="x" * 20_000))

    assert response.status_code == 400
    assert not MembershipApplication.objects.exists()


def test_the_form_speaks_finnish(client):
    response = client.post(
        "/join/", application_data(business_id="1234567-2"), HTTP_ACCEPT_LANGUAGE="fi"
    )

    (error,) = response.context["form"].errors["business_id"]
    assert "tarkistusmerkki on väärä" in error


def test_a_filled_honeypot_is_thanked_and_dropped(client):
    response = client.post("/join/", application_data(fax="+358 9 123"))

    assert response.status_code == 302
    assert not MembershipApplication.objects.exists()


def test_the_form_needs_the_csrf_token():
    response = Client(enforce_csrf_checks=True).post("/join/", application_data())

    assert response.status_code == 403
    assert not MembershipApplication.objects.exists()


def test_the_form_page_shows(client):
    response = client.get("/join/", HTTP_ACCEPT_LANGUAGE="sv")

    assert response.status_code == 200
    assert 'name="csrfmiddlewaretoken"' in response.content.decode()


@pytest.fixture
def approved(application, admin_user) -> MembershipApplication:
    return services.application_approve(
        application_id=application.pk, decided_by=admin_user, now=timezone.now()
    )


def test_the_secret_link_asks_before_it_shows(client, approved):
    token = services.secret_link_token(approved)

    response = client.get(f"/join/secret/{token}/")

    assert response.status_code == 200
    assert 'id="secret"' not in response.content.decode()
    assert "no-store" in response["Cache-Control"] or "max-age=0" in response["Cache-Control"]


def test_the_secret_link_shows_the_secret_once(client, approved):
    token = services.secret_link_token(approved)

    first = client.post(f"/join/secret/{token}/")
    second = client.post(f"/join/secret/{token}/")
    looked_again = client.get(f"/join/secret/{token}/")

    assert first.status_code == 200
    assert 'id="secret"' in first.content.decode()
    assert "X-Experience-API-Version: 1.0.3" in first.content.decode()
    assert second.status_code == 404
    assert looked_again.status_code == 404


def test_a_forged_secret_link_is_not_found(client, approved):
    forged = signing.dumps({"application": approved.pk}, salt="another purpose")

    assert client.get(f"/join/secret/{forged}/").status_code == 404
    assert client.post(f"/join/secret/{forged}/").status_code == 404


def test_an_expired_secret_link_is_not_found(client, approved):
    token = services.secret_link_token(approved)

    with time_machine.travel(
        timezone.now() + dt.timedelta(days=services.SECRET_LINK_DAYS, seconds=1)
    ):
        assert client.post(f"/join/secret/{token}/").status_code == 404
    approved.refresh_from_db()
    assert approved.secret_shown_at is None


def test_a_link_for_a_company_is_not_found(client, company_application, admin_user):
    approved = services.application_approve(
        application_id=company_application.pk, decided_by=admin_user, now=timezone.now()
    )

    token = services.secret_link_token(approved)

    assert client.post(f"/join/secret/{token}/").status_code == 404


def test_the_directory_lists_providers_offers_and_companies(client, django_assert_num_queries):
    provider = OrganisationFactory.create(name_en="Centria UAS", name_fi="Centria AMK")
    pathway = PathwayFactory.create(title_en="Battery chemistry", title_fi="Akkukemia")
    pathway.providers.add(provider)
    MilestoneFactory.create(pathway=pathway, provider=provider, title_en="Cell basics")
    hidden = PathwayFactory.create(title_en="Draft pathway", is_published=False)
    hidden.providers.add(provider)
    CompanyFactory.create(name_en="Nordic Cathode Oy")

    with django_assert_num_queries(4):  # session-free: providers, 2 prefetches, companies
        response = client.get("/members/", HTTP_ACCEPT_LANGUAGE="fi")

    page = response.content.decode()
    assert response.status_code == 200
    assert "Centria AMK" in page
    assert "Akkukemia" in page
    assert "Cell basics" in page
    assert "Draft pathway" not in page
    assert "Nordic Cathode Oy" in page
