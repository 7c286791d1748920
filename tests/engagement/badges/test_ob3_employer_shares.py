"""A learner shows a badge to an employer they have a consent in force with; the employer
contact sees it only while that consent is in force (engagement/badges/apis_ob3.py)."""

import datetime as dt
import json

import pytest
from django.test import Client
from django.utils import timezone

from engagement.badges.models_ob3 import EmployerBadgeShare
from engagement.badges.services import assertion_revoke, badge_award
from engagement.network.models import Consent, Enrolment, Organisation, Person, Role
from tests.engagement.badges.conftest import signed_in
from tests.engagement.badges.test_ob3_http import as_person

SHOWN = "/api/badges/shown-to-employer/"


def shares_url(assertion) -> str:
    return f"/api/badges/assertions/{assertion.uuid}/employers/"


@pytest.fixture
def employer(db) -> Organisation:
    return Organisation.objects.create(slug="valmet", name_en="Valmet Automotive", kind="company")


@pytest.fixture
def consent(net, employer) -> Consent:
    return Consent.objects.create(
        enrolment=net.enrolment, employer=employer, given_at=timezone.now()
    )


@pytest.fixture
def contact(employer) -> Client:
    person = Person.objects.create(given_name="Eila", family_name="Esimies", email="eila@valmet.fi")
    Role.objects.create(person=person, organisation=employer, kind=Role.Kind.EMPLOYER_CONTACT)
    return signed_in(person)


def share(assertion, employer_slug="valmet", **extra):
    return as_person(assertion.recipient).post(
        shares_url(assertion), {"employer": employer_slug, **extra}, content_type="application/json"
    )


def test_a_learner_shows_a_badge_to_a_consented_employer(assertion, consent, contact):
    response = share(assertion)
    assert response.status_code == 201
    assert response.json()["employer"] == "valmet"
    (shown,) = contact.get(SHOWN).json()
    assert shown["id"] == str(assertion.uuid)
    assert shown["badge"] == "Battery safety"
    assert shown["learner"] == "Aino Virtanen"
    assert shown["revoked"] is False
    # Credential status only: nothing of the learning itself (Act 759/2004 §3).
    assert set(shown) == {
        "id",
        "employer",
        "learner",
        "badge",
        "issuer",
        "issued_at",
        "revoked",
        "url",
    }


def test_sharing_again_changes_nothing(assertion, consent):
    assert share(assertion).status_code == 201
    assert share(assertion).status_code == 200
    assert EmployerBadgeShare.objects.count() == 1


def test_the_learner_lists_whom_a_badge_is_shown_to(assertion, consent):
    share(assertion)
    response = as_person(assertion.recipient).get(shares_url(assertion))
    assert [row["employer"] for row in response.json()] == ["valmet"]


def test_without_a_consent_in_force_the_share_is_refused(assertion, employer):
    response = share(assertion)
    assert response.status_code == 400
    assert "no consent in force with Valmet Automotive" in response.json()["detail"]


def test_revoking_the_consent_hides_the_badge_at_once(assertion, consent, contact):
    share(assertion)
    consent.revoked_at = timezone.now()
    consent.save(update_fields=["revoked_at"])
    assert contact.get(SHOWN).json() == []


def test_another_company_does_not_see_it(assertion, consent):
    other = Organisation.objects.create(slug="northvolt", name_en="Northvolt", kind="company")
    person = Person.objects.create(given_name="Olli", family_name="Muu", email="olli@nv.example")
    Role.objects.create(person=person, organisation=other, kind=Role.Kind.EMPLOYER_CONTACT)
    share(assertion)
    assert signed_in(person).get(SHOWN).json() == []


def test_a_revocation_after_sharing_is_shown_to_the_employer(assertion, consent, contact):
    share(assertion)
    assertion_revoke(assertion=assertion, reason="Issued by mistake.", now=timezone.now())
    assert contact.get(SHOWN).json()[0]["revoked"] is True


def test_a_revoked_badge_cannot_be_shared(assertion, consent):
    assertion_revoke(assertion=assertion, reason="Issued by mistake.", now=timezone.now())
    response = share(assertion)
    assert response.status_code == 400
    assert response.json()["detail"] == "A revoked badge cannot be shared."


