"""A learner's choice to show one badge to one employer (issue 7, "share a badge with a
consented employer"). Registered through engagement/badges/models.py.

The row says only what the learner chose. Whether the employer sees the badge is decided at
read time (engagement/badges/employer_shares.py): only while the learner has a consent in
force with that employer, so revoking the consent hides the badge at once without touching
this row, and giving consent again shows it again.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _

from engagement.network.models import Organisation


class EmployerBadgeShare(models.Model):
    assertion = models.ForeignKey(
        "badges.Assertion",
        on_delete=models.CASCADE,
        related_name="employer_shares",
        verbose_name=_("badge"),
    )
    employer = models.ForeignKey(
        Organisation,
        on_delete=models.CASCADE,
        related_name="shared_badges",
        verbose_name=_("employer"),
    )
    shared_at = models.DateTimeField(_("shared at"))

    class Meta:
        verbose_name = _("badge shared with an employer")
        verbose_name_plural = _("badges shared with employers")
        constraints = [
            models.UniqueConstraint(
                fields=["assertion", "employer"], name="employer_badge_share_once"
            )
        ]

    def __str__(self) -> str:
        return f"badge {self.assertion_id} shown to {self.employer_id}"
