"""Applications to join the network, and what an approval made of them."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from engagement.network.models import Organisation
from engagement.network.validators import validate_business_id
from learning_records.models import LrsClient

# The network itself is founded, never applied for.
APPLICABLE_KINDS = [(kind.value, kind.label) for kind in Organisation.Kind if kind != "network"]


class MembershipApplication(models.Model):
    """An organisation asking to join, from the public form, until an administrator decides."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Pending")
        APPROVED = "approved", _("Approved")
        DECLINED = "declined", _("Declined")

    class Language(models.TextChoices):
        FINNISH = "fi", _("Finnish")
        SWEDISH = "sv", _("Swedish")
        ENGLISH = "en", _("English")

    name_en = models.CharField(_("name (English)"), max_length=200)
    name_fi = models.CharField(_("name (Finnish)"), max_length=200, blank=True)
    name_sv = models.CharField(_("name (Swedish)"), max_length=200, blank=True)
    kind = models.CharField(_("kind"), max_length=16, choices=APPLICABLE_KINDS)
    business_id = models.CharField(
        _("business id (Y-tunnus)"), max_length=9, validators=[validate_business_id]
    )
    website = models.URLField(_("website"), blank=True)
    contact_given_name = models.CharField(_("contact's given name"), max_length=100)
    contact_family_name = models.CharField(_("contact's family name"), max_length=100)
    contact_email = models.EmailField(_("contact's e-mail"))
    language = models.CharField(
        _("language"), max_length=2, choices=Language.choices, default=Language.FINNISH
    )
    offer = models.TextField(
        _("what you offer or want"), max_length=4000, help_text=_("pathways, skills, needs")
    )
    status = models.CharField(
        _("status"), max_length=8, choices=Status.choices, default=Status.PENDING
    )
    submitted_at = models.DateTimeField(_("submitted at"), auto_now_add=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("decided by"),
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    decline_reason = models.TextField(_("reason for declining"), blank=True)
    # Claimed before the decline e-mail is sent, cleared again if sending fails.
    decline_emailed_at = models.DateTimeField(_("decline e-mailed at"), null=True, blank=True)
    organisation = models.OneToOneField(
        Organisation,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="membership_application",
        verbose_name=_("organisation"),
    )
    lrs_client = models.OneToOneField(
        LrsClient,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("LRS client"),
    )
    # Set when the one-time link has shown the LRS secret: a second visit finds it set.
    secret_shown_at = models.DateTimeField(_("secret shown at"), null=True, blank=True)

    class Meta:
        ordering = ["-submitted_at"]
        verbose_name = _("membership application")
        verbose_name_plural = _("membership applications")
        constraints = [
            models.CheckConstraint(
                condition=Q(status="pending") | Q(decided_at__isnull=False),
                name="membership_decided_has_time",
            ),
            models.CheckConstraint(
                condition=~Q(status="declined") | ~Q(decline_reason=""),
                name="membership_declined_has_reason",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name_en} ({self.get_status_display()})"