def test_the_learner_stops_showing_it(assertion, consent, contact):
    share(assertion)
    learner = as_person(assertion.recipient)
    assert learner.delete(f"{shares_url(assertion)}valmet/").status_code == 204
    assert contact.get(SHOWN).json() == []
    assert learner.delete(f"{shares_url(assertion)}valmet/").status_code == 404


# --- Refusals -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("body", "field", "message"),
    [
        ({"employer": 5}, "employer", "Must be a text slug."),
        ({"employer": ["valmet"]}, "employer", "Must be a text slug."),
        ({}, "employer", "This field is required."),
        ({"employer": "valmet", "note": "hi"}, "note", "Unknown field."),
        ({"employer": "no-such-company"}, "employer", "No such organisation."),
        ({"employer": "not a slug!"}, "employer", "Enter a valid"),
    ],
)
def test_bad_input_is_refused_naming_the_field(assertion, consent, body, field, message):
    response = as_person(assertion.recipient).post(
        shares_url(assertion), body, content_type="application/json"
    )
    assert response.status_code == 400
    assert message in json.dumps(response.json()[field])


def test_malformed_json_is_refused(assertion, consent):
    response = as_person(assertion.recipient).post(
        shares_url(assertion), "{not json", content_type="application/json"
    )
    assert response.status_code == 400
    assert "JSON parse error" in response.json()["detail"]


def test_an_oversize_body_is_refused(assertion, consent):
    body = json.dumps({"employer": "valmet", "padding": "x" * 20_000})
    response = as_person(assertion.recipient).post(
        shares_url(assertion), body, content_type="application/json"
    )
    assert response.status_code == 413


def test_sharing_needs_a_sign_in(assertion, consent):
    response = Client().post(
        shares_url(assertion), {"employer": "valmet"}, content_type="application/json"
    )
    assert response.status_code == 403
    assert Client().get(SHOWN).status_code == 403


def test_another_persons_badge_is_not_found(assertion, consent):
    other = Person.objects.create(given_name="Eero", family_name="Muu", email="eero@example.fi")
    client = signed_in(other)
    response = client.post(
        shares_url(assertion), {"employer": "valmet"}, content_type="application/json"
    )
    assert response.status_code == 404
    assert client.get(shares_url(assertion)).status_code == 404
    assert client.delete(f"{shares_url(assertion)}valmet/").status_code == 404
    assert EmployerBadgeShare.objects.count() == 0


def test_an_unknown_badge_is_not_found(assertion):
    url = "/api/badges/assertions/00000000-0000-4000-8000-000000000000/employers/"
    assert as_person(assertion.recipient).get(url).status_code == 404


def test_wrong_methods_are_refused(assertion, consent):
    learner = as_person(assertion.recipient)
    assert (
        learner.put(shares_url(assertion), {}, content_type="application/json").status_code == 405
    )
    assert learner.post(SHOWN, {}, content_type="application/json").status_code == 405


def _learner_shows_badge(net, safety_badge, employer, number: int) -> None:
    learner = Person.objects.create(
        given_name=f"Learner{number}", family_name="Opiskelija", email=f"l{number}@example.fi"
    )
    enrolment = Enrolment.objects.create(
        learner=learner, pathway=net.pathway, started_on=dt.date(2026, 1, 12)
    )
    Consent.objects.create(enrolment=enrolment, employer=employer, given_at=timezone.now())
    awarded = badge_award(badge_class=safety_badge, recipient=learner, enrolment=enrolment)
    EmployerBadgeShare.objects.create(
        assertion=awarded.assertion, employer=employer, shared_at=timezone.now()
    )


def test_the_employer_list_reads_in_constant_queries(
    net, safety_badge, employer, contact, django_assert_num_queries
):
    _learner_shows_badge(net, safety_badge, employer, 1)
    with django_assert_num_queries(4) as one:  # session, user, viewer, the shares
        assert len(contact.get(SHOWN).json()) == 1
    for number in range(2, 6):
        _learner_shows_badge(net, safety_badge, employer, number)
    with django_assert_num_queries(len(one.captured_queries)):
        assert len(contact.get(SHOWN).json()) == 5
