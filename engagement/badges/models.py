"""Open Badges: who issues (Issuer), what can be earned (BadgeClass), who earned it
(Assertion), and a learner's choice to show their badges by link (BadgeShare).

Every public document is addressed by a random `uuid`, never the database id: the URLs are
permanent (Open Badges 2.0 hosted verification re-reads them) and must not enumerate.
"""

import uuid

from django.db import models
from django.db.models import Q
from django.db.models.functions import Coalesce
from django.utils.translation import gettext_lazy as _

from engagement.network.models import (
    Enrolment,
    Milestone,
    Organisation,
    Pathway,
    Person,
    Translated,
)
from engagement.rules.models import Decision


class Issuer(Translated):
    """An issuer profile: an education provider, or the network itself (no organisation)."""

    uuid = models.UUIDField(_("public id"), default=uuid.uuid4, unique=True, editable=False)
    organisation = models.ForeignKey(
        Organisation,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="badge_issuers",
        verbose_name=_("organisation"),
        help_text=_("empty for the network's own issuer profile"),
    )
    name_en = models.CharField(_("name (English)"), max_length=200)
    name_fi = models.CharField(_("name (Finnish)"), max_length=200, blank=True)
    name_sv = models.CharField(_("name (Swedish)"), max_length=200, blank=True)
    description_en = models.TextField(_("description (English)"), blank=True)
    description_fi = models.TextField(_("description (Finnish)"), blank=True)
    description_sv = models.TextField(_("description (Swedish)"), blank=True)
    url = models.URLField(_("web site"))
    email = models.EmailField(_("contact e-mail"))
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        ordering = ["name_en"]
        verbose_name = _("issuer")
        verbose_name_plural = _("issuers")
        constraints = [
            # One profile per organisation and one for the network: NULLs are distinct in a
            # plain unique constraint, so the network's row is folded onto 0 (ids start at 1).
            models.UniqueConstraint(
                Coalesce("organisation", models.Value(0)), name="issuer_one_per_organisation"
            )
        ]

    def __str__(self) -> str:
        return self.name_en

    @property
    def translated_name(self) -> str:
        return self.translated("name")


