"""Approval and decline (engagement.membership.services)."""

import pytest
from django.contrib.auth.hashers import check_password
from django.core import mail
from django.db import OperationalError
from django.utils import timezone

from engagement.badges.models import Issuer
from engagement.membership import services
from engagement.membership.models import MembershipApplication
from engagement.network.models import Organisation, Person, Role
from learning_records.models import LrsClient
from notifications.models import Notification
from notifications.services import notification_deliver
from tests.factories import PersonFactory

pytestmark = pytest.mark.django_db


def approve(application, admin_user):
    return services.application_approve(
        application_id=application.pk, decided_by=admin_user, now=timezone.now()
    )


def test_it_makes_the_provider_with_contact_issuer_client_and_welcome(application, admin_user):
    approved = approve(application, admin_user)

    organisation = approved.organisation
    assert organisation.kind == "vocational"
    assert organisation.business_id == application.business_id
    assert organisation.name_fi == "Kokkolan akkuopisto"
    contact = Person.objects.get(email="liisa.makela@akkuopisto.example.fi")
    assert Role.objects.filter(person=contact, organisation=organisation, kind="teacher").exists()
    assert Issuer.objects.filter(organisation=organisation).count() == 1
    assert approved.lrs_client.organisation == organisation
    welcome = Notification.objects.get(person=contact)
    assert welcome.template == "membership_welcome"
    assert approved.status == "approved"
    assert approved.decided_by == admin_user
    assert approved.decided_at == timezone.now()


def test_it_gives_the_provider_a_tenant_scoped_client_without_read_all(application, admin_user):
    client = approve(application, admin_user).lrs_client

    assert "statements/write" in client.scopes
    assert not client.has_any_scope("all", "all/read", "statements/read")


def test_it_makes_a_company_an_employer_contact_without_client_or_issuer(
    company_application, admin_user
):
    approved = approve(company_application, admin_user)

    assert approved.organisation.kind == "company"
    assert approved.lrs_client is None
    assert not Issuer.objects.filter(organisation=approved.organisation).exists()
    assert Role.objects.get(organisation=approved.organisation).kind == "employer_contact"


def test_it_reuses_a_contact_already_in_the_network(application, admin_user):
    known = PersonFactory.create(email="liisa.makela@akkuopisto.example.fi")

    approved = approve(application, admin_user)

    assert Role.objects.get(organisation=approved.organisation).person == known


def test_it_refuses_a_second_approval(application, admin_user):
    approve(application, admin_user)

    with pytest.raises(services.AlreadyDecided):
        approve(application, admin_user)
    assert Organisation.objects.filter(business_id=application.business_id).count() == 1


def test_it_refuses_a_business_id_already_in_the_network(application, admin_user):
    Organisation.objects.create(slug="x", name_en="X", kind="company", business_id="1234567-1")

    with pytest.raises(services.MembershipError):
        approve(application, admin_user)


def test_a_failure_in_the_last_step_leaves_nothing(application, admin_user, monkeypatch):
    # Fault injection at the database boundary: the welcome notification's insert fails.
    def broken_insert(**fields):
        raise OperationalError("the database went away")

    monkeypatch.setattr(Notification.objects, "create", broken_insert)

    with pytest.raises(OperationalError):
        approve(application, admin_user)

    assert not Organisation.objects.exclude(kind="network").exists()
    assert not Person.objects.filter(email=application.contact_email).exists()
    assert not Issuer.objects.exists()
    assert not LrsClient.objects.exists()
    application.refresh_from_db()
    assert application.status == "pending"
    assert application.organisation is None


def test_the_welcome_context_names_endpoint_key_and_secret_link(application, admin_user):
    approved = approve(application, admin_user)
    welcome = Notification.objects.get(template="membership_welcome")

    context = services.welcome_render_context(welcome, "fi")

    assert context["endpoint"].endswith("/xapi/")
    assert context["key"] == approved.lrs_client.key
    assert "/join/secret/" in context["secret_url"]
    assert context["link"] == context["secret_url"]


def test_the_stored_welcome_holds_no_secret(application, admin_user):
    approve(application, admin_user)

    welcome = Notification.objects.get(template="membership_welcome")

    assert welcome.context == {"application": application.pk}


def test_it_declines_with_the_reason_and_emails_the_applicant(
    application, admin_user, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        declined = services.application_decline(
            application_id=application.pk,
            decided_by=admin_user,
            reason="Ei akkualan koulutusta.",
            now=timezone.now(),
        )

    assert declined.status == "declined"
    assert declined.decline_reason == "Ei akkualan koulutusta."
    assert not Organisation.objects.exclude(kind="network").exists()
    (sent,) = mail.outbox
    assert sent.to == ["liisa.makela@akkuopisto.example.fi"]
    assert "Ei akkualan koulutusta." in sent.body
    assert "Hei Liisa" in sent.body


def test_it_refuses_a_decline_without_a_reason(application, admin_user):
    with pytest.raises(services.MembershipError):
        services.application_decline(
            application_id=application.pk, decided_by=admin_user, reason="  ", now=timezone.now()
        )
    application.refresh_from_db()
    assert application.status == MembershipApplication.Status.PENDING


def test_the_secret_is_shown_once_and_works(application, admin_user):
    approved = approve(application, admin_user)
    token = services.secret_link_token(approved)

    revealed = services.secret_reveal(token=token, now=timezone.now())
    again = services.secret_reveal(token=token, now=timezone.now())

    assert revealed is not None
    assert again is None
    client = LrsClient.objects.get(pk=approved.lrs_client_id)
    assert check_password(revealed.secret, client.secret_hash)


def test_the_welcome_is_delivered_by_email_with_the_link_and_no_secret(application, admin_user):
    approved = approve(application, admin_user)
    welcome = Notification.objects.get(template="membership_welcome")

    status = notification_deliver(notification_id=welcome.pk, now=timezone.now())

    assert status == "sent"
    (sent,) = mail.outbox
    assert sent.to == ["liisa.makela@akkuopisto.example.fi"]
    assert "Tervetuloa akkuverkostoon" in sent.subject
    assert approved.lrs_client.key in sent.body
    assert "/join/secret/" in sent.body
    # Its own topic: a new member's contact is not told to stop "teacher alerts".
    assert welcome.topic == "membership"
    assert "Verkoston jäsenyys" in sent.body
    welcome.refresh_from_db()
    assert "/join/secret/" in welcome.body
