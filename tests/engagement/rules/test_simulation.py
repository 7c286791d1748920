"""300 simulated learners over 12 weeks through the real pipeline (bench/simulation*.py):
LRS → projection → rules → decisions, with the clock moved to each step's simulated time.
`make bench-simulation` runs the same with 5,000 learners on PostgreSQL."""

import datetime as dt
import sys
from pathlib import Path

import pytest
from django.test import override_settings

from engagement.progress.models import EnrolmentProgress
from engagement.progress.services import progress_project
from engagement.rules import services
from engagement.rules.models import Decision
from tests.engagement.builders import CHEM, COMPLETED, SAFETY_QUIZ, SAFETY_VIDEO, statement, store

# bench/ holds scripts that import each other by bare name (bench/run.py does too); appended,
# so none of its names can shadow an installed module.
sys.path.append(str(Path(__file__).resolve().parents[3] / "bench"))

import simulation
from simulation import Profile
from simulation_pipeline import run

LEARNERS = 300
SEED = 7
RERUN_DAY = 40  # a Monday of week 6: every rule kind is busy by then
INACTIVE = {"kind": "inactive", "days": 7, "action": {"type": "nudge", "template": "come_back"}}


def test_the_same_seed_gives_the_same_plan():
    first, again = simulation.simulate(40, seed=3), simulation.simulate(40, seed=3)

    assert first == again
    assert first != simulation.simulate(40, seed=4)


def test_the_profiles_study_as_their_names_say():
    sim = simulation.simulate(1000, seed=SEED)
    days_of: dict[int, set[int]] = {learner.index: set() for learner in sim.learners}
    for day, attempts in sim.attempts.items():
        for attempt in attempts:
            days_of[attempt.learner].add(day)

    def mean(profile: Profile, measure) -> float:
        values = [measure(x) for x in sim.learners if x.profile == profile]
        return sum(values) / len(values)

    def active(learner) -> int:
        return len(days_of[learner.index])

    def late(learner) -> int:  # active days in the last four weeks
        return sum(1 for day in days_of[learner.index] if day >= 56)

    def finished(learner) -> int:
        return int(learner.index in sim.finished_at)

    assert mean(Profile.STEADY, active) > mean(Profile.FADING, active)
    assert mean(Profile.FADING, active) > mean(Profile.DROPPING_OUT, active)
    assert mean(Profile.DROPPING_OUT, late) == 0
    assert mean(Profile.FADING, late) < mean(Profile.BURSTY, late)
    shares = {p: mean(p, finished) for p in Profile}
    assert max(shares, key=shares.__getitem__) == Profile.STEADY
    assert min(shares, key=shares.__getitem__) == Profile.DROPPING_OUT


@pytest.mark.django_db
def test_300_learners_over_12_weeks_are_decided_once_and_only_when_allowed():
    with override_settings(
        KIPINA_PROGRESS_SETTLE_SECONDS=0,
        KIPINA_RULES_GLOBAL_HOLDOUT=0.05,
        KIPINA_RULES_SWEEP_BATCH=100,  # several batches a day, as the beat fans them out
        PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"],
    ):
        sim = simulation.simulate(LEARNERS, seed=SEED)
        _, report = run(sim, rerun_day=RERUN_DAY)
    print("\n".join(simulation.report_lines(report)))

    assert report.duplicates == []
    assert report.rerun_new_decisions == 0
    assert report.rerun_repost_error is None
    assert [str(v) for v in report.violations] == []
    assert [str(v) for v in report.after_finishing] == []
    assert report.projection_mismatches == []
    # Every kind of rule had something to do.
    assert set(report.decisions_by_kind) == {
        definition["kind"] for _, definition in simulation.RULES
    }
    # At 300 learners a share is a draw over a few hundred people (global) or (rule, learner)
    # pairs: ±1 point would fail by chance, so the tolerance is 4 binomial standard
    # deviations of the unit of the draw (a false alarm about once in 8,000 runs for the two;
    # the draw changes with the person ids, which depend on the tests run before).
    h = report.holdouts
    for share in (h.global_by_person, h.rule_by_pair):
        assert share.off_points <= share.tolerance_points(), share
    # Dropping out shows: more "come back" nudges and fewer achievements than steady study.
    reached = report.inactive_reach_by_profile
    assert reached[Profile.DROPPING_OUT] > 2 * reached[Profile.STEADY]
    assert (
        report.inactive_by_profile[Profile.DROPPING_OUT]
        > report.inactive_by_profile[Profile.STEADY]
    )
    assert (
        report.achievements_by_profile[Profile.STEADY]
        > report.achievements_by_profile[Profile.DROPPING_OUT]
    )
    assert 0 < report.nudges.mean < 3


def test_a_learner_who_finished_the_pathway_is_not_told_to_come_back(net):
    """Found by the simulation: the rules read the directory status only, so a learner who
    had finished but was still marked active was told to come back (and turned red)."""
    rule = services.rule_create(name="Come back", definition=INACTIVE)
    store(
        net.client,
        statement(SAFETY_VIDEO, COMPLETED, at="2026-02-03T18:00:00Z"),
        statement(SAFETY_QUIZ, at="2026-02-03T18:10:00Z"),
        *(statement(quiz, at="2026-02-03T18:20:00Z") for quiz in CHEM[:2]),
    )
    progress_project()
    assert EnrolmentProgress.objects.get(enrolment=net.enrolment).completed_at is not None

    # Ten days later: the enrolment is still "active" (no one has marked it completed yet).
    services.sweep_batch([net.learner.id], dt.datetime(2026, 2, 13, 18, 0, tzinfo=dt.UTC))

    assert list(Decision.objects.filter(rule=rule).values_list("window", flat=True)) == []