class BadgeClass(Translated):
    """What can be earned: the badge of one milestone, or of a whole pathway."""

    uuid = models.UUIDField(_("public id"), default=uuid.uuid4, unique=True, editable=False)
    issuer = models.ForeignKey(
        Issuer, on_delete=models.PROTECT, related_name="badge_classes", verbose_name=_("issuer")
    )
    milestone = models.ForeignKey(
        Milestone,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="badge_classes",
        verbose_name=_("milestone"),
    )
    pathway = models.ForeignKey(
        Pathway,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="badge_classes",
        verbose_name=_("pathway"),
        help_text=_("set for the badge of the whole pathway; leave empty for a milestone's"),
    )
    name_en = models.CharField(_("name (English)"), max_length=200)
    name_fi = models.CharField(_("name (Finnish)"), max_length=200, blank=True)
    name_sv = models.CharField(_("name (Swedish)"), max_length=200, blank=True)
    description_en = models.TextField(_("description (English)"))
    description_fi = models.TextField(_("description (Finnish)"), blank=True)
    description_sv = models.TextField(_("description (Swedish)"), blank=True)
    criteria_en = models.TextField(_("criteria (English)"), blank=True)
    criteria_fi = models.TextField(_("criteria (Finnish)"), blank=True)
    criteria_sv = models.TextField(_("criteria (Swedish)"), blank=True)
    # PNG bytes in the database, not a media file: web processes are stateless and the baked
    # copies are made from these bytes on request. Empty: the bundled default image.
    image = models.BinaryField(_("image (PNG)"), blank=True, default=b"")
    tags = models.JSONField(_("tags"), default=list, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        ordering = ["name_en"]
        verbose_name = _("badge class")
        verbose_name_plural = _("badge classes")
        constraints = [
            models.CheckConstraint(
                name="badge_class_milestone_or_pathway",
                condition=Q(milestone__isnull=False, pathway__isnull=True)
                | Q(milestone__isnull=True, pathway__isnull=False),
            ),
            # One badge per milestone and per pathway: "the milestone's badge" is unambiguous.
            models.UniqueConstraint(
                fields=["milestone"],
                condition=Q(milestone__isnull=False),
                name="badge_class_one_per_milestone",
            ),
            models.UniqueConstraint(
                fields=["pathway"],
                condition=Q(pathway__isnull=False),
                name="badge_class_one_per_pathway",
            ),
        ]

    def __str__(self) -> str:
        return self.name_en

    @property
    def translated_name(self) -> str:
        return self.translated("name")

    @property
    def translated_description(self) -> str:
        return self.translated("description")

    @property
    def translated_criteria(self) -> str:
        return self.translated("criteria")


class Assertion(models.Model):
    """One badge earned by one person (Open Badges 2.0 Assertion; D2's 3.0 credential is made
    from the same row). At most one per person and badge class: awarding is idempotent."""

    uuid = models.UUIDField(_("public id"), default=uuid.uuid4, unique=True, editable=False)
    badge_class = models.ForeignKey(
        BadgeClass,
        on_delete=models.PROTECT,
        related_name="assertions",
        verbose_name=_("badge class"),
    )
    # Erasure of a person removes their badges: a verifier then gets 404, which is honest.
    recipient = models.ForeignKey(
        Person,
        on_delete=models.CASCADE,
        related_name="badge_assertions",
        verbose_name=_("recipient"),
    )
    enrolment = models.ForeignKey(
        Enrolment,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("enrolment"),
    )
    # Open Badges 2.0 IdentityObject: "sha256$" + hex(sha256(email + salt)). The e-mail is
    # the one at award time; the salt makes the hash useless for guessing addresses in bulk.
    recipient_salt = models.CharField(_("recipient salt"), max_length=64)
    recipient_hash = models.CharField(_("recipient identity hash"), max_length=80)
    issued_at = models.DateTimeField(_("issued at"))
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)
    revocation_reason = models.TextField(_("revocation reason"), blank=True)
    # The assertion's bit in the Bitstring Status List of the 3.0 credentials: allocated once,
    # in the award's transaction (StatusListCounter), never reused.
    status_list_index = models.PositiveIntegerField(_("status list index"), unique=True)

    class Meta:
        ordering = ["-issued_at"]
        verbose_name = _("assertion")
        verbose_name_plural = _("assertions")
        constraints = [
            models.UniqueConstraint(
                fields=["badge_class", "recipient"], name="assertion_one_per_recipient"
            ),
            models.CheckConstraint(
                name="assertion_revoked_after_issued",
                condition=Q(revoked_at__isnull=True) | Q(revoked_at__gte=models.F("issued_at")),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.badge_class} to {self.recipient}"

    @property
    def is_revoked(self) -> bool:
        return self.revoked_at is not None


class ErasedAssertion(models.Model):
    """What stays of an assertion whose recipient was erased (GDPR Art. 17): its public id
    and status list bit, so its Open Badges 3.0 credential, which the person may still hold,
    shows as revoked (the status list is built from these and the revoked assertions), and
    the hosted 2.0 assertion answers 410 Gone. Nothing here names or hashes the recipient."""

    uuid = models.UUIDField(_("public id"), unique=True, editable=False)
    issuer = models.ForeignKey(Issuer, on_delete=models.PROTECT, related_name="+")
    status_list_index = models.PositiveIntegerField(_("status list index"), unique=True)
    revoked_at = models.DateTimeField(_("revoked at"))

    class Meta:
        verbose_name = _("erased assertion")
        verbose_name_plural = _("erased assertions")

    def __str__(self) -> str:
        return f"erased assertion {self.uuid}"


class StatusListCounter(models.Model):
    """The next free status list index. One row; the award's UPDATE of it holds the row lock
    until the award commits, so two awards never take the same index (and a rolled-back
    award gives its index back with the rest of its transaction)."""

    name = models.CharField(max_length=40, unique=True)
    next_index = models.PositiveIntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.name}: next {self.next_index}"


class AwardDecision(models.Model):
    """A rule's award_badge decision the badges room has acted on, and how: the consumer
    reads decisions without such a row, so each is handled once."""

    class Outcome(models.TextChoices):
        AWARDED = "awarded", _("Awarded")
        ALREADY_HELD = "already_held", _("Already held")
        SKIPPED = "skipped", _("Skipped")

    decision = models.OneToOneField(
        Decision, on_delete=models.CASCADE, primary_key=True, related_name="+"
    )
    assertion = models.ForeignKey(
        Assertion, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    outcome = models.CharField(max_length=12, choices=Outcome.choices)
    reason = models.TextField(blank=True)
    handled_at = models.DateTimeField()

    class Meta:
        verbose_name = _("award decision")
        verbose_name_plural = _("award decisions")

    def __str__(self) -> str:
        return f"decision {self.decision_id}: {self.outcome}"


class BadgeShare(models.Model):
    """A learner's public badge list: off until they turn it on. The link's token is a random
    id signed with the secret key (selectors.share_token), so the stored id alone opens
    nothing; a new id makes the old link dead."""

    person = models.OneToOneField(
        Person, on_delete=models.CASCADE, related_name="badge_share", verbose_name=_("person")
    )
    link_id = models.CharField(_("link id"), max_length=64, unique=True)
    enabled = models.BooleanField(_("shared"), default=False)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("badge list share")
        verbose_name_plural = _("badge list shares")

    def __str__(self) -> str:
        return f"badges of {self.person_id} ({'on' if self.enabled else 'off'})"


from engagement.badges.models_ob3 import EmployerBadgeShare  # noqa: E402, F401  (registers it)
