"""Pure: the schema of rule definitions, with errors that name the field.

A definition is JSON an administrator writes (API or admin), e.g.
``{"kind": "inactive", "days": 7, "action": {"type": "nudge", "template": "come_back"}}``.
"""

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, TypeAdapter, ValidationError, field_validator

NonEmpty = Annotated[str, Field(min_length=1, max_length=200)]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)


class Nudge(_Strict):
    """A notification to the learner, rendered from `template` (notifications room)."""

    type: Literal["nudge"]
    template: NonEmpty


class AwardBadge(_Strict):
    """Award the badge class with this id (badges room)."""

    type: Literal["award_badge"]
    badge_class: NonEmpty


class DigestLine(_Strict):
    """A line in a digest (e.g. the employer's weekly summary), not a message of its own."""

    type: Literal["digest_line"]
    digest: NonEmpty


class AlertTeacher(_Strict):
    """A notification to the teachers of the enrolment's cohorts."""

    type: Literal["alert_teacher"]
    template: NonEmpty


Action = Annotated[Nudge | AwardBadge | DigestLine | AlertTeacher, Field(discriminator="type")]


class Inactive(_Strict):
    """No activity on an active enrolment for `days` days (once per spell of inactivity)."""

    kind: Literal["inactive"]
    days: int = Field(ge=1, le=365)
    action: Action


class BehindPace(_Strict):
    """Progress below the straight-line pace to the planned target date by `points`."""

    kind: Literal["behind_pace"]
    points: int = Field(ge=1, le=100)
    action: Action


class MilestoneDueSoon(_Strict):
    """A milestone not done is due within `days` days (once per milestone)."""

    kind: Literal["milestone_due_soon"]
    days: int = Field(ge=0, le=90)
    action: Action


class MilestoneCompleted(_Strict):
    """Reacts to the projector's milestone_completed event (optionally one milestone)."""

    kind: Literal["milestone_completed"]
    milestone_id: int | None = Field(default=None, ge=1)
    action: Action


class PathwayCompleted(_Strict):
    kind: Literal["pathway_completed"]
    action: Action


class FirstSteps(_Strict):
    """No activity yet on these days after the enrolment started (research: early prompts)."""

    kind: Literal["first_steps"]
    days: list[int] = Field(default_factory=lambda: [3, 10])
    action: Action

    @field_validator("days")
    @classmethod
    def _distinct_days(cls, days: list[int]) -> list[int]:
        if not days:
            raise ValueError("needs at least one day")
        if any(day < 1 or day > 60 for day in days):
            raise ValueError("each day must be from 1 to 60")
        if len(set(days)) != len(days):
            raise ValueError("days must not repeat")
        return sorted(days)


class StudyGoalAtRisk(_Strict):
    """The learner's own weekly goal will be missed unless they study on every day left."""

    kind: Literal["study_goal_at_risk"]
    action: Action


class TeacherAlert(_Strict):
    """A cohort member's traffic light turned red."""

    kind: Literal["teacher_alert"]
    action: AlertTeacher


class EmployerSummaryLine(_Strict):
    """A weekly line on a consented enrolment for the employer's summary."""

    kind: Literal["employer_summary_line"]
    action: DigestLine


Definition = Annotated[
    Inactive
    | BehindPace
    | MilestoneDueSoon
    | MilestoneCompleted
    | PathwayCompleted
    | FirstSteps
    | StudyGoalAtRisk
    | TeacherAlert
    | EmployerSummaryLine,
    Field(discriminator="kind"),
]
EVENT_KINDS = frozenset({"milestone_completed", "pathway_completed"})
SCHEDULE_KINDS = frozenset(
    {
        "inactive",
        "behind_pace",
        "milestone_due_soon",
        "first_steps",
        "study_goal_at_risk",
        "teacher_alert",
        "employer_summary_line",
    }
)
# Badges are earned for achievements; a reminder that hands out badges would reward absence.
_BADGE_KINDS = EVENT_KINDS
_ADAPTER: TypeAdapter[Any] = TypeAdapter(Definition)


class DefinitionError(ValueError):
    def __init__(self, errors: list[str]) -> None:
        self.errors = errors
        super().__init__("; ".join(errors))


def parse_definition(document: object) -> Any:
    """The definition (one of the classes above), or DefinitionError listing each problem
    as `definition.<path>: why`."""
    try:
        definition = _ADAPTER.validate_python(document)
    except ValidationError as exc:
        raise DefinitionError([_message(error) for error in exc.errors()]) from None
    if isinstance(definition.action, AwardBadge) and definition.kind not in _BADGE_KINDS:
        raise DefinitionError(
            [
                "definition.action.type: award_badge is for milestone_completed and "
                "pathway_completed rules"
            ]
        )
    return definition


def _message(error: Any) -> str:
    path = ".".join(str(part) for part in error["loc"] if not _is_union_tag(part))
    where = f"definition.{path}" if path else "definition"
    if error["type"] in ("union_tag_invalid", "union_tag_not_found"):
        tag = error["ctx"]["discriminator"].strip("'")
        if error["type"] == "union_tag_not_found":
            return f"{where}.{tag}: is required"
        given = error["input"].get(tag) if isinstance(error["input"], dict) else None
        return f"{where}.{tag}: unknown {tag} {given!r}; use one of {error['ctx']['expected_tags']}"
    if error["type"] == "missing":
        return f"{where}: is required"
    if error["type"] == "extra_forbidden":
        return f"{where}: is not a property of this kind of rule"
    return f"{where}: {error['msg'].removeprefix('Value error, ')}"


def _is_union_tag(part: object) -> bool:
    # pydantic puts the chosen tag (e.g. "inactive") into the error path; it is not a field.
    return isinstance(part, str) and part in _TAGS


_TAGS = frozenset(
    [*EVENT_KINDS, *SCHEDULE_KINDS, "nudge", "award_badge", "digest_line", "alert_teacher"]
)
