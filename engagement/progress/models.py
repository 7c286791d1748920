"""The progress projection: what the statement log means for each enrolment.

Everything here is derived from statements and the directory; the projector can rebuild it
from scratch (progress_rebuild) and the incremental result must equal that rebuild.
"""

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from engagement.network.models import Enrolment, Milestone, MilestoneActivity
from learning_records.models import Statement


class ProjectionCursor(models.Model):
    """How far the projector has read the statement log, in (stored, row id) order, and
    when it last looked for new identity links and enrolments."""

    name = models.CharField(max_length=40, unique=True)
    stored = models.DateTimeField(null=True, blank=True)
    row_id = models.BigIntegerField(default=0)
    # When it last caught up: it had read every statement stored up to this moment.
    read_until = models.DateTimeField(null=True, blank=True)
    directory_checked_at = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"{self.name} at {self.stored} #{self.row_id}"


class Evidence(models.Model):
    """A statement by the learner about one of the pathway's activities (as object or
    context): it makes the learner active and may carry time spent."""

    enrolment = models.ForeignKey(Enrolment, on_delete=models.CASCADE, related_name="+")
    # No database constraint: the LRS's retention deletes old statements with a plain DELETE
    # and the progress they made stays, keyed by their row ids, which are never reused
    # (docs/retention.md). A delete through the ORM (erasure) still takes the facts along.
    statement = models.ForeignKey(
        Statement, on_delete=models.CASCADE, db_constraint=False, related_name="+"
    )
    occurred_at = models.DateTimeField()
    duration_seconds = models.FloatField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["enrolment", "statement"], name="evidence_unique")
        ]

    def __str__(self) -> str:
        return f"{self.enrolment_id}: statement {self.statement_id}"


class Qualification(models.Model):
    """A statement that fulfils one milestone activity's criterion (verb, score)."""

    enrolment = models.ForeignKey(Enrolment, on_delete=models.CASCADE, related_name="+")
    milestone_activity = models.ForeignKey(
        MilestoneActivity, on_delete=models.CASCADE, related_name="+"
    )
    statement = models.ForeignKey(  # no database constraint, as Evidence's
        Statement, on_delete=models.CASCADE, db_constraint=False, related_name="+"
    )
    achieved_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["enrolment", "milestone_activity", "statement"],
                name="qualification_unique",
            )
        ]

    def __str__(self) -> str:
        return f"{self.enrolment_id}: activity {self.milestone_activity_id}"


class EnrolmentProgress(models.Model):
    """The summary dashboards read: one row per enrolment with any evidence."""

    enrolment = models.OneToOneField(
        Enrolment, on_delete=models.CASCADE, primary_key=True, related_name="progress"
    )
    milestones_done = models.PositiveIntegerField(default=0)
    milestones_total = models.PositiveIntegerField(default=0)
    activities_done = models.PositiveIntegerField(default=0)
    percent = models.PositiveSmallIntegerField(default=0)
    first_active_at = models.DateTimeField(null=True, blank=True)
    last_active_at = models.DateTimeField(null=True, blank=True)
    time_spent_seconds = models.FloatField(default=0)
    completed_at = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name_plural = _("enrolment progress")

    def __str__(self) -> str:
        return f"{self.enrolment_id}: {self.percent}%"


class MilestoneProgress(models.Model):
    enrolment = models.ForeignKey(
        Enrolment, on_delete=models.CASCADE, related_name="milestone_progress"
    )
    milestone = models.ForeignKey(Milestone, on_delete=models.CASCADE, related_name="+")
    activities_done = models.PositiveIntegerField(default=0)
    activities_needed = models.PositiveIntegerField(default=0)
    completed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name_plural = _("milestone progress")
        constraints = [
            models.UniqueConstraint(
                fields=["enrolment", "milestone"], name="milestone_progress_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.enrolment_id}/{self.milestone_id}: {self.activities_done}"


class ProgressEvent(models.Model):
    """A domain event for the rules: emitted once per enrolment, kind and milestone.

    A later voiding that undoes the achievement does not delete the event (it happened and
    may have been acted on); `retracted_at` records that it no longer holds.
    """

    class Kind(models.TextChoices):
        FIRST_ACTIVITY = "first_activity", _("First activity")
        MILESTONE_COMPLETED = "milestone_completed", _("Milestone completed")
        PATHWAY_COMPLETED = "pathway_completed", _("Pathway completed")

    enrolment = models.ForeignKey(Enrolment, on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=24, choices=Kind.choices)
    milestone = models.ForeignKey(
        Milestone, on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    occurred_at = models.DateTimeField(help_text=_("when the learner did it"))
    created_at = models.DateTimeField(auto_now_add=True)
    retracted_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["enrolment", "kind", "milestone"],
                condition=Q(milestone__isnull=False),
                name="progress_event_once_per_milestone",
            ),
            models.UniqueConstraint(
                fields=["enrolment", "kind"],
                condition=Q(milestone__isnull=True),
                name="progress_event_once_per_enrolment",
            ),
        ]
        indexes = [models.Index(fields=["created_at"], name="progress_event_created")]

    def __str__(self) -> str:
        return f"{self.kind} of {self.enrolment_id}"


class UnmatchedAgent(models.Model):
    """An actor the LMSs report that no person in the directory is linked to (yet).

    Administrators link it to a person; the projector then counts its statements."""

    agent_key = models.TextField(unique=True)
    statements_seen = models.PositiveIntegerField(default=0)
    first_seen_at = models.DateTimeField()
    last_seen_at = models.DateTimeField()

    def __str__(self) -> str:
        return self.agent_key
