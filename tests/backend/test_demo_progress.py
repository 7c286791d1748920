"""The demo's progress step: how long it waits for the replay to settle, what it prints, and
(on a database) what it reads after projecting the replayed traffic."""

from datetime import UTC, date, datetime, timedelta

import pytest

from backend.demo import seed
from backend.demo.progress import (
    SETTLE_MARGIN,
    ProgressLine,
    demo_progress,
    progress_lines,
    progress_note,
    progress_table,
    settle_wait,
)
from backend.demo.traffic import demo_traffic
from engagement.progress.models import EnrolmentProgress, MilestoneProgress, UnmatchedAgent
from learning_records.services import statements_store
from learning_records.xapi.validate import parse_statements
from learning_records.xapi.versions import XapiVersion

DAY = date(2025, 11, 28)
NOW = datetime(2025, 11, 28, 12, 0, tzinfo=UTC)


def line(**overrides) -> ProgressLine:
    values = {
        "learner": "Aino Virtanen",
        "pathway": "Battery cell manufacturing",
        "percent": 40,
        "milestones_done": 1,
        "milestones_total": 4,
        "last_active": DAY - timedelta(days=2),
        "finished": None,
        "overdue": 0,
    }
    return ProgressLine(**{**values, **overrides})


@pytest.mark.parametrize(
    ("stored", "expected"),
    [
        (None, 0.0),  # an empty store: nothing to wait for
        (NOW - timedelta(minutes=5), 0.0),  # an earlier run's statements
        (NOW, 10 + SETTLE_MARGIN.total_seconds()),  # stored just now
        (NOW - timedelta(seconds=4), 6 + SETTLE_MARGIN.total_seconds()),
    ],
)
def test_it_waits_until_the_newest_statement_is_older_than_the_settle_time(stored, expected):
    assert settle_wait(stored=stored, now=NOW, settle_seconds=10) == pytest.approx(expected)


@pytest.mark.parametrize(
    ("overrides", "note"),
    [
        ({}, "on track"),
        (
            {"finished": DAY - timedelta(days=8), "percent": 100},
            "finished the pathway on 2025-11-20",
        ),
        ({"overdue": 1}, "behind: 1 milestone overdue"),
        ({"overdue": 2}, "behind: 2 milestones overdue"),
        ({"last_active": DAY - timedelta(days=14)}, "inactive for 14 days"),
        (
            {"last_active": DAY - timedelta(days=25), "overdue": 2},
            "inactive for 25 days, behind: 2 milestones overdue",
        ),
        ({"last_active": None, "percent": 0}, "no activity yet"),
    ],
)
def test_it_notes_how_a_learner_is_doing(overrides, note):
    assert progress_note(line(**overrides), today=DAY) == note


def test_it_prints_a_row_per_enrolment_under_a_header():
    rows = progress_table([line(), line(learner="Laura Mäkinen", percent=100)], today=DAY)

    assert rows[0].split() == ["learner", "pathway", "done", "milestones", "last", "active"]
    assert rows[1].split()[:8] == [
        "Aino",
        "Virtanen",
        "Battery",
        "cell",
        "manufacturing",
        "40%",
        "1/4",
        "2025-11-26",
    ]
    assert rows[2].split()[5] == "100%"


@pytest.mark.django_db
def test_it_projects_the_replay_into_the_story_the_demo_tells(settings):
    settings.KIPINA_PROGRESS_SETTLE_SECONDS = 0
    made = seed.demo_seed()
    seed.demo_enrolments_seed(day=DAY)
    traffic = demo_traffic(seed=2025, today=DAY, size=400)
    for batch in (traffic.statements, [traffic.voiding]):
        parsed = parse_statements(batch, version=XapiVersion.V1_0_3)
        statements_store(client=made.client, statements=parsed, version=XapiVersion.V1_0_3)
    said: list[str] = []

    run = demo_progress(newest_stored=None, today=DAY, say=said.append)

    lines = {line.learner: line for line in progress_lines(today=DAY)}
    assert run.statements == len(traffic.statements) + 1
    assert lines["Laura Mäkinen"].finished is not None
    petri = lines["Petri Koskinen"].last_active
    assert petri is not None
    assert petri < DAY - timedelta(days=14)
    assert EnrolmentProgress.objects.filter(percent__gt=0).count() >= 7
    assert MilestoneProgress.objects.filter(completed_at__isnull=False).count() >= 10
    assert UnmatchedAgent.objects.count() == 1
    assert "1 unmatched agent: actors no person is linked to yet" in said
    assert any("finished the pathway" in row for row in said)
