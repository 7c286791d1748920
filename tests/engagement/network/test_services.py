"""Directory services: the rules they keep and the changes they refuse."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError

from engagement.network import services
from engagement.network.models import Cohort, Consent, MilestoneActivity, Organisation, Role
from learning_records.models import lookup_hash
from tests.factories import (
    CompanyFactory,
    EnrolmentFactory,
    MilestoneFactory,
    NetworkFactory,
    OrganisationFactory,
    PathwayFactory,
    PersonFactory,
    RoleFactory,
    SkillFactory,
)

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("role", "organisation_kind", "reason"),
    [
        ("teacher", "company", "not an education provider"),
        ("teacher", "network", "not an education provider"),
        ("employer_contact", "uas", "not a company"),
        ("network_admin", "university", "not the network"),
    ],
)
def test_it_refuses_a_role_the_organisation_cannot_have(role, organisation_kind, reason):
    organisation = OrganisationFactory.create(kind=organisation_kind)

    with pytest.raises(services.DirectoryError, match=reason):
        services.role_grant(person=PersonFactory.create(), organisation=organisation, kind=role)

    assert not Role.objects.exists()


@pytest.mark.parametrize(
    ("role", "factory"),
    [
        ("teacher", OrganisationFactory),
        ("employer_contact", CompanyFactory),
        ("network_admin", NetworkFactory),
        ("learner", CompanyFactory),
    ],
)
def test_it_grants_a_fitting_role_once(role, factory):
    person, organisation = PersonFactory.create(), factory()

    first = services.role_grant(person=person, organisation=organisation, kind=role)
    again = services.role_grant(person=person, organisation=organisation, kind=role)

    assert first == again
    assert Role.objects.count() == 1


def test_it_stores_e_mail_addresses_in_lower_case_and_refuses_a_second_person_with_one():
    person = services.person_create(given_name="Aino", family_name="V", email=" Aino@Example.FI ")

    assert person.email == "aino@example.fi"
    with pytest.raises(services.DirectoryError, match="already exists"):
        services.person_create(given_name="Other", family_name="V", email="AINO@example.fi")


def test_it_refuses_an_unknown_time_zone():
    with pytest.raises(ValidationError, match="time zone"):
        services.person_create(given_name="A", family_name="B", time_zone="Mars/Olympus")


def test_it_links_an_identity_once_and_refuses_it_to_another_person():
    aino, mikko = PersonFactory.create(), PersonFactory.create()

    # xAPI 1.0.3 Data §2.3.1: the domain of an address is case-insensitive, the rest is not.
    first = services.identity_link(person=aino, kind="mbox", value="mailto:aino@EXAMPLE.fi")
    again = services.identity_link(person=aino, kind="mbox", value="mailto:aino@example.fi")

    assert first == again
    assert first.agent_key == "Agent|mbox|mailto:aino@example.fi"
    with pytest.raises(services.DirectoryError, match="another person"):
        services.identity_link(person=mikko, kind="mbox", value="mailto:aino@example.fi")


@pytest.mark.parametrize(
    ("kind", "value", "home_page", "message"),
    [
        ("mbox", "aino@example.fi", "", "mailto"),
        ("mbox_sha1sum", "not-a-hash", "", "SHA-1"),
        ("account", "2041", "not a url", "IRL"),
    ],
)
def test_it_refuses_an_identity_the_lrs_would_refuse(kind, value, home_page, message):
    with pytest.raises(services.DirectoryError, match=message):
        services.identity_link(
            person=PersonFactory.create(), kind=kind, value=value, home_page=home_page
        )


def test_it_links_an_lms_account_by_its_home_page_and_name():
    identity = services.identity_link(
        person=PersonFactory.create(),
        kind="account",
        value="2041",
        home_page="https://moodle.savonia.fi",
    )

    assert identity.agent_key == "Agent|account|https://moodle.savonia.fi|2041"


def test_it_refuses_an_enrolment_whose_target_is_before_its_start():
    with pytest.raises(services.DirectoryError, match="before the start"):
        services.enrolment_create(
            learner=PersonFactory.create(),
            pathway=PathwayFactory.create(),
            started_on=dt.date(2026, 3, 1),
            target_on=dt.date(2026, 2, 1),
        )


def test_it_refuses_a_sponsor_that_is_not_a_company():
    with pytest.raises(services.DirectoryError, match="not a company"):
        services.enrolment_create(
            learner=PersonFactory.create(),
            pathway=PathwayFactory.create(),
            started_on=dt.date(2026, 3, 1),
            sponsor=OrganisationFactory.create(kind="university"),
        )


def test_it_refuses_a_second_enrolment_on_the_same_pathway():
    enrolment = EnrolmentFactory.create()

    with pytest.raises(services.DirectoryError, match="already enrolled"):
        services.enrolment_create(
            learner=enrolment.learner, pathway=enrolment.pathway, started_on=dt.date(2026, 5, 1)
        )


def test_it_gives_consent_once_and_revokes_it_with_a_date():
    enrolment, employer = EnrolmentFactory.create(), CompanyFactory.create()

    consent = services.consent_give(enrolment=enrolment, employer=employer)
    again = services.consent_give(enrolment=enrolment, employer=employer)
    services.consent_revoke(consent=consent)
    revoked_at = consent.revoked_at
    services.consent_revoke(consent=consent)

    assert again == consent
    assert revoked_at is not None
    assert consent.revoked_at == revoked_at


def test_it_records_a_new_consent_after_a_revoked_one():
    enrolment, employer = EnrolmentFactory.create(), CompanyFactory.create()
    first = services.consent_give(enrolment=enrolment, employer=employer)
    services.consent_revoke(consent=first)

    second = services.consent_give(enrolment=enrolment, employer=employer)

    assert second != first
    assert Consent.objects.filter(enrolment=enrolment).count() == 2


def test_it_refuses_consent_to_an_organisation_that_is_not_an_employer():
    with pytest.raises(services.DirectoryError, match="not an employer"):
        services.consent_give(
            enrolment=EnrolmentFactory.create(), employer=OrganisationFactory.create()
        )


def test_it_refuses_a_cohort_teacher_without_a_teacher_role_at_the_provider():
    provider, elsewhere = OrganisationFactory.create(), OrganisationFactory.create()
    teacher = RoleFactory.create(organisation=elsewhere, kind="teacher").person

    with pytest.raises(services.DirectoryError, match="not a teacher at"):
        services.cohort_create(provider=provider, name="Spring", teachers=[teacher])

    assert not Cohort.objects.exists()


def test_it_refuses_a_cohort_at_a_company():
    with pytest.raises(services.DirectoryError, match="not an education provider"):
        services.cohort_create(provider=CompanyFactory.create(), name="Spring")


def test_it_makes_a_cohort_of_its_teachers_enrolments():
    provider = OrganisationFactory.create()
    teacher = RoleFactory.create(organisation=provider, kind="teacher").person
    enrolment = EnrolmentFactory.create()

    cohort = services.cohort_create(
        provider=provider, name="Spring", teachers=[teacher], enrolments=[enrolment]
    )

    assert list(cohort.teachers.all()) == [teacher]
    assert list(cohort.enrolments.all()) == [enrolment]


def test_it_refuses_a_pathway_provider_that_is_not_an_education_provider():
    with pytest.raises(services.DirectoryError, match="not an education provider"):
        services.pathway_create(
            slug="cells",
            title_en="Cells",
            eqf_level=5,
            effort_hours=10,
            providers=[CompanyFactory.create()],
        )


def test_it_creates_a_pathway_with_skills_and_providers():
    skill, provider = SkillFactory.create(), OrganisationFactory.create()

    pathway = services.pathway_create(
        slug="cells",
        title_en="Cells",
        eqf_level=5,
        effort_hours=10,
        languages=["fi"],
        skills=[skill],
        providers=[provider],
    )

    assert list(pathway.skills.all()) == [skill]
    assert list(pathway.providers.all()) == [provider]


def test_it_refuses_an_eqf_level_outside_one_to_eight():
    with pytest.raises(ValidationError, match="eqf_level"):
        services.pathway_create(slug="cells", title_en="Cells", eqf_level=9, effort_hours=10)


def test_it_refuses_a_second_milestone_at_a_position():
    milestone = MilestoneFactory.create(position=1)

    with pytest.raises(services.DirectoryError, match="position 1"):
        services.milestone_create(pathway=milestone.pathway, position=1, title_en="Again")


def test_it_hashes_a_criterion_iri_as_the_lrs_indexes_it():
    milestone = MilestoneFactory.create()
    iri = "https://moodle.savonia.fi/mod/quiz/7"

    activity = services.milestone_activity_add(
        milestone=milestone, activity_iri=iri, verbs=["http://adlnet.gov/expapi/verbs/passed"]
    )

    assert activity.activity_hash == lookup_hash(iri)


@pytest.mark.parametrize(
    ("iri", "verbs", "message"),
    [
        ("https://moodle.savonia.fi/mod/quiz/7", [], "at least one verb"),
        ("not an iri", ["http://adlnet.gov/expapi/verbs/passed"], "IRI"),
        ("https://moodle.savonia.fi/mod/quiz/7", ["passed"], "IRI"),
    ],
)
def test_it_refuses_a_criterion_nothing_could_meet(iri, verbs, message):
    with pytest.raises((services.DirectoryError, ValidationError), match=message):
        services.milestone_activity_add(
            milestone=MilestoneFactory.create(), activity_iri=iri, verbs=verbs
        )

    assert not MilestoneActivity.objects.exists()


def test_it_refuses_the_same_criterion_twice_on_a_milestone():
    milestone = MilestoneFactory.create()
    iri, verbs = "https://moodle.savonia.fi/mod/quiz/7", ["http://adlnet.gov/expapi/verbs/passed"]
    services.milestone_activity_add(milestone=milestone, activity_iri=iri, verbs=verbs)

    with pytest.raises(services.DirectoryError, match="already a criterion"):
        services.milestone_activity_add(milestone=milestone, activity_iri=iri, verbs=verbs)


def test_it_refuses_a_business_id_with_a_wrong_check_digit():
    with pytest.raises(ValidationError, match="check digit"):
        services.organisation_create(
            slug="valmet", name_en="Valmet", kind="company", business_id="0112038-8"
        )


def test_it_accepts_a_business_id_with_its_check_digit():
    organisation = services.organisation_create(
        slug="valmet", name_en="Valmet", kind="company", business_id="0112038-9"
    )

    assert organisation.business_id == "0112038-9"


def test_it_refuses_to_change_a_company_with_employer_contacts_into_a_provider():
    company = CompanyFactory.create()
    RoleFactory.create(organisation=company, kind="employer_contact")

    with pytest.raises(services.DirectoryError, match="employer_contact"):
        services.organisation_update(organisation=company, data={"kind": "university"})

    company.refresh_from_db()
    assert company.kind == Organisation.Kind.COMPANY


def test_it_refuses_to_delete_a_pathway_with_enrolments():
    enrolment = EnrolmentFactory.create()

    with pytest.raises(services.DirectoryError, match="has enrolments"):
        services.pathway_delete(pathway=enrolment.pathway)


def test_it_refuses_to_change_fields_a_service_does_not_own():
    with pytest.raises(services.DirectoryError, match="cannot change slug"):
        services.organisation_update(organisation=CompanyFactory.create(), data={"slug": "renamed"})
