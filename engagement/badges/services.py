"""Writes of the badges room: awarding (from rule decisions, or on request for milestones
completed before their badge class existed), revocation, and the learner's share link.

An award is one transaction: the assertion, its status list index, the xAPI "earned"
statement (through the LRS's own store service) and the achievements notification commit
together or not at all; the notification's dispatch is kicked on commit.
"""

import datetime as dt
import logging
import secrets
import uuid
from dataclasses import dataclass
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Exists, F, OuterRef
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import override

from engagement.badges.models import (
    Assertion,
    AwardDecision,
    BadgeClass,
    BadgeShare,
    Issuer,
    StatusListCounter,
)
from engagement.badges.ob2 import public_url, recipient_hash
from engagement.network.models import Enrolment, Organisation, Person, XapiIdentity
from engagement.progress.models import MilestoneProgress
from engagement.rules.models import Decision
from learning_records.models import LrsClient, Scope
from learning_records.services import lrs_client_create, statements_store
from learning_records.xapi.validate import parse_statements
from learning_records.xapi.versions import XapiVersion
from notifications.models import Topic
from notifications.services import notification_create

logger = logging.getLogger(__name__)

EARNED_VERB = "http://id.tincanapi.com/verb/earned"
# The activity type and result extension of ADL's Open Badges xAPI profile.
BADGE_ACTIVITY_TYPE = "http://activitystrea.ms/schema/1.0/badge"
BADGE_ASSERTION_EXTENSION = "http://specification.openbadges.org/xapi/extensions/badgeassertion"
STATUS_LIST = "ob3"
# Decisions read per consumer transaction (each award is a few inserts).
DECISION_BATCH = 200
# The rule action's badge_class value that means "the completed milestone's (or pathway's)
# own badge class", so one rule can cover every milestone.
OWN_BADGE = "auto"


class BadgeAwardError(Exception):
    """An award that cannot be made as asked (the reason is for people)."""


class AlreadyRevoked(BadgeAwardError):
    """A second revocation: the first reason and time stand."""


@dataclass(frozen=True)
class Award:
    assertion: Assertion
    created: bool


# --- Awarding ---------------------------------------------------------------------------------


@transaction.atomic
def issuer_for_organisation(*, organisation: Organisation, url: str, email: str) -> Issuer:
    """The organisation's issuer profile, made on first call (one per organisation: the
    model's constraint), named as the organisation is."""
    issuer, _made = Issuer.objects.get_or_create(
        organisation=organisation,
        defaults={
            "name_en": organisation.name_en,
            "name_fi": organisation.name_fi,
            "name_sv": organisation.name_sv,
            "url": url,
            "email": email,
        },
    )
    return issuer


@transaction.atomic
def badge_award(
    *,
    badge_class: BadgeClass,
    recipient: Person,
    enrolment: Enrolment | None = None,
    now: dt.datetime | None = None,
) -> Award:
    """The recipient's assertion of this badge class, made once: a second call (or a
    concurrent one that lost the race on the unique constraint) returns the first."""
    held = Assertion.objects.filter(badge_class=badge_class, recipient=recipient).first()
    if held is not None:
        return Award(held, created=False)
    email = recipient_email(recipient)
    if not email:
        raise BadgeAwardError(
            _("%(person)s has no e-mail address to name in a badge.") % {"person": recipient}
        )
    issued_at = now or timezone.now()
    salt = secrets.token_hex(16)
    try:
        with transaction.atomic():
            assertion = Assertion.objects.create(
                badge_class=badge_class,
                recipient=recipient,
                enrolment=enrolment,
                recipient_salt=salt,
                recipient_hash=recipient_hash(email=email, salt=salt),
                issued_at=issued_at,
                status_list_index=_next_status_list_index(),
            )
    except IntegrityError:
        # Another award of the same badge committed first; its index went back with ours.
        held = Assertion.objects.get(badge_class=badge_class, recipient=recipient)
        return Award(held, created=False)
    _earned_statement_store(assertion, email)
    with override(recipient.language):
        badge_name = badge_class.translated_name
    notification_create(
        person=recipient,
        topic=Topic.ACHIEVEMENTS,
        template="badge_earned",
        idempotency_key=f"badge:{assertion.uuid}",
        context={
            "enrolment_id": enrolment.pk if enrolment else None,
            # The shared renderer shows `reasons`; the badge's name is the reason here.
            "reasons": [badge_name],
            "badge_url": public_url("assertion", uuid=assertion.uuid),
        },
    )
    return Award(assertion, created=True)


def recipient_email(person: Person) -> str:
    """The address a badge names: the person's e-mail, else an mbox an LMS knows them by."""
    if person.email:
        return person.email
    mbox = person.identities.filter(kind=XapiIdentity.Kind.MBOX).order_by("pk").first()
    return mbox.value.removeprefix("mailto:") if mbox else ""


def _next_status_list_index() -> int:
    """Take the next index. The UPDATE locks the counter row until the award commits, so
    concurrent awards queue here instead of taking the same index."""
    StatusListCounter.objects.get_or_create(name=STATUS_LIST)
    StatusListCounter.objects.filter(name=STATUS_LIST).update(next_index=F("next_index") + 1)
    return StatusListCounter.objects.get(name=STATUS_LIST).next_index - 1


