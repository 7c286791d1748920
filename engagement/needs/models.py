"""Companies' training needs, and a learner's own link to their employer.

A need is what a company says it will need people able to do: ESCO skills, at an EQF level,
for so many people, by a date. The needs-vs-offer report (coverage.py) sets open needs
against the pathways that teach the same skills.

`EmployerLink` is the learner's, not the employer's: it only lets the learner see pathways
matching that company's needs. Neither `Enrolment.sponsor` (set per enrolment by whoever
enrols, and only once one studies) nor `Role` (directory data kept by administrators) is
the learner's own choice, and `Consent` shares progress, which matching does not need.
"""

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from engagement.network.models import EscoSkill, Organisation, Person, Translated

MAX_PEOPLE = 10_000


class TrainingNeed(Translated):
    class Status(models.TextChoices):
        # In context: an enrolment's "Withdrawn" (discontinued studies) reads differently.
        OPEN = "open", pgettext_lazy("training need", "Open")
        MET = "met", pgettext_lazy("training need", "Met")
        WITHDRAWN = "withdrawn", pgettext_lazy("training need", "Withdrawn")

    company = models.ForeignKey(
        Organisation,
        on_delete=models.CASCADE,
        related_name="training_needs",
        verbose_name=_("company"),
        limit_choices_to={"kind": Organisation.Kind.COMPANY},
    )
    skills = models.ManyToManyField(
        EscoSkill, related_name="training_needs", verbose_name=_("ESCO skills")
    )
    people = models.PositiveIntegerField(
        _("how many people"), validators=[MinValueValidator(1), MaxValueValidator(MAX_PEOPLE)]
    )
    needed_by = models.DateField(_("needed by"))
    eqf_level = models.PositiveSmallIntegerField(
        _("EQF level"), validators=[MinValueValidator(1), MaxValueValidator(8)]
    )
    description_en = models.CharField(_("description (English)"), max_length=500, blank=True)
    description_fi = models.CharField(_("description (Finnish)"), max_length=500, blank=True)
    description_sv = models.CharField(_("description (Swedish)"), max_length=500, blank=True)
    recorded_by = models.ForeignKey(
        Person,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="recorded_training_needs",
        verbose_name=_("recorded by"),
    )
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.OPEN
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        ordering = ["needed_by", "pk"]
        verbose_name = _("training need")
        verbose_name_plural = _("training needs")
        constraints = [
            models.CheckConstraint(
                condition=Q(eqf_level__gte=1, eqf_level__lte=8), name="need_eqf_level_1_to_8"
            ),
            models.CheckConstraint(condition=Q(people__gte=1), name="need_people_positive"),
        ]
        indexes = [models.Index(fields=["status", "company"], name="need_status_company")]

    def __str__(self) -> str:
        return f"{self.company}: {self.people} × EQF {self.eqf_level} by {self.needed_by}"

    @property
    def translated_description(self) -> str:
        return self.translated("description")


class EmployerLink(models.Model):
    """A learner names a company as their employer, to see pathways matching its needs.

    Revoking keeps the row as history (like Consent); linking again makes a new row.
    """

    person = models.ForeignKey(
        Person, on_delete=models.CASCADE, related_name="employer_links", verbose_name=_("person")
    )
    company = models.ForeignKey(
        Organisation,
        on_delete=models.CASCADE,
        related_name="employee_links",
        verbose_name=_("company"),
        limit_choices_to={"kind": Organisation.Kind.COMPANY},
    )
    created_at = models.DateTimeField(_("linked at"))
    revoked_at = models.DateTimeField(_("unlinked at"), null=True, blank=True)

    class Meta:
        verbose_name = _("employer link")
        verbose_name_plural = _("employer links")
        constraints = [
            models.UniqueConstraint(
                fields=["person", "company"],
                condition=Q(revoked_at__isnull=True),
                name="employer_link_one_active",
            ),
            models.CheckConstraint(
                condition=Q(revoked_at__isnull=True) | Q(revoked_at__gte=models.F("created_at")),
                name="employer_link_revoked_after_created",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.person} works at {self.company}"
