"""Did a rule help: the statistics against published values (no database), and the
selector's counts against a hand-built scenario."""

import datetime as dt

import pytest

from engagement.network import services as network
from engagement.progress.services import progress_project
from engagement.rules import services
from engagement.rules.effectiveness import (
    Arm,
    ArmRow,
    Comparison,
    detection_power,
    minimum_detectable_effect,
    newcombe_interval,
    rule_effects,
    wilson_interval,
)
from engagement.rules.models import Decision
from engagement.rules.selectors import decision_outcomes
from tests.engagement.builders import (
    CHEM,
    EXPERIENCED,
    SAFETY_QUIZ,
    SAFETY_VIDEO,
    statement,
    store,
)

INACTIVE = {"kind": "inactive", "days": 7, "action": {"type": "nudge", "template": "come_back"}}


@pytest.mark.parametrize(
    ("successes", "n", "low", "high"),
    [(81, 263, 0.2553, 0.3662), (15, 148, 0.0624, 0.1605), (0, 20, 0.0, 0.1611),
     (1, 29, 0.0061, 0.1718)],
)  # fmt: skip
def test_it_matches_newcombes_published_wilson_intervals(successes, n, low, high):
    """Newcombe RG, Two-sided confidence intervals for the single proportion: comparison of
    seven methods, Stat Med 1998;17:857-872, Table I, method 3 (Wilson score, no CC)."""
    interval = wilson_interval(successes, n)

    assert interval is not None
    assert (interval.low, interval.high) == pytest.approx((low, high), abs=1e-4)


@pytest.mark.parametrize(
    ("k1", "n1", "k2", "n2", "low", "high"),
    [
        (56, 70, 48, 80, 0.0524, 0.3339),  # (a)
        (9, 10, 3, 10, 0.1705, 0.8090),  # (b)
        (6, 7, 2, 7, 0.0582, 0.8062),  # (c)
        (5, 56, 0, 29, -0.0381, 0.1926),  # (d)
        (0, 10, 0, 20, -0.1611, 0.2775),  # (e)
        (0, 10, 0, 10, -0.2775, 0.2775),  # (f)
        (10, 10, 0, 20, 0.6791, 1.0000),  # (g)
        (10, 10, 0, 10, 0.6075, 1.0000),  # (h)
    ],
)
def test_it_matches_newcombes_table_ii_for_differences(k1, n1, k2, n2, low, high):
    """Newcombe RG, Interval estimation for the difference between independent proportions:
    comparison of eleven methods, Stat Med 1998;17:873-890, Table II, method 10."""
    interval = newcombe_interval(k1, n1, k2, n2)

    assert interval is not None
    assert (interval.low, interval.high) == pytest.approx((low, high), abs=1e-4)


def test_it_has_no_interval_for_an_empty_group():
    assert wilson_interval(0, 0) is None
    assert newcombe_interval(3, 10, 0, 0) is None
    with pytest.raises(ValueError, match="successes must be from 0 to n"):
        wilson_interval(11, 10)


def test_it_finds_the_minimum_detectable_effect_of_the_textbook_sample_size():
    """Fleiss, Levin & Paik (2003) ch. 4, without continuity correction: detecting 0.5 → 0.6
    at two-sided α = 0.05 with 80% power needs, per group,
    n = (1.95996·√(2·0.55·0.45) + 0.84162·√(0.25 + 0.24))² / 0.1² = 387.3 (so 388),
    by hand: (1.37894 + 0.58913)² / 0.01 = 387.33. Solving the other way round gives 0.1."""
    n = (1.959964 * (2 * 0.55 * 0.45) ** 0.5 + 0.841621 * 0.49**0.5) ** 2 / 0.01

    assert n == pytest.approx(387.33, abs=0.01)
    assert detection_power(0.1, 0.5, 388, 388) == pytest.approx(0.8, abs=0.002)
    assert minimum_detectable_effect(0.5, 388, 388) == pytest.approx(0.0999, abs=1e-4)
    assert minimum_detectable_effect(0.5, 387, 387) == pytest.approx(0.1000, abs=1e-4)


