"""The network directory: who is in the network, what they offer, who studies what.

Names and descriptions come in Finnish, Swedish and English (`*_fi`, `*_sv`, `*_en`); the
English one is required, as the network's working language with foreign partners.
"""

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from engagement.network.validators import (
    validate_business_id,
    validate_esco_uri,
    validate_iri,
    validate_iris,
    validate_language_codes,
    validate_time_zone,
)

LANGUAGES = ("fi", "sv", "en")


class Translated(models.Model):
    """Picks the `<field>_<lang>` of the active language, falling back to English."""

    class Meta:
        abstract = True

    def translated(self, field: str, language: str | None = None) -> str:
        language = (language or get_language() or "en")[:2]
        value = getattr(self, f"{field}_{language}", "") if language in LANGUAGES else ""
        return value or getattr(self, f"{field}_en")


class Organisation(Translated):
    """A member of the network: an education provider, a company, or the network itself.

    Each organisation is also a tenant of the LRS: its LRS clients read and write its store.
    """

    class Kind(models.TextChoices):
        NETWORK = "network", _("Network")
        UNIVERSITY = "university", _("University")
        UNIVERSITY_OF_APPLIED_SCIENCES = "uas", _("University of applied sciences")
        VOCATIONAL = "vocational", _("Vocational institution")
        COMPANY = "company", _("Company")

    PROVIDER_KINDS = (Kind.UNIVERSITY, Kind.UNIVERSITY_OF_APPLIED_SCIENCES, Kind.VOCATIONAL)

    slug = models.SlugField(_("slug"), max_length=64, unique=True)
    name_en = models.CharField(_("name (English)"), max_length=200)
    name_fi = models.CharField(_("name (Finnish)"), max_length=200, blank=True)
    name_sv = models.CharField(_("name (Swedish)"), max_length=200, blank=True)
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices, default=Kind.VOCATIONAL)
    business_id = models.CharField(
        _("business id (Y-tunnus)"), max_length=9, blank=True, validators=[validate_business_id]
    )
    website = models.URLField(_("website"), blank=True)
    email = models.EmailField(_("contact e-mail"), blank=True)
    phone = models.CharField(_("contact phone"), max_length=40, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        ordering = ["name_en"]
        verbose_name = _("organisation")
        verbose_name_plural = _("organisations")
        constraints = [
            models.UniqueConstraint(
                fields=["business_id"],
                condition=~Q(business_id=""),
                name="organisation_unique_business_id",
            )
        ]

    def __str__(self) -> str:
        return self.name_en

    @property
    def translated_name(self) -> str:
        return self.translated("name")

    @property
    def is_provider(self) -> bool:
        return self.kind in self.PROVIDER_KINDS

    @property
    def is_company(self) -> bool:
        return self.kind == self.Kind.COMPANY


class Person(models.Model):
    """Someone in the network. A login (Django user) is optional: learners first seen in an
    LMS exist before they ever sign in."""

    class Language(models.TextChoices):
        FINNISH = "fi", _("Finnish")
        SWEDISH = "sv", _("Swedish")
        ENGLISH = "en", _("English")

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="person",
        verbose_name=_("login"),
    )
    given_name = models.CharField(_("given name"), max_length=100)
    family_name = models.CharField(_("family name"), max_length=100)
    email = models.EmailField(_("e-mail"), blank=True)
    language = models.CharField(
        _("language"), max_length=2, choices=Language.choices, default=Language.FINNISH
    )
    time_zone = models.CharField(
        _("time zone"), max_length=64, default="Europe/Helsinki", validators=[validate_time_zone]
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        ordering = ["family_name", "given_name"]
        verbose_name = _("person")
        verbose_name_plural = _("people")
        constraints = [
            models.UniqueConstraint(
                fields=["email"], condition=~Q(email=""), name="person_unique_email"
            )
        ]

    def __str__(self) -> str:
        return f"{self.given_name} {self.family_name}"


class Role(models.Model):
    """One role of a person in one organisation; a person may hold several."""

    class Kind(models.TextChoices):
        LEARNER = "learner", _("Learner")
        TEACHER = "teacher", _("Teacher")
        EMPLOYER_CONTACT = "employer_contact", _("Employer contact")
        NETWORK_ADMIN = "network_admin", _("Network administrator")

    person = models.ForeignKey(
        Person, on_delete=models.CASCADE, related_name="roles", verbose_name=_("person")
    )
    organisation = models.ForeignKey(
        Organisation,
        on_delete=models.CASCADE,
        related_name="roles",
        verbose_name=_("organisation"),
    )
    kind = models.CharField(_("role"), max_length=20, choices=Kind.choices)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("role")
        verbose_name_plural = _("roles")
        constraints = [
            models.UniqueConstraint(
                fields=["person", "organisation", "kind"], name="role_unique_per_organisation"
            )
        ]

    def __str__(self) -> str:
        return f"{self.person} — {self.get_kind_display()} at {self.organisation}"


class XapiIdentity(models.Model):
    """An xAPI identity an LMS uses for a person (xAPI 1.0.3 Data §2.4.2.3).

    `agent_key` is the LRS's index key of the agent (learning_records.xapi.index.agent_key),
    so statements are matched to people by equality. One identity belongs to one person.
    """

    class Kind(models.TextChoices):
        MBOX = "mbox", "mbox"
        MBOX_SHA1SUM = "mbox_sha1sum", "mbox_sha1sum"
        OPENID = "openid", "openid"
        ACCOUNT = "account", "account"

    person = models.ForeignKey(
        Person, on_delete=models.CASCADE, related_name="identities", verbose_name=_("person")
    )
    kind = models.CharField(_("identifier kind"), max_length=12, choices=Kind.choices)
    value = models.CharField(
        _("value"),
        max_length=500,
        help_text=_("mailto: address, SHA-1 hex, OpenID URI, or account name"),
    )
    home_page = models.URLField(
        _("home page"), blank=True, help_text=_("the LMS's homePage, for accounts")
    )
    agent_key = models.TextField(_("agent key"), unique=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("xAPI identity")
        verbose_name_plural = _("xAPI identities")

    def __str__(self) -> str:
        return self.agent_key


class EscoSkill(Translated):
    """A skill of ESCO, the European classification of skills, competences and occupations."""

    uri = models.URLField(
        _("ESCO URI"), max_length=300, unique=True, validators=[validate_esco_uri]
    )
    label_en = models.CharField(_("label (English)"), max_length=300)
    label_fi = models.CharField(_("label (Finnish)"), max_length=300, blank=True)
    label_sv = models.CharField(_("label (Swedish)"), max_length=300, blank=True)

    class Meta:
        ordering = ["label_en"]
        verbose_name = _("ESCO skill")
        verbose_name_plural = _("ESCO skills")

    def __str__(self) -> str:
        return self.label_en

    @property
    def translated_label(self) -> str:
        return self.translated("label")


class Pathway(Translated):
    """An ordered set of milestones, possibly delivered by several institutions."""

    slug = models.SlugField(_("slug"), max_length=80, unique=True)
    title_en = models.CharField(_("title (English)"), max_length=200)
    title_fi = models.CharField(_("title (Finnish)"), max_length=200, blank=True)
    title_sv = models.CharField(_("title (Swedish)"), max_length=200, blank=True)
    description_en = models.TextField(_("description (English)"), blank=True)
    description_fi = models.TextField(_("description (Finnish)"), blank=True)
    description_sv = models.TextField(_("description (Swedish)"), blank=True)
    target_audience_en = models.CharField(
        _("target audience (English)"), max_length=300, blank=True
    )
    target_audience_fi = models.CharField(
        _("target audience (Finnish)"), max_length=300, blank=True
    )
    target_audience_sv = models.CharField(
        _("target audience (Swedish)"), max_length=300, blank=True
    )
    eqf_level = models.PositiveSmallIntegerField(
        _("EQF level"), validators=[MinValueValidator(1), MaxValueValidator(8)]
    )
    effort_hours = models.PositiveIntegerField(_("estimated effort (hours)"))
    languages = models.JSONField(
        _("teaching languages"),
        default=list,
        blank=True,
        validators=[validate_language_codes],
        help_text=_("ISO 639-1 codes, e.g. ['fi', 'en']"),
    )
    skills = models.ManyToManyField(
        EscoSkill, blank=True, related_name="pathways", verbose_name=_("ESCO skills")
    )
    providers = models.ManyToManyField(
        Organisation,
        blank=True,
        related_name="pathways",
        verbose_name=_("providers"),
        help_text=_("institutions involved"),
    )
    is_published = models.BooleanField(
        _("published"), default=True, help_text=_("shown in the public catalogue")
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        ordering = ["title_en"]
        verbose_name = _("pathway")
        verbose_name_plural = _("pathways")
        constraints = [
            models.CheckConstraint(
                condition=Q(eqf_level__gte=1, eqf_level__lte=8), name="pathway_eqf_level_1_to_8"
            )
        ]

    def __str__(self) -> str:
        return self.title_en

    @property
    def translated_title(self) -> str:
        return self.translated("title")

    @property
    def translated_description(self) -> str:
        return self.translated("description")

    @property
    def translated_target_audience(self) -> str:
        return self.translated("target_audience")


class Milestone(Translated):
    """A step of a pathway. Its completion criteria are data: the activities that count
    (MilestoneActivity rows) and how many of them are needed."""

    pathway = models.ForeignKey(
        Pathway, on_delete=models.CASCADE, related_name="milestones", verbose_name=_("pathway")
    )
    position = models.PositiveSmallIntegerField(_("position"))
    title_en = models.CharField(_("title (English)"), max_length=200)
    title_fi = models.CharField(_("title (Finnish)"), max_length=200, blank=True)
    title_sv = models.CharField(_("title (Swedish)"), max_length=200, blank=True)
    provider = models.ForeignKey(
        Organisation,
        on_delete=models.PROTECT,
        related_name="milestones",
        null=True,
        blank=True,
        verbose_name=_("provider"),
    )
    required_count = models.PositiveSmallIntegerField(
        _("required count"),
        null=True,
        blank=True,
        help_text=_("how many of the activities are needed; empty means all of them"),
    )
    due_offset_days = models.PositiveIntegerField(
        _("due offset (days)"),
        null=True,
        blank=True,
        help_text=_("due this many days after the enrolment starts"),
    )
    skills = models.ManyToManyField(
        EscoSkill, blank=True, related_name="milestones", verbose_name=_("ESCO skills")
    )

    class Meta:
        ordering = ["pathway", "position"]
        verbose_name = _("milestone")
        verbose_name_plural = _("milestones")
        constraints = [
            models.UniqueConstraint(
                fields=["pathway", "position"], name="milestone_unique_position"
            ),
            models.CheckConstraint(
                condition=Q(required_count__isnull=True) | Q(required_count__gte=1),
                name="milestone_required_count_positive",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.pathway}: {self.position}. {self.title_en}"

    @property
    def translated_title(self) -> str:
        return self.translated("title")


class MilestoneActivity(models.Model):
    """One activity that counts towards a milestone: a statement about it with one of
    `verbs` (and, when set, a scaled score of at least `min_scaled`) marks it done."""

    COMPLETED = "http://adlnet.gov/expapi/verbs/completed"
    PASSED = "http://adlnet.gov/expapi/verbs/passed"

    milestone = models.ForeignKey(
        Milestone, on_delete=models.CASCADE, related_name="activities", verbose_name=_("milestone")
    )
    activity_iri = models.TextField(_("activity IRI"), validators=[validate_iri])
    activity_hash = models.BigIntegerField(_("activity IRI hash"), db_index=True)
    verbs = models.JSONField(
        _("verbs"), default=list, validators=[validate_iris], help_text=_("verb IRIs that count")
    )
    min_scaled = models.FloatField(
        _("minimum scaled score"),
        null=True,
        blank=True,
        validators=[MinValueValidator(-1.0), MaxValueValidator(1.0)],
        help_text=_("lowest result.score.scaled that counts"),
    )

    class Meta:
        verbose_name = _("milestone activity")
        verbose_name_plural = _("milestone activities")
        constraints = [
            models.UniqueConstraint(
                fields=["milestone", "activity_hash", "activity_iri"],
                name="milestone_activity_unique",
            )
        ]

    def __str__(self) -> str:
        return self.activity_iri


class Enrolment(models.Model):
    class Status(models.TextChoices):
        ACTIVE = "active", _("Active")
        PAUSED = "paused", _("Paused")
        COMPLETED = "completed", _("Completed")
        WITHDRAWN = "withdrawn", _("Withdrawn")

    learner = models.ForeignKey(
        Person, on_delete=models.CASCADE, related_name="enrolments", verbose_name=_("learner")
    )
    pathway = models.ForeignKey(
        Pathway, on_delete=models.PROTECT, related_name="enrolments", verbose_name=_("pathway")
    )
    started_on = models.DateField(_("start date"))
    target_on = models.DateField(_("planned target date"), null=True, blank=True)
    sponsor = models.ForeignKey(
        Organisation,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="sponsored_enrolments",
        verbose_name=_("sponsoring employer"),
        help_text=_("the employer paying for or supporting the studies, if any"),
    )
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.ACTIVE
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("enrolment")
        verbose_name_plural = _("enrolments")
        constraints = [
            models.UniqueConstraint(
                fields=["learner", "pathway"], name="enrolment_unique_per_pathway"
            ),
            models.CheckConstraint(
                condition=Q(target_on__isnull=True) | Q(target_on__gte=models.F("started_on")),
                name="enrolment_target_after_start",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.learner} on {self.pathway}"


class Cohort(models.Model):
    """A teacher's group of enrolments at one provider."""

    provider = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, related_name="cohorts", verbose_name=_("provider")
    )
    name = models.CharField(_("name"), max_length=200)
    teachers = models.ManyToManyField(
        Person, related_name="taught_cohorts", blank=True, verbose_name=_("teachers")
    )
    enrolments = models.ManyToManyField(
        Enrolment, related_name="cohorts", blank=True, verbose_name=_("enrolments")
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        ordering = ["provider", "name"]
        verbose_name = _("cohort")
        verbose_name_plural = _("cohorts")
        constraints = [
            models.UniqueConstraint(fields=["provider", "name"], name="cohort_unique_name")
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.provider})"


class Consent(models.Model):
    """A learner shares one enrolment's progress with one employer.

    Given and revoked are dated; a revoked consent stays as history, and giving it again
    makes a new row. What an employer sees under consent is completion and credential status
    only (DESIGN.md; Act 759/2004 §3).
    """

    enrolment = models.ForeignKey(
        Enrolment, on_delete=models.CASCADE, related_name="consents", verbose_name=_("enrolment")
    )
    employer = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, related_name="consents", verbose_name=_("employer")
    )
    given_at = models.DateTimeField(_("given at"))
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)

    class Meta:
        verbose_name = _("consent")
        verbose_name_plural = _("consents")
        constraints = [
            models.UniqueConstraint(
                fields=["enrolment", "employer"],
                condition=Q(revoked_at__isnull=True),
                name="consent_one_active_per_employer",
            ),
            models.CheckConstraint(
                condition=Q(revoked_at__isnull=True) | Q(revoked_at__gte=models.F("given_at")),
                name="consent_revoked_after_given",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.enrolment} shared with {self.employer}"

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None
