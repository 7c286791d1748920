"""The membership room's part of a person's export and erasure: applications where the
person is the contact (matched by e-mail address: an application names no directory entry)."""

from collections import Counter
from typing import Any

from django.db import transaction
from django.db.models import QuerySet

from engagement.membership.models import MembershipApplication

# An erased contact's name and address in an application that stays (it is the
# organisation's record of joining). ".invalid" is reserved: no mail can go there (RFC 2606).
ERASED_NAME = "[erased]"
ERASED_EMAIL = "erased@erased.invalid"


def _as_contact(email: str) -> QuerySet[MembershipApplication]:
    if not email:
        return MembershipApplication.objects.none()
    return MembershipApplication.objects.filter(contact_email__iexact=email)


def applications_export(email: str) -> list[dict[str, Any]]:
    return [
        {
            "organisation": a.name_en,
            "status": a.status,
            "contact_given_name": a.contact_given_name,
            "contact_family_name": a.contact_family_name,
            "contact_email": a.contact_email,
            "submitted_at": a.submitted_at,
            "decided_at": a.decided_at,
        }
        for a in _as_contact(email).order_by("pk")
    ]


@transaction.atomic
def contact_erase(*, email: str) -> Counter[str]:
    """The applications stay; the contact's name and address in them are replaced."""
    changed = _as_contact(email).update(
        contact_given_name=ERASED_NAME, contact_family_name=ERASED_NAME, contact_email=ERASED_EMAIL
    )
    return Counter({"membership.MembershipApplication (contact removed)": changed})
