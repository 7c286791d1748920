"""Writes of membership: an application from the public form, and its approval or decline.

Approval is one transaction: the organisation, the contact person and their role, the
provider's badge issuer profile and LRS client, and the welcome notification commit together
or not at all.

The LRS secret is never stored in plain text (learning_records keeps only its hash) and
never written into an e-mail, whose body the notification keeps. The welcome e-mail carries
a signed link instead; opening it sets a fresh secret and shows it once (`secret_reveal`).
"""

import datetime as dt
import logging
import secrets
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.core import signing
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation
from django.utils.text import slugify
from django.utils.translation import gettext as _

from engagement.badges.services import issuer_for_organisation
from engagement.membership.models import MembershipApplication
from engagement.network.models import Organisation, Person, Role
from engagement.network.services import (
    DirectoryError,
    organisation_create,
    person_create,
    role_grant,
)
from learning_records.models import LrsClient, Scope
from learning_records.services import lrs_client_create, lrs_client_set_secret
from notifications.models import Notification, Topic
from notifications.services import notification_create

logger = logging.getLogger(__name__)

SIGNING_SALT = "membership.secret-link"  # a namespace for signatures, not a secret
SECRET_LINK_DAYS = 14
# What a new provider's LMS needs: write statements and read back its own, keep state,
# define activities. Reading the whole store is a wider grant an administrator makes later.
PROVIDER_SCOPES = (
    Scope.STATEMENTS_WRITE,
    Scope.STATEMENTS_READ_MINE,
    Scope.STATE,
    Scope.DEFINE,
    Scope.PROFILE,
)
TEMPLATE_WELCOME = "membership_welcome"


class MembershipError(Exception):
    """A request that cannot be carried out as asked (the message is for people)."""


class AlreadyDecided(MembershipError):
    """An application approved or declined already: the first decision stands (409)."""


@dataclass(frozen=True)
class Revealed:
    key: str
    secret: str
    endpoint: str


@transaction.atomic
def application_submit(*, data: dict[str, Any]) -> MembershipApplication:
    application = MembershipApplication(**data)
    application.full_clean()
    application.save()
    return application


@transaction.atomic
def application_approve(
    *, application_id: int, decided_by: AbstractBaseUser | AnonymousUser, now: dt.datetime
) -> MembershipApplication:
    # Locked, so two administrators approving at once make one organisation, not two.
    application = _pending(application_id)
    if Organisation.objects.filter(business_id=application.business_id).exists():
        raise MembershipError(_("An organisation with this business id is already a member."))
    try:
        organisation = organisation_create(
            slug=_free_slug(application.name_en),
            name_en=application.name_en,
            kind=application.kind,
            name_fi=application.name_fi,
            name_sv=application.name_sv,
            business_id=application.business_id,
            website=application.website,
            email=application.contact_email,
        )
        contact = _contact_person(application)
    except (DirectoryError, ValidationError) as refusal:
        # An application edited in the admin since it was sent can break the directory's
        # rules; the administrator is told which, and nothing is made.
        raise MembershipError(
            _("The directory refused this application: %(reason)s")
            % {"reason": "; ".join(getattr(refusal, "messages", [str(refusal)]))}
        ) from None
    role = Role.Kind.TEACHER if organisation.is_provider else Role.Kind.EMPLOYER_CONTACT
    role_grant(person=contact, organisation=organisation, kind=role)
    client: LrsClient | None = None
    if organisation.is_provider:
        issuer_for_organisation(
            organisation=organisation,
            url=application.website or settings.KIPINA_PUBLIC_URL,
            email=application.contact_email,
        )
        # The secret made here is thrown away: the contact gets a fresh one through the link.
        client, _secret = lrs_client_create(
            organisation=organisation, name=f"{organisation.slug} LMS", scopes=PROVIDER_SCOPES
        )
    application.status = MembershipApplication.Status.APPROVED
    application.decided_by = decided_by  # type: ignore[assignment]
    application.decided_at = now
    application.organisation = organisation
    application.lrs_client = client
    application.save(
        update_fields=["status", "decided_by", "decided_at", "organisation", "lrs_client"]
    )
    notification_create(
        person=contact,
        topic=Topic.MEMBERSHIP,
        template=TEMPLATE_WELCOME,
        idempotency_key=f"membership-welcome-{application.pk}",
        context={"application": application.pk},
    )
    return application


@transaction.atomic
def application_decline(
    *,
    application_id: int,
    decided_by: AbstractBaseUser | AnonymousUser,
    reason: str,
    now: dt.datetime,
) -> MembershipApplication:
    reason = reason.strip()
    if not reason:
        raise MembershipError(_("Give the applicant a reason for declining."))
    application = _pending(application_id)
    application.status = MembershipApplication.Status.DECLINED
    application.decided_by = decided_by  # type: ignore[assignment]
    application.decided_at = now
    application.decline_reason = reason
    application.save(update_fields=["status", "decided_by", "decided_at", "decline_reason"])
    # The applicant is not a person of the network, so this goes straight out as e-mail
    # (no preferences to apply), once the decision is committed; the beat task
    # membership.declined_emails retries what could not be sent now.
    transaction.on_commit(lambda: declined_emails_send(now=now))
    return application