def _earned_statement_store(assertion: Assertion, email: str) -> None:
    """The xAPI "earned" statement, stored in the issuer's tenant. Its id is derived from the
    assertion, so storing it again is accepted without a second copy."""
    badge_class = assertion.badge_class
    statement = {
        "id": str(uuid.uuid5(uuid.NAMESPACE_URL, public_url("assertion", uuid=assertion.uuid))),
        "actor": _actor(assertion.recipient, email),
        "verb": {"id": EARNED_VERB, "display": {"en-US": "earned"}},
        "object": {
            "objectType": "Activity",
            "id": public_url("badge-class", uuid=badge_class.uuid),
            "definition": {
                "type": BADGE_ACTIVITY_TYPE,
                "name": {
                    language: name
                    for language, name in (
                        ("en", badge_class.name_en),
                        ("fi", badge_class.name_fi),
                        ("sv", badge_class.name_sv),
                    )
                    if name
                },
            },
        },
        "result": {
            "completion": True,
            "extensions": {
                BADGE_ASSERTION_EXTENSION: {"@id": public_url("assertion", uuid=assertion.uuid)}
            },
        },
        "timestamp": assertion.issued_at.isoformat(),
    }
    version = XapiVersion.V1_0_3
    statements = parse_statements(statement, version=version)
    statements_store(
        client=_badges_client(_tenant_of(badge_class)), statements=statements, version=version
    )


def _actor(person: Person, email: str) -> dict[str, Any]:
    """The learner as the LMSs know them (their first xAPI identity), else their e-mail."""
    identity = person.identities.order_by("pk").first()
    if identity is None:
        return {"objectType": "Agent", "mbox": f"mailto:{email}"}
    if identity.kind == XapiIdentity.Kind.ACCOUNT:
        return {
            "objectType": "Agent",
            "account": {"homePage": identity.home_page, "name": identity.value},
        }
    return {"objectType": "Agent", identity.kind: identity.value}


def _tenant_of(badge_class: BadgeClass) -> Organisation:
    """Whose LRS store holds the statement: the issuing organisation's, or for the network's
    own issuer the network organisation's."""
    if badge_class.issuer.organisation is not None:
        return badge_class.issuer.organisation
    network = Organisation.objects.filter(kind=Organisation.Kind.NETWORK).order_by("pk").first()
    if network is None:
        raise BadgeAwardError(
            _("The network's issuer needs an organisation of kind network to keep its records.")
        )
    return network


def _badges_client(organisation: Organisation) -> LrsClient:
    """The badges room's own write-only LRS client in this tenant (made on first use; its
    secret is never shown, nobody signs in with it)."""
    key = f"kipina-badges-{organisation.pk}"
    client = LrsClient.objects.filter(key=key).first()
    if client is None:
        client, _secret = lrs_client_create(
            organisation=organisation,
            name="Kipinä badges",
            key=key,
            scopes=[Scope.STATEMENTS_WRITE],
        )
    return client


# --- From rule decisions -------------------------------------------------------------------------


def badges_from_decisions(
    *, now: dt.datetime, lookback: dt.timedelta, batch_size: int = DECISION_BATCH
) -> int:
    """Act on recent award_badge decisions not acted on yet; the count handled.

    Read back to a look-back window on every run, not from a stored cursor of ids (ids are
    taken before a sweep's transaction commits, so a cursor could step over a decision
    committed late); within one run the ids only move forward.
    Each decision gets one AwardDecision row in the award's own transaction, so overlapping
    runs cannot handle it twice. Held-out decisions are awarded too: a badge records an
    achievement, and withholding it from a control group would take from the learner what
    they earned (the rule's holdout measures its nudges, not its credentials).
    """
    handled, after, failed = 0, 0, None
    while True:
        decisions = list(
            Decision.objects.filter(
                decided_at__gte=now - lookback, action__type="award_badge", id__gt=after
            )
            .alias(handled=Exists(AwardDecision.objects.filter(decision=OuterRef("pk"))))
            .filter(handled=False)
            .select_related("person", "enrolment")
            .order_by("id")[:batch_size]
        )
        if not decisions:
            break
        for decision in decisions:
            # One decision that fails (e.g. the LRS store times out) must not hold up the
            # ones after it: it stays unhandled, is retried by the next run, and the run
            # still fails at the end so the error is seen. `after` moves past it meanwhile.
            try:
                badge_decision_handle(decision=decision, now=now)
                handled += 1
            except Exception as exc:
                logger.exception("decision %s: the award failed; retried next run", decision.pk)
                failed = failed or exc
        after = decisions[-1].pk
    if failed is not None:
        raise failed
    return handled


