"""A learner shows a badge to an employer they have given consent to (issue 7, "Export").

The employer contact sees the badge only while that learner has a consent in force with
that employer: the check is made at every read, so revoking the consent hides the badge with
the next request (DESIGN.md, "Who may see what"). What is shown is the credential's status,
never activity (Act 759/2004 §3).
"""

import datetime as dt

from django.db import transaction
from django.db.models import Exists, OuterRef, QuerySet
from django.utils.translation import gettext as _

from engagement.badges.models import Assertion
from engagement.badges.models_ob3 import EmployerBadgeShare
from engagement.network.models import Consent, Organisation, Role
from engagement.network.selectors import Viewer


class ShareRefused(Exception):
    """The learner may not show this badge to this employer; the message says why."""


def _consent_in_force(*, learner: OuterRef | int, employer: OuterRef | int) -> QuerySet[Consent]:
    return Consent.objects.filter(
        revoked_at__isnull=True, enrolment__learner=learner, employer=employer
    )


@transaction.atomic
def employer_share_create(
    *, assertion: Assertion, employer: Organisation, now: dt.datetime
) -> tuple[EmployerBadgeShare, bool]:
    """Share once; sharing again is a no-op that answers the existing row (created False)."""
    if assertion.is_revoked:
        raise ShareRefused(_("A revoked badge cannot be shared."))
    if not _consent_in_force(learner=assertion.recipient_id, employer=employer.pk).exists():
        raise ShareRefused(
            _("You have no consent in force with %(employer)s: give one before sharing a badge.")
            % {"employer": employer.translated_name}
        )
    # get_or_create catches the unique constraint's IntegrityError when two requests race.
    return EmployerBadgeShare.objects.get_or_create(
        assertion=assertion, employer=employer, defaults={"shared_at": now}
    )


def employer_share_delete(*, assertion: Assertion, employer: Organisation) -> bool:
    deleted, _kinds = EmployerBadgeShare.objects.filter(
        assertion=assertion, employer=employer
    ).delete()
    return deleted > 0


def shares_of(*, assertion: Assertion) -> QuerySet[EmployerBadgeShare]:
    """The employers a learner chose to show this badge to (whether consent is in force or not:
    it is their own choice to review)."""
    return assertion.employer_shares.select_related("employer").order_by("shared_at")


def badges_shown_to(viewer: Viewer) -> QuerySet[EmployerBadgeShare]:
    """Badges shown to the companies the viewer is an employer contact of, while the learner's
    consent to that company is in force."""
    if viewer.person_id is None:
        return EmployerBadgeShare.objects.none()
    consent = _consent_in_force(
        learner=OuterRef("assertion__recipient"), employer=OuterRef("employer")
    )
    return (
        EmployerBadgeShare.objects.filter(
            employer__roles__person=viewer.person_id,
            employer__roles__kind=Role.Kind.EMPLOYER_CONTACT,
        )
        .filter(Exists(consent))
        .select_related("employer", "assertion__recipient", "assertion__badge_class__issuer")
        .order_by("-shared_at", "pk")
    )