def test_the_minimum_detectable_effect_grows_as_groups_shrink():
    """0.1 → 0.2 needs 199 per group by the same formula: (0.98975 + 0.42081)² / 0.01."""
    assert minimum_detectable_effect(0.1, 199, 199) == pytest.approx(0.1, abs=5e-4)
    unequal, equal = (minimum_detectable_effect(0.1, 1000, n) for n in (100, 1000))
    assert unequal is not None
    assert equal is not None
    assert unequal > equal
    assert minimum_detectable_effect(0.3, 2, 1) is None  # no possible uplift is detectable
    assert minimum_detectable_effect(1.0, 50, 50) is None  # nothing left to gain
    assert minimum_detectable_effect(0.3, 0, 10) is None


def test_it_says_when_the_rule_helped():
    comparison = Comparison("came back within 72 hours", Arm(70, 56), Arm(50, 30), Arm(30, 18), 4)

    assert comparison.held_out == Arm(80, 48)
    assert comparison.conclusive
    assert comparison.statement() == (
        "80.0% of nudged came back within 72 hours against 60.0% of held out (70 and 80 "
        "decisions): a difference of +20.0 points (95% CI +5.2 points to +33.4 points)."
    )


def test_it_states_the_smallest_detectable_effect_when_inconclusive():
    comparison = Comparison("came back within 72 hours", Arm(40, 14), Arm(8, 2), Arm(2, 1), 0)
    mde = comparison.minimum_detectable_effect

    assert not comparison.conclusive
    assert mde is not None
    assert comparison.statement().endswith(
        f"No effect is shown: groups of these sizes could only have detected an uplift of at "
        f"least {100 * mde:.1f} points over the held-out rate (80% power, two-sided α = 0.05)."
    )


def test_it_says_when_there_is_nothing_to_compare_yet():
    comparison = Comparison("came back within 72 hours", Arm(12, 5), Arm(), Arm(), 3)

    assert comparison.difference is None
    assert comparison.statement() == (
        "Not measurable yet: no held-out decisions whose window has passed (12 nudged, 0 held "
        "out, 3 still within it)."
    )


def test_it_says_when_no_decision_has_passed_its_window():
    comparison = Comparison("came back within 72 hours", Arm(), Arm(), Arm(), 6)

    assert comparison.statement() == (
        "Not measurable yet: no decisions whose window has passed (0 nudged, 0 held out, 6 "
        "still within it)."
    )


def test_it_reports_each_version_and_all_versions_pooled():
    def row(version, number, holdout, decisions, back, milestone):
        return ArmRow(version, number, holdout, decisions, decisions, Arm(*back), 0,
                      Arm(*milestone), 0, 0)  # fmt: skip

    rows = [
        row(7, 1, "", 10, (10, 4), (8, 2)),
        row(7, 1, "rule", 3, (3, 1), (3, 0)),
        row(9, 2, "", 5, (5, 3), (5, 1)),
        row(9, 2, "global", 2, (2, 0), (2, 1)),
    ]

    first, second, pooled = rule_effects(rows, {"": 12, "rule": 3, "global": 2})

    assert (first.version_number, second.version_number, pooled.version_number) == (1, 2, None)
    assert first.decisions == {"nudged": 10, "held_out_rule": 3, "held_out_global": 0}
    assert pooled.came_back.nudged == Arm(15, 7)
    assert pooled.came_back.held_out == Arm(5, 1)
    assert (pooled.came_back.held_out_rule, pooled.came_back.held_out_global) == (
        Arm(3, 1),
        Arm(2, 0),
    )
    assert pooled.next_milestone.nudged == Arm(13, 3)
    assert pooled.people == {"nudged": 12, "held_out_rule": 3, "held_out_global": 2}


# --- The selector -----------------------------------------------------------------------------

DECIDED = dt.datetime(2026, 3, 1, 12, 0, tzinfo=dt.UTC)


def iso(at: dt.datetime) -> str:
    return at.isoformat().replace("+00:00", "Z")


