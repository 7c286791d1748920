"""Pure: an enrolment's progress from its qualifications and evidence.

The same function serves the incremental projector and a rebuild from scratch, which is
what makes the two agree.
"""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True)
class MilestoneRule:
    id: int
    criterion_ids: frozenset[int]
    required_count: int | None  # None: all of the criteria

    @property
    def needed(self) -> int:
        total = len(self.criterion_ids)
        return total if self.required_count is None else min(self.required_count, total)


@dataclass(frozen=True)
class ActivitySummary:
    """Aggregates of an enrolment's evidence."""

    first_at: datetime | None = None
    last_at: datetime | None = None
    seconds: float = 0.0


@dataclass(frozen=True)
class MilestoneState:
    milestone_id: int
    done: int
    needed: int
    completed_at: datetime | None


@dataclass(frozen=True)
class ProgressState:
    milestones: tuple[MilestoneState, ...]
    activities_done: int
    percent: int
    first_active_at: datetime | None
    last_active_at: datetime | None
    time_spent_seconds: float
    completed_at: datetime | None

    @property
    def milestones_done(self) -> int:
        return sum(1 for m in self.milestones if m.completed_at is not None)


def enrolment_progress(
    milestones: Sequence[MilestoneRule],
    first_achieved: Mapping[int, datetime],
    activity: ActivitySummary,
) -> ProgressState:
    """`first_achieved` maps a criterion id to the earliest time a statement fulfilled it."""
    states = tuple(_milestone_state(rule, first_achieved) for rule in milestones)
    fractions = [min(s.done / s.needed, 1.0) if s.needed else 0.0 for s in states]
    percent = round(100 * sum(fractions) / len(fractions)) if fractions else 0
    finished = [s.completed_at for s in states if s.completed_at is not None]
    completed_at = max(finished) if states and len(finished) == len(states) else None
    return ProgressState(
        milestones=states,
        activities_done=sum(s.done for s in states),
        percent=percent,
        first_active_at=activity.first_at,
        last_active_at=activity.last_at,
        time_spent_seconds=activity.seconds,
        completed_at=completed_at,
    )


def _milestone_state(rule: MilestoneRule, first_achieved: Mapping[int, datetime]) -> MilestoneState:
    times = sorted(first_achieved[c] for c in rule.criterion_ids if c in first_achieved)
    needed = rule.needed
    # Completed when the needed-th activity was done: with "any 2 of 3", the second one.
    completed_at = times[needed - 1] if needed and len(times) >= needed else None
    return MilestoneState(rule.id, len(times), needed, completed_at)
