"""Pure progress arithmetic (engagement/progress/compute.py): no database."""

from datetime import UTC, datetime, timedelta

import pytest

from engagement.progress.compute import ActivitySummary, MilestoneRule, enrolment_progress

T0 = datetime(2026, 3, 2, 18, 0, tzinfo=UTC)


def at(hours: int) -> datetime:
    return T0 + timedelta(hours=hours)


SAFETY = MilestoneRule(1, frozenset({11, 12}), None)  # both activities
CHEMISTRY = MilestoneRule(2, frozenset({21, 22, 23}), 2)  # any 2 of 3


@pytest.mark.parametrize(
    ("achieved", "done", "percent", "completed"),
    [
        ({}, (0, 0), 0, None),
        ({11: at(1)}, (1, 0), 25, None),
        ({11: at(1), 12: at(5)}, (2, 0), 50, None),
        ({11: at(1), 12: at(5), 23: at(2)}, (2, 1), 75, None),
        ({11: at(1), 12: at(5), 23: at(2), 21: at(9)}, (2, 2), 100, at(9)),
        ({11: at(1), 12: at(5), 21: at(3), 22: at(4), 23: at(2)}, (2, 3), 100, at(5)),
    ],
)
def test_it_counts_milestones_with_all_or_any_n_criteria(achieved, done, percent, completed):
    state = enrolment_progress([SAFETY, CHEMISTRY], achieved, ActivitySummary())

    assert tuple(m.done for m in state.milestones) == done
    assert state.percent == percent
    assert state.completed_at == completed


def test_it_completes_an_any_n_milestone_when_the_nth_activity_is_done():
    state = enrolment_progress([CHEMISTRY], {21: at(7), 23: at(2), 22: at(4)}, ActivitySummary())

    assert state.milestones[0].completed_at == at(4)


def test_it_never_completes_a_pathway_without_milestones():
    state = enrolment_progress([], {}, ActivitySummary(at(1), at(2), 60.0))

    assert state.completed_at is None
    assert state.percent == 0
    assert state.time_spent_seconds == 60.0


def test_it_caps_required_count_at_the_number_of_activities():
    rule = MilestoneRule(3, frozenset({31}), 5)

    state = enrolment_progress([rule], {31: at(1)}, ActivitySummary())

    assert state.milestones[0].completed_at == at(1)
