"""Engagement rules as data, their versions, and the decisions they made."""

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from engagement.network.models import Cohort, Enrolment, Organisation, Pathway, Person


class Rule(models.Model):
    """A rule's identity: what it is called, where it applies, whether it runs. What it
    does is in its versions; an edit makes a new version and decisions keep theirs."""

    class Scope(models.TextChoices):
        NETWORK = "network", _("The whole network")
        PROVIDER = "provider", _("One provider's pathways")
        PATHWAY = "pathway", _("One pathway")
        COHORT = "cohort", _("One cohort")

    name = models.CharField(_("name"), max_length=200)
    scope = models.CharField(_("scope"), max_length=10, choices=Scope.choices)
    provider = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    pathway = models.ForeignKey(
        Pathway, on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    cohort = models.ForeignKey(
        Cohort, on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    enabled = models.BooleanField(_("enabled"), default=True)
    holdout_share = models.FloatField(
        _("holdout share"),
        default=0.10,
        validators=[MinValueValidator(0.0), MaxValueValidator(0.5)],
        help_text=_("the share of eligible people whose decisions are recorded, not delivered"),
    )
    current_version = models.ForeignKey(
        "RuleVersion", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    disabled_reason = models.TextField(_("why it was disabled"), blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(
                name="rule_scope_target",
                condition=(
                    Q(scope="network", provider=None, pathway=None, cohort=None)
                    | Q(scope="provider", provider__isnull=False, pathway=None, cohort=None)
                    | Q(scope="pathway", pathway__isnull=False, provider=None, cohort=None)
                    | Q(scope="cohort", cohort__isnull=False, provider=None, pathway=None)
                ),
            ),
            models.CheckConstraint(
                name="rule_holdout_share_range",
                condition=Q(holdout_share__gte=0) & Q(holdout_share__lte=0.5),
            ),
        ]

    def __str__(self) -> str:
        return self.name


class RuleVersion(models.Model):
    """One immutable version of a rule's definition (engagement/rules/definitions.py)."""

    rule = models.ForeignKey(Rule, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveIntegerField()
    kind = models.CharField(max_length=32)
    definition = models.JSONField()
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["rule", "-number"]
        constraints = [
            models.UniqueConstraint(fields=["rule", "number"], name="rule_version_unique_number")
        ]

    def __str__(self) -> str:
        return f"{self.rule} v{self.number}"


class Decision(models.Model):
    """What a rule decided for one person about one enrolment, stored once per window.

    The unique key (rule, person, enrolment, window) is what makes retries and overlapping
    sweeps harmless: a second insert of the same decision is ignored. Held-out decisions are
    recorded the same way and never delivered, so the rule's effect can be measured.
    """

    class Holdout(models.TextChoices):
        NONE = "", _("Delivered")
        RULE = "rule", _("Held out by the rule")
        GLOBAL = "global", _("Held out globally")

    rule = models.ForeignKey(Rule, on_delete=models.CASCADE, related_name="decisions")
    version = models.ForeignKey(RuleVersion, on_delete=models.PROTECT, related_name="decisions")
    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="+")
    enrolment = models.ForeignKey(Enrolment, on_delete=models.CASCADE, related_name="+")
    window = models.CharField(max_length=100)
    action = models.JSONField()
    reasons = models.JSONField(default=list)
    holdout = models.CharField(max_length=6, choices=Holdout.choices, blank=True, default="")
    decided_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["rule", "person", "enrolment", "window"], name="decision_dedup_key"
            )
        ]
        indexes = [
            models.Index(fields=["decided_at"], name="decision_decided_at"),
            models.Index(fields=["person", "decided_at"], name="decision_person"),
        ]

    def __str__(self) -> str:
        return f"{self.rule_id}/{self.person_id}/{self.window}"

    @property
    def held_out(self) -> bool:
        return bool(self.holdout)


class StudyPlan(models.Model):
    """A learner's own weekly goal and preferred study times (a commitment device: plans
    the learner makes work better than generic reminders)."""

    person = models.OneToOneField(Person, on_delete=models.CASCADE, related_name="study_plan")
    days_per_week = models.PositiveSmallIntegerField(
        null=True, blank=True, validators=[MinValueValidator(1), MaxValueValidator(7)]
    )
    hours_per_week = models.DecimalField(
        max_digits=4,
        decimal_places=1,
        null=True,
        blank=True,
        validators=[MinValueValidator(0.5), MaxValueValidator(80)],
    )
    # [{"weekday": 0-6, "from": "18:00", "to": "20:00"}, ...], in the person's time zone.
    preferred_times = models.JSONField(default=list, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.CheckConstraint(
                name="study_plan_one_goal",
                condition=Q(days_per_week__isnull=False, hours_per_week__isnull=True)
                | Q(days_per_week__isnull=True, hours_per_week__isnull=False),
            )
        ]

    def __str__(self) -> str:
        return f"plan of {self.person_id}"


class EventCursor(models.Model):
    """The last progress event the event rules have read (events are read by id)."""

    name = models.CharField(max_length=40, unique=True)
    last_event_id = models.BigIntegerField(default=0)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"{self.name} at {self.last_event_id}"