@pytest.fixture
def scenario(net):
    """Seven learners, decisions of version 1 at DECIDED and one of version 2 an hour before
    `now`; what each did is in the comments. Holdouts are set by hand (the draw is tested in
    test_services.py)."""
    rule = services.rule_create(name="Come back", definition=INACTIVE)
    v1 = rule.versions.get()
    v2 = services.rule_update(rule=rule, definition={**INACTIVE, "days": 10})
    people = {}
    for n in range(1, 8):
        person = network.person_create(given_name=f"P{n}", family_name="X", email=f"p{n}@x.fi")
        network.identity_link(person=person, kind="mbox", value=f"mailto:p{n}@x.fi")
        enrolment = network.enrolment_create(
            learner=person, pathway=net.pathway, started_on=dt.date(2026, 1, 12)
        )
        people[n] = (person, enrolment)

    def did(n, activity, verb, at):
        store(net.client, statement(activity, verb, actor=f"mailto:p{n}@x.fi", at=iso(at)))

    hour, day = dt.timedelta(hours=1), dt.timedelta(days=1)
    did(1, SAFETY_VIDEO, EXPERIENCED, DECIDED + hour)  # back; safety done on day 2
    did(1, SAFETY_QUIZ, "http://adlnet.gov/expapi/verbs/passed", DECIDED + 2 * day)
    did(2, SAFETY_VIDEO, EXPERIENCED, DECIDED + 80 * hour)  # back too late; safety in time
    did(2, SAFETY_QUIZ, "http://adlnet.gov/expapi/verbs/passed", DECIDED + 80 * hour)
    # 3: nothing at all.
    did(4, SAFETY_VIDEO, EXPERIENCED, DECIDED - hour)  # active before the decision only
    did(5, SAFETY_VIDEO, EXPERIENCED, DECIDED + 10 * hour)  # back; no milestone
    did(6, SAFETY_VIDEO, EXPERIENCED, DECIDED - 2 * day)  # safety done before; back at 72 h
    did(6, SAFETY_QUIZ, "http://adlnet.gov/expapi/verbs/passed", DECIDED - 2 * day)
    did(6, CHEM[0], "http://adlnet.gov/expapi/verbs/passed", DECIDED + 72 * hour)
    for activity, verb in [(SAFETY_VIDEO, EXPERIENCED)] + [
        (iri, "http://adlnet.gov/expapi/verbs/passed") for iri in (SAFETY_QUIZ, *CHEM[:2])
    ]:
        did(7, activity, verb, DECIDED - 3 * day)  # everything done before: nothing open
    progress_project()
    arms = {1: "", 2: "", 3: "", 4: "rule", 5: "global", 6: "rule", 7: ""}
    now = DECIDED + 15 * day
    for n, holdout in arms.items():
        person, enrolment = people[n]
        Decision.objects.create(
            rule=rule, version=v1, person=person, enrolment=enrolment, window="w1",
            action=INACTIVE["action"], holdout=holdout, decided_at=DECIDED,
        )  # fmt: skip
    person, enrolment = people[3]
    Decision.objects.create(
        rule=rule, version=v2, person=person, enrolment=enrolment, window="w2",
        action=INACTIVE["action"], holdout="", decided_at=now - hour,
    )  # fmt: skip
    return rule, now


def test_it_counts_outcomes_per_version_and_arm_as_computed_by_hand(scenario):
    rule, now = scenario

    rows, people = decision_outcomes(rule_id=rule.pk, now=now)

    table = {
        (r.version_number, r.holdout): (
            r.decisions, r.came_back, r.came_back_pending, r.next_milestone,
            r.next_milestone_pending, r.no_open_milestone,
        )
        for r in rows
    }  # fmt: skip
    assert table == {
        # nudged 1, 2, 3, 7: back only 1 (2 came after 80 h); milestones 1 and 2 of 1, 2, 3
        # (7 had none left open).
        (1, ""): (4, Arm(4, 1), 0, Arm(3, 2), 0, 1),
        (1, "rule"): (2, Arm(2, 1), 0, Arm(2, 0), 0, 0),  # 4 (before only), 6 (at 72 h)
        (1, "global"): (1, Arm(1, 1), 0, Arm(1, 0), 0, 0),  # 5
        (2, ""): (1, Arm(0, 0), 1, Arm(0, 0), 1, 0),  # decided an hour ago: pending
    }
    assert people == {"": 4, "rule": 2, "global": 1}


def test_it_counts_in_two_queries_however_many_decisions(scenario, django_assert_num_queries):
    rule, now = scenario

    with django_assert_num_queries(2):
        decision_outcomes(rule_id=rule.pk, now=now)


def test_it_leaves_out_decisions_made_after_now(scenario):
    rule, _ = scenario

    rows, people = decision_outcomes(rule_id=rule.pk, now=DECIDED - dt.timedelta(seconds=1))

    assert (rows, people) == ([], {})