def declined_emails_send(*, now: dt.datetime, batch_size: int = 100) -> int:
    """E-mail every declined applicant not yet told; the count sent.

    Each application is claimed with a conditional UPDATE before its e-mail goes out, so
    overlapping runs never send one twice; a failed send clears the claim for the next run.
    A process killed between claim and send loses that one e-mail (at most once: a second
    refusal in someone's inbox is worse than a reason they can ask for again)."""
    pending = MembershipApplication.objects.filter(
        status=MembershipApplication.Status.DECLINED, decline_emailed_at__isnull=True
    ).values_list("pk", flat=True)[:batch_size]
    sent = 0
    for application_id in list(pending):
        claimed = MembershipApplication.objects.filter(
            pk=application_id, decline_emailed_at__isnull=True
        ).update(decline_emailed_at=now)
        if not claimed:
            continue
        application = MembershipApplication.objects.get(pk=application_id)
        try:
            _declined_email_send(application)
        except Exception:  # the mail provider or network failed: the next run retries
            logger.exception("could not e-mail the decline of application %s", application_id)
            MembershipApplication.objects.filter(pk=application_id).update(decline_emailed_at=None)
            continue
        sent += 1
    return sent


def secret_link_token(application: MembershipApplication) -> str:
    return signing.dumps({"application": application.pk}, salt=SIGNING_SALT)


def secret_link_application(token: str) -> MembershipApplication | None:
    """The approved provider application a link names, if it is genuine, unexpired and its
    secret not yet shown; else None."""
    try:
        payload = signing.loads(
            token, salt=SIGNING_SALT, max_age=dt.timedelta(days=SECRET_LINK_DAYS)
        )
    except signing.BadSignature:  # SignatureExpired is one too
        return None
    application_id = payload.get("application") if isinstance(payload, dict) else None
    if not isinstance(application_id, int):
        return None
    return MembershipApplication.objects.filter(
        pk=application_id,
        status=MembershipApplication.Status.APPROVED,
        lrs_client__isnull=False,
        secret_shown_at__isnull=True,
    ).first()


@transaction.atomic
def secret_reveal(*, token: str, now: dt.datetime) -> Revealed | None:
    """A fresh secret for the link's LRS client, once: the conditional UPDATE claims the link,
    so two requests racing on it cannot both see a secret."""
    application = secret_link_application(token)
    if application is None or application.lrs_client is None:
        return None
    claimed = MembershipApplication.objects.filter(
        pk=application.pk, secret_shown_at__isnull=True
    ).update(secret_shown_at=now)
    if not claimed:
        return None
    secret = secrets.token_urlsafe(32)
    lrs_client_set_secret(client=application.lrs_client, secret=secret)
    return Revealed(key=application.lrs_client.key, secret=secret, endpoint=xapi_endpoint())


def xapi_endpoint() -> str:
    # Where backend/urls.py mounts the LRS; an LMS is given the base, as xAPI clients expect.
    return settings.KIPINA_PUBLIC_URL + "/xapi/"


def welcome_render_context(notification: Notification, language: str) -> dict[str, Any]:
    """What the welcome e-mail names, worked out when it is rendered: the organisation, the
    directory, and for a provider the xAPI endpoint, its key and the one-time secret link."""
    application_id = (notification.context or {}).get("application")
    if not isinstance(application_id, int):
        return {}
    application = (
        MembershipApplication.objects.select_related("organisation", "lrs_client")
        .filter(pk=application_id)
        .first()
    )
    if application is None or application.organisation is None:
        return {}
    context: dict[str, Any] = {
        "organisation": application.organisation.translated("name", language),
        "directory_url": _public("members"),
        "link": _public("members"),
    }
    if application.lrs_client is not None:
        context.update(
            endpoint=xapi_endpoint(),
            key=application.lrs_client.key,
            secret_url=_public("membership-secret", token=secret_link_token(application)),
            secret_days=SECRET_LINK_DAYS,
        )
        context["link"] = context["secret_url"]
    return context


def _pending(application_id: int) -> MembershipApplication:
    application = MembershipApplication.objects.select_for_update().get(pk=application_id)
    if application.status != MembershipApplication.Status.PENDING:
        raise AlreadyDecided(
            _("This application was %(status)s already.")
            % {"status": application.get_status_display().lower()}
        )
    return application


def _contact_person(application: MembershipApplication) -> Person:
    # Someone already in the network (a teacher elsewhere, say) keeps their one person row.
    email = application.contact_email.strip().lower()
    existing = Person.objects.filter(email=email).first()
    if existing is not None:
        return existing
    return person_create(
        given_name=application.contact_given_name,
        family_name=application.contact_family_name,
        email=email,
        language=application.language,
    )


def _free_slug(name: str) -> str:
    base = slugify(name)[:56] or "member"
    slug, number = base, 1
    while Organisation.objects.filter(slug=slug).exists():
        number += 1
        slug = f"{base}-{number}"
    return slug


def _public(name: str, **kwargs: str) -> str:
    return settings.KIPINA_PUBLIC_URL + reverse(name, kwargs=kwargs or None)


def _declined_email_send(application: MembershipApplication) -> None:
    with translation.override(application.language):
        context = {"application": application}
        subject = render_to_string("membership/email/declined_subject.txt", context)
        body = render_to_string("membership/email/declined_body.txt", context)
    send_mail(
        " ".join(subject.split()),
        body,
        settings.DEFAULT_FROM_EMAIL,
        [application.contact_email],
    )
