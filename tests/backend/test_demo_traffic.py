"""The demo's traffic generator: pure, reproducible, and only what the LRS accepts.

No django_db mark: a stray query fails the test (the generator must stay pure).
"""

import copy
import json
from collections import defaultdict
from datetime import date, datetime, timedelta

import pytest
from tincan import Statement as TincanStatement

from backend.demo.catalogue import LEARNERS, Rhythm
from backend.demo.senders import CMI5_CATEGORY, CMI5_EXT
from backend.demo.traffic import (
    HELSINKI,
    MIN_SIZE,
    WINDOW_DAYS,
    demo_traffic,
    learner_agents,
    sender_counts,
    sender_of,
)
from learning_records.xapi.validate import parse_statements
from learning_records.xapi.versions import XapiVersion

TODAY = date(2025, 11, 28)


@pytest.fixture(scope="module")
def traffic():
    return demo_traffic(seed=2025, today=TODAY, size=400)


def local(statement):
    return datetime.fromisoformat(statement["timestamp"].replace("Z", "+00:00")).astimezone(
        HELSINKI
    )


def learner_of(statement):
    identity = {k: v for k, v in statement["actor"].items() if k in ("mbox", "account")}
    for learner in LEARNERS:
        if identity in learner_agents(learner):
            return learner
    return None


def test_it_is_deterministic_for_a_seed(traffic):
    again = demo_traffic(seed=2025, today=TODAY, size=400)

    assert again == traffic
    assert demo_traffic(seed=2026, today=TODAY, size=400).statements != traffic.statements


def test_it_names_statements_by_seed_size_and_position_not_by_day(traffic):
    """So a rerun on another day sends the same ids (replay.py then finds the old day)."""
    other_day = demo_traffic(seed=2025, today=TODAY + timedelta(days=3), size=400)

    assert [s["id"] for s in other_day.statements] == [s["id"] for s in traffic.statements]
    assert len({s["id"] for s in traffic.statements}) == 400


@pytest.mark.parametrize("size", [MIN_SIZE, 123, 400, 1500])
def test_it_makes_exactly_the_requested_number_of_statements(size):
    assert len(demo_traffic(seed=7, today=TODAY, size=size).statements) == size


def test_it_refuses_a_stream_too_small_to_show_anything():
    with pytest.raises(ValueError, match="at least"):
        demo_traffic(seed=7, today=TODAY, size=MIN_SIZE - 1)


def test_it_covers_all_four_senders(traffic):
    counts = sender_counts(traffic.statements)

    assert set(counts) == {"Moodle", "Open edX", "H5P", "cmi5"}
    assert all(count >= 10 for count in counts.values())


def test_it_covers_every_learner(traffic):
    per_learner = defaultdict(set)
    for statement in traffic.statements:
        per_learner[learner_of(statement)].add(sender_of(statement))

    assert None not in per_learner
    assert len(per_learner) == len(LEARNERS)
    assert sum(len(senders) >= 3 for senders in per_learner.values()) >= 6


@pytest.mark.parametrize("seed", [2025, 1, 99])
def test_every_statement_passes_the_validator(seed):
    generated = demo_traffic(seed=seed, today=TODAY, size=400)

    parse_statements(generated.statements, version=XapiVersion.V1_0_3)
    parse_statements([generated.voiding], version=XapiVersion.V1_0_3)


def test_every_statement_stays_valid_as_tincan_sends_it(traffic):
    sent = [
        json.loads(TincanStatement(copy.deepcopy(s)).to_json("1.0.3")) for s in traffic.statements
    ]

    parse_statements(sent, version=XapiVersion.V1_0_3)
    assert [s["id"] for s in sent] == [s["id"] for s in traffic.statements]


def test_it_spreads_over_the_eight_weeks_before_today_oldest_first(traffic):
    days = [local(s).date() for s in traffic.statements]

    assert min(days) >= TODAY - timedelta(days=WINDOW_DAYS)
    assert max(days) < TODAY
    assert days == sorted(days)
    assert len(set(days)) > 35


def test_it_studies_when_working_adults_do(traffic):
    moments = [(learner_of(s), local(s)) for s in traffic.statements]

    assert all(7 <= at.hour <= 23 for _, at in moments)
    evening_weekdays = [
        at for learner, at in moments if learner.rhythm == Rhythm.EVENINGS and at.weekday() < 4
    ]
    assert evening_weekdays
    assert all(at.hour >= 18 for at in evening_weekdays)


def test_it_leaves_the_dropout_silent_for_the_last_three_weeks(traffic):
    petri = next(learner for learner in LEARNERS if learner.name == "Petri Koskinen")
    last = max(local(s).date() for s in traffic.statements if learner_of(s) == petri)

    assert last < TODAY - timedelta(days=20)


def test_it_voids_the_accidental_quiz_attempt_the_next_morning(traffic):
    attempt = next(s for s in traffic.statements if s["id"] == traffic.mistaken_attempt_id)

    assert attempt["result"]["score"]["raw"] == 0
    assert attempt["object"]["definition"]["type"] == "http://adlnet.gov/expapi/activities/attempt"
    assert traffic.voiding["verb"]["id"] == "http://adlnet.gov/expapi/verbs/voided"
    assert traffic.voiding["object"] == {"objectType": "StatementRef", "id": attempt["id"]}
    assert local(traffic.voiding).date() == local(attempt).date() + timedelta(days=1)


def test_cmi5_sessions_run_launched_initialized_verdict_terminated(traffic):
    sessions = defaultdict(list)
    for statement in traffic.statements:
        if sender_of(statement) == "cmi5":
            sessions[statement["context"]["extensions"][f"{CMI5_EXT}sessionid"]].append(statement)

    for statements in sessions.values():
        verbs = [s["verb"]["id"].rsplit("/", 1)[-1] for s in statements]
        assert verbs[:2] == ["launched", "initialized"]
        assert verbs[2] in ("passed", "failed")
        assert verbs[-1] in ("terminated", "satisfied")
        categories = statements[0]["context"]["contextActivities"]["category"]
        assert {"objectType": "Activity", "id": CMI5_CATEGORY} in categories


def test_h5p_statements_use_a_mailto_mbox_and_report_a_response(traffic):
    h5p = [s for s in traffic.statements if sender_of(s) == "H5P"]

    assert h5p
    assert all(s["actor"]["mbox"].startswith("mailto:") for s in h5p)
    assert all("response" in s["result"] for s in h5p)