@transaction.atomic
def badge_decision_handle(*, decision: Decision, now: dt.datetime) -> AwardDecision:
    """Award what one decision asks for, and record that it was handled (once)."""
    record, created = AwardDecision.objects.select_for_update().get_or_create(
        decision=decision,
        defaults={"outcome": AwardDecision.Outcome.SKIPPED, "handled_at": now},
    )
    if not created:
        return record
    try:
        badge_class = _badge_class_of(decision)
        with transaction.atomic():
            award = badge_award(
                badge_class=badge_class,
                recipient=decision.person,
                enrolment=decision.enrolment,
                now=now,
            )
    except BadgeAwardError as exc:
        logger.warning("decision %s: no badge: %s", decision.pk, exc)
        record.reason = str(exc)
    else:
        record.assertion = award.assertion
        record.outcome = (
            AwardDecision.Outcome.AWARDED if award.created else AwardDecision.Outcome.ALREADY_HELD
        )
    record.save(update_fields=["assertion", "outcome", "reason"])
    return record


def _badge_class_of(decision: Decision) -> BadgeClass:
    """The badge class the decision's action names, checked against what was completed:
    a milestone rule awards that milestone's badge, a pathway rule the pathway's."""
    wanted = str(decision.action.get("badge_class", ""))
    pathway_id = decision.enrolment.pathway_id
    if decision.window == "pathway":
        completed = BadgeClass.objects.filter(pathway_id=pathway_id)
    elif decision.window.startswith("milestone:"):
        milestone_id = decision.window.removeprefix("milestone:")
        if not milestone_id.isdigit():
            raise BadgeAwardError(_("The decision names no milestone."))
        completed = BadgeClass.objects.filter(milestone_id=int(milestone_id))
    else:
        raise BadgeAwardError(_("Badges are awarded for completed milestones and pathways."))
    if wanted != OWN_BADGE:
        completed = completed.filter(**_badge_class_lookup(wanted))
    badge_class = completed.select_related("issuer__organisation").first()
    if badge_class is None:
        raise BadgeAwardError(
            _("No badge class %(wanted)s for what was completed (%(window)s).")
            % {"wanted": wanted, "window": decision.window}
        )
    return badge_class


def _badge_class_lookup(wanted: str) -> dict[str, Any]:
    """A rule names a badge class by its public URL (the IRI its earned statements carry,
    which the rules room's cycle check follows), its public uuid, or its database id."""
    if wanted.isdigit():
        return {"pk": int(wanted)}
    try:
        return {"uuid": uuid.UUID(wanted.rstrip("/").rsplit("/classes/", 1)[-1])}
    except ValueError:
        raise BadgeAwardError(
            _("%(wanted)r names no badge class: give its uuid or id.") % {"wanted": wanted}
        ) from None


# --- On request ----------------------------------------------------------------------------------


def badge_class_award_completed(*, badge_class: BadgeClass, now: dt.datetime) -> int:
    """Award the badge to everyone who had completed its milestone (or pathway) before it
    existed; the count of new assertions. Each award is its own transaction, so a learner
    who cannot be awarded (no e-mail) does not stop the others."""
    if badge_class.milestone_id is not None:
        enrolments = Enrolment.objects.filter(
            Exists(
                MilestoneProgress.objects.filter(
                    enrolment=OuterRef("pk"),
                    milestone=badge_class.milestone,
                    completed_at__isnull=False,
                )
            )
        )
    else:
        enrolments = Enrolment.objects.filter(
            pathway=badge_class.pathway, progress__completed_at__isnull=False
        )
    made = 0
    for enrolment in enrolments.select_related("learner").order_by("pk").iterator():
        try:
            award = badge_award(
                badge_class=badge_class, recipient=enrolment.learner, enrolment=enrolment, now=now
            )
        except BadgeAwardError as exc:
            logger.warning("enrolment %s: no badge: %s", enrolment.pk, exc)
            continue
        made += award.created
    return made


# --- Revocation ----------------------------------------------------------------------------------


@transaction.atomic
def assertion_revoke(*, assertion: Assertion, reason: str, now: dt.datetime) -> Assertion:
    """Revoke with a reason (shown to verifiers). Revoking is final; a second call is refused
    so the first reason and time stand."""
    reason = reason.strip()
    if not reason:
        raise BadgeAwardError(_("Give a reason for the revocation: verifiers are shown it."))
    locked = Assertion.objects.select_for_update().get(pk=assertion.pk)
    if locked.revoked_at is not None:
        raise AlreadyRevoked(_("This badge was already revoked."))
    locked.revoked_at = max(now, locked.issued_at)
    locked.revocation_reason = reason
    locked.save(update_fields=["revoked_at", "revocation_reason"])
    return locked


# --- The learner's share link --------------------------------------------------------------------


@transaction.atomic
def badge_share_set(*, person: Person, enabled: bool, new_link: bool = False) -> BadgeShare:
    """Turn the public badge list on or off; a new link makes the old one dead at once."""
    share, _created = BadgeShare.objects.select_for_update().get_or_create(
        person=person, defaults={"link_id": _share_link_id()}
    )
    share.enabled = enabled
    if new_link:
        share.link_id = _share_link_id()
    share.save(update_fields=["enabled", "link_id", "updated_at"])
    return share


def _share_link_id() -> str:
    return secrets.token_urlsafe(24)
