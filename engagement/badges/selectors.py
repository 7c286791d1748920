"""Reads of the badges room: each public document with everything its builder names loaded
(ob2.py runs no queries), a person's own badges, and a shared list by its token."""

import datetime as dt
import uuid
from collections.abc import Iterable

from django.core import signing
from django.db.models import Prefetch, QuerySet

from engagement.badges.models import Assertion, BadgeClass, BadgeShare, ErasedAssertion, Issuer
from engagement.network.models import Milestone, Person

_BADGE_CLASS_RELATED = ("issuer", "milestone__pathway", "pathway")
_BADGE_CLASS_PREFETCH = (
    "milestone__activities",
    "milestone__skills",
    "pathway__skills",
    Prefetch("pathway__milestones", queryset=Milestone.objects.order_by("position")),
)


def issuer_get(*, public_id: uuid.UUID) -> Issuer | None:
    return Issuer.objects.filter(uuid=public_id).first()


def badge_class_get(*, public_id: uuid.UUID) -> BadgeClass | None:
    return (
        BadgeClass.objects.filter(uuid=public_id)
        .select_related(*_BADGE_CLASS_RELATED)
        .prefetch_related(*_BADGE_CLASS_PREFETCH)
        .first()
    )


def assertion_get(*, public_id: uuid.UUID) -> Assertion | None:
    return (
        Assertion.objects.filter(uuid=public_id)
        .select_related(*(f"badge_class__{name}" for name in _BADGE_CLASS_RELATED))
        .first()
    )


def assertion_erased(*, public_id: uuid.UUID) -> bool:
    return ErasedAssertion.objects.filter(uuid=public_id).exists()


def assertions_of(*, person: Person) -> QuerySet[Assertion]:
    """A person's badges, newest first, revoked ones included (the learner should see why)."""
    return Assertion.objects.filter(recipient=person).select_related(
        "badge_class__issuer", "badge_class__milestone__pathway", "badge_class__pathway"
    )


SHARE_SALT = "kipina.badges.share"


def share_token(share: BadgeShare) -> str:
    """The token of a share's public link: its stored random id signed with the secret key
    (salted for this feature), so the stored id alone, from a dump or a backup, opens nothing.
    Rotating SECRET_KEY kills every link unless the old key stays in SECRET_KEY_FALLBACKS."""
    return signing.Signer(salt=SHARE_SALT).sign(share.link_id)


def shared_list(*, token: str) -> tuple[Person, QuerySet[Assertion]] | None:
    """The person and their valid badges behind a share link that is on; None otherwise (a
    forged or unknown token and a link turned off look the same from outside)."""
    try:
        link_id = signing.Signer(salt=SHARE_SALT).unsign(token)
    except signing.BadSignature:
        return None
    share = (
        BadgeShare.objects.filter(link_id=link_id, enabled=True).select_related("person").first()
    )
    if share is None:
        return None
    return share.person, assertions_of(person=share.person).filter(revoked_at__isnull=True)


def share_of(*, person: Person) -> BadgeShare | None:
    return BadgeShare.objects.filter(person=person).first()


def badges_earned(
    *, person_ids: Iterable[int], start: dt.datetime, end: dt.datetime, language: str
) -> dict[int, list[str]]:
    """The names (in `language`) of the badges each person was awarded in [start, end) and
    still holds; people with none are left out. One query, for digests."""
    earned: dict[int, list[str]] = {}
    assertions = (
        Assertion.objects.filter(
            recipient_id__in=list(person_ids),
            issued_at__gte=start,
            issued_at__lt=end,
            revoked_at__isnull=True,
        )
        .select_related("badge_class")
        .order_by("recipient_id", "issued_at")
    )
    for assertion in assertions:
        name = assertion.badge_class.translated("name", language)
        earned.setdefault(assertion.recipient_id, []).append(name)
    return earned


def badges_earned_on_pathways(
    *,
    pairs: Iterable[tuple[int, int]],
    start: dt.datetime,
    end: dt.datetime,
    language: str,
) -> dict[tuple[int, int], list[str]]:
    """For (person, pathway) pairs, the names of the badges of that pathway (its milestones'
    or its own) the person was awarded in [start, end) and still holds. One query.

    Keyed by pathway, not by person, for the employer's summary: consent is given per
    enrolment, so a badge of a pathway the employee does not share must not show."""
    wanted = set(pairs)
    earned: dict[tuple[int, int], list[str]] = {}
    assertions = (
        Assertion.objects.filter(
            recipient_id__in={person_id for person_id, _ in wanted},
            issued_at__gte=start,
            issued_at__lt=end,
            revoked_at__isnull=True,
        )
        .select_related("badge_class__milestone")
        .order_by("recipient_id", "issued_at")
    )
    for assertion in assertions:
        badge_class = assertion.badge_class
        milestone = badge_class.milestone
        pathway_id = badge_class.pathway_id or (milestone.pathway_id if milestone else None)
        key = (assertion.recipient_id, pathway_id or 0)
        if key in wanted:
            earned.setdefault(key, []).append(badge_class.translated("name", language))
    return earned
