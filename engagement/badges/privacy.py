"""The badges room's part of a person's export and erasure."""

import datetime as dt
from collections import Counter
from typing import Any

from django.db import transaction
from django.db.models import Q
from django.urls import reverse

from engagement.badges.models import (
    Assertion,
    AwardDecision,
    BadgeShare,
    EmployerBadgeShare,
    ErasedAssertion,
)
from engagement.badges.selectors import assertions_of
from engagement.network.models import Person


def badges_export(person: Person) -> list[dict[str, Any]]:
    return [
        {
            "badge": a.badge_class.name_en,
            "issuer": a.badge_class.issuer.name_en,
            "issued_at": a.issued_at,
            "revoked_at": a.revoked_at,
            "revocation_reason": a.revocation_reason or None,
            "assertion": reverse("badges:assertion", args=[a.uuid]),
            "credential": reverse("badges:ob3-credential-jwt", args=[a.uuid]),
            "shared_with_employers": [s.employer.name_en for s in a.employer_shares.all()],
        }
        for a in assertions_of(person=person).prefetch_related("employer_shares__employer")
    ]


@transaction.atomic
def badges_erase(*, person: Person, now: dt.datetime) -> Counter[str]:
    """Revoke and forget the person's badges: each assertion leaves an ErasedAssertion with
    its status list bit (credentials already handed out must stop verifying) and nothing of
    the recipient (not even the salted e-mail hash: with the address it would re-identify).
    Award records of decisions involving the person go too (the rules room deletes those
    decisions next), and the public badge page."""
    assertions = list(Assertion.objects.filter(recipient=person).select_related("badge_class"))
    ErasedAssertion.objects.bulk_create(
        ErasedAssertion(
            uuid=a.uuid,
            issuer_id=a.badge_class.issuer_id,
            status_list_index=a.status_list_index,
            revoked_at=a.revoked_at or max(now, a.issued_at),
        )
        for a in assertions
    )
    counts: Counter[str] = Counter({"badges.ErasedAssertion": len(assertions)})
    awards = AwardDecision.objects.filter(
        Q(assertion__recipient=person)
        | Q(decision__person=person)
        | Q(decision__enrolment__learner=person)
    )
    for rows in (
        awards,
        EmployerBadgeShare.objects.filter(assertion__recipient=person),
        Assertion.objects.filter(recipient=person),
        BadgeShare.objects.filter(person=person),
    ):
        counts.update(rows.delete()[1])
    return counts
