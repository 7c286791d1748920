"""The pure evaluator (engagement/rules/evaluate.py): tables, no database, `now` a parameter."""

import dataclasses
import datetime as dt

import pytest

from engagement.rules.definitions import parse_definition
from engagement.rules.evaluate import (
    Colour,
    EnrolmentFacts,
    EventFacts,
    MilestoneFacts,
    Reason,
    RuleSpec,
    StudyPlanFacts,
    evaluate,
    evaluate_event,
    expected_percent,
    in_holdout,
    traffic_light,
)

HKI = dt.timezone(dt.timedelta(hours=2))
# A Wednesday evening in Helsinki.
NOW = dt.datetime(2026, 2, 4, 19, 0, tzinfo=HKI)
NUDGE = {"type": "nudge", "template": "t"}


def rule(
    kind: str, rule_id: int = 1, scope: str = "network", scope_id: int | None = None, **params
):
    definition = parse_definition({"kind": kind, "action": NUDGE, **params})
    return RuleSpec(rule_id, 10 + rule_id, definition, 0.1, scope, scope_id)


def facts(**changes) -> EnrolmentFacts:
    base = EnrolmentFacts(
        enrolment_id=7,
        learner_id=100,
        pathway_id=3,
        status="active",
        started_on=dt.date(2026, 1, 5),
        target_on=dt.date(2026, 3, 30),
        percent=40,
        first_active_at=dt.datetime(2026, 1, 6, 18, 0, tzinfo=HKI),
        last_active_at=dt.datetime(2026, 2, 3, 20, 0, tzinfo=HKI),
        provider_ids=frozenset({50}),
        cohort_ids=frozenset({60}),
    )
    return dataclasses.replace(base, **changes)


def windows(outcome) -> list[tuple[int, str]]:
    return [(d.person_id, d.window) for d in outcome.decisions]


def days_ago(n: int) -> dt.datetime:
    return NOW - dt.timedelta(days=n)


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        ({"last_active_at": days_ago(6)}, []),
        ({"last_active_at": days_ago(7)}, [(100, "inactive-since:2026-01-28")]),
        ({"last_active_at": days_ago(30)}, [(100, "inactive-since:2026-01-05")]),
        ({"last_active_at": None, "first_active_at": None, "started_on": dt.date(2026, 1, 30)}, []),
        (
            {"last_active_at": None, "first_active_at": None, "started_on": dt.date(2026, 1, 20)},
            [(100, "inactive-since:2026-01-20")],
        ),
        ({"last_active_at": days_ago(30), "status": "paused"}, []),
        ({"last_active_at": days_ago(30), "status": "completed"}, []),
        ({"last_active_at": days_ago(30), "status": "withdrawn"}, []),
        ({"last_active_at": days_ago(30), "opted_out": {100: frozenset({"study_reminders"})}}, []),
        (
            {"last_active_at": days_ago(30), "opted_out": {100: frozenset({"achievements"})}},
            [(100, "inactive-since:2026-01-05")],
        ),
    ],
    ids=[
        "6-days",
        "7-days",
        "30-days",
        "never-but-new",
        "never-and-old",
        "paused",
        "completed",
        "withdrawn",
        "opted-out",
        "opted-out-of-another-topic",
    ],
)
def test_inactive_fires_once_per_spell_and_only_for_eligible_learners(changes, expected):
    assert windows(evaluate(rule("inactive", days=7), facts(**changes), NOW)) == expected


def test_an_excluded_learner_is_explained():
    outcome = evaluate(
        rule("inactive", days=7), facts(status="paused", last_active_at=days_ago(30)), NOW
    )

    assert [x.reason for x in outcome.exclusions] == [
        Reason.of("enrolment_status", status="paused")
    ]


def test_inactive_keeps_one_window_for_the_whole_spell():
    spec = rule("inactive", days=7)
    idle = facts(last_active_at=days_ago(10))

    later = [windows(evaluate(spec, idle, NOW + dt.timedelta(days=n))) for n in (0, 1, 5)]

    assert later[0] == later[1] == later[2]


@pytest.mark.parametrize(
    ("percent", "points", "fires"),
    [(40, 10, False), (27, 10, False), (26, 10, True), (6, 30, True), (7, 30, False)],
)
def test_behind_pace_compares_with_the_straight_line_to_the_target(percent, points, fires):
    # 2026-01-05 .. 2026-03-30 is 84 days; on 2026-02-04 (30 days) the line is at 36%.
    assert expected_percent(facts(), NOW.date()) == 36

    outcome = evaluate(rule("behind_pace", points=points), facts(percent=percent), NOW)

    assert windows(outcome) == ([(100, "pace:2026-W06")] if fires else [])


def test_behind_pace_needs_a_target_date():
    assert (
        windows(evaluate(rule("behind_pace", points=1), facts(target_on=None, percent=0), NOW))
        == []
    )


@pytest.mark.parametrize(
    ("due_on", "completed", "fires"),
    [
        (dt.date(2026, 2, 4), False, True),
        (dt.date(2026, 2, 7), False, True),
        (dt.date(2026, 2, 8), False, False),
        (dt.date(2026, 2, 3), False, False),
        (dt.date(2026, 2, 6), True, False),
        (None, False, False),
    ],
    ids=["today", "in-3-days", "in-4-days", "overdue", "done", "no-due-date"],
)
def test_milestone_due_soon_fires_once_per_milestone(due_on, completed, fires):
    done_at = days_ago(1) if completed else None
    milestones = (MilestoneFacts(31, due_on, done_at),)

    outcome = evaluate(rule("milestone_due_soon", days=3), facts(milestones=milestones), NOW)

    assert windows(outcome) == ([(100, "due:31")] if fires else [])


@pytest.mark.parametrize(
    ("started", "active", "expected"),
    [
        (dt.date(2026, 2, 2), False, []),
        (dt.date(2026, 2, 1), False, [(100, "first-steps:day-3")]),
        (dt.date(2026, 1, 25), False, [(100, "first-steps:day-10")]),
        (dt.date(2026, 1, 1), False, [(100, "first-steps:day-10")]),
        (dt.date(2026, 1, 25), True, []),
    ],
    ids=["day-2", "day-3", "day-10", "late-sweep-sends-only-the-latest", "already-active"],
)
def test_first_steps_on_day_3_and_10_without_activity(started, active, expected):
    changes = {"started_on": started}
    if not active:
        changes |= {"first_active_at": None, "last_active_at": None}

    assert windows(evaluate(rule("first_steps"), facts(**changes), NOW)) == expected


@pytest.mark.parametrize(
    ("goal", "studied", "fires"),
    [(5, 0, True), (5, 1, False), (4, 0, False), (6, 0, False), (2, 2, False)],
    ids=["every-day-left-needed", "slack-left", "slack-of-one", "already-missed", "goal-met"],
)
def test_study_goal_at_risk_when_every_day_left_is_needed(goal, studied, fires):
    # Wednesday: 5 days left including today.
    days = frozenset(dt.date(2026, 2, 2) + dt.timedelta(days=n) for n in range(studied))
    plan = StudyPlanFacts(days_per_week=goal)

    outcome = evaluate(
        rule("study_goal_at_risk"), facts(study_plan=plan, active_days_this_week=days), NOW
    )

    assert windows(outcome) == ([(100, "goal:2026-W06")] if fires else [])


def test_study_goal_in_hours_is_at_risk_near_the_end_of_the_week():
    saturday = dt.datetime(2026, 2, 7, 10, 0, tzinfo=HKI)
    plan = StudyPlanFacts(hours_per_week=5)

    short = evaluate(
        rule("study_goal_at_risk"), facts(study_plan=plan, seconds_this_week=3600), saturday
    )
    enough = evaluate(
        rule("study_goal_at_risk"), facts(study_plan=plan, seconds_this_week=5 * 3600), saturday
    )
    early = evaluate(rule("study_goal_at_risk"), facts(study_plan=plan, seconds_this_week=0), NOW)

    assert (windows(short), windows(enough), windows(early)) == ([(100, "goal:2026-W06")], [], [])


def test_no_study_goal_means_no_goal_nudge():
    assert windows(evaluate(rule("study_goal_at_risk"), facts(), NOW)) == []


@pytest.mark.parametrize(
    ("changes", "colour", "reason"),
    [
        ({}, Colour.GREEN, Reason.of("on_track")),
        ({"last_active_at": days_ago(8)}, Colour.AMBER, Reason.of("idle", days=8)),
        ({"last_active_at": days_ago(15)}, Colour.RED, Reason.of("idle", days=15)),
        (
            {"milestones": (MilestoneFacts(1, dt.date(2026, 2, 1), None),)},
            Colour.AMBER,
            Reason.of("overdue", count=1),
        ),
        (
            {
                "milestones": (
                    MilestoneFacts(1, dt.date(2026, 2, 1), None),
                    MilestoneFacts(2, dt.date(2026, 2, 3), None),
                )
            },
            Colour.RED,
            Reason.of("overdue", count=2),
        ),
        ({"percent": 20}, Colour.AMBER, Reason.of("behind", points=16)),
        ({"percent": 5}, Colour.RED, Reason.of("behind", points=31)),
    ],
)
def test_traffic_light_shows_its_reasons(changes, colour, reason):
    light = traffic_light(facts(**changes), NOW)

    assert light.colour == colour
    assert reason in light.reasons


def test_teacher_alert_goes_to_each_teacher_when_red():
    teacher = parse_definition(
        {"kind": "teacher_alert", "action": {"type": "alert_teacher", "template": "red"}}
    )
    spec = RuleSpec(4, 14, teacher, 0.0)
    red = facts(last_active_at=days_ago(20), teacher_ids=(501, 502))

    assert windows(evaluate(spec, red, NOW)) == [(501, "red:2026-W06"), (502, "red:2026-W06")]
    assert windows(evaluate(spec, facts(teacher_ids=(501,)), NOW)) == []


def test_employer_summary_line_reaches_only_consented_contacts_with_completion_only():
    summary = parse_definition(
        {"kind": "employer_summary_line", "action": {"type": "digest_line", "digest": "weekly"}}
    )
    spec = RuleSpec(5, 15, summary, 0.0)
    done = (MilestoneFacts(1, None, days_ago(3)), MilestoneFacts(2, None, None))

    outcome = evaluate(spec, facts(employer_contact_ids=(900,), milestones=done), NOW)

    assert windows(outcome) == [(900, "summary:2026-W06")]
    assert outcome.decisions[0].reasons == (Reason.of("milestones_completed", done=1, total=2),)
    assert windows(evaluate(spec, facts(milestones=done), NOW)) == []


@pytest.mark.parametrize(
    ("scope", "scope_id", "fires"),
    [
        ("network", None, True),
        ("provider", 50, True),
        ("provider", 51, False),
        ("pathway", 3, True),
        ("pathway", 4, False),
        ("cohort", 60, True),
        ("cohort", 61, False),
    ],
)
def test_rules_act_only_inside_their_scope(scope, scope_id, fires):
    spec = rule("inactive", scope=scope, scope_id=scope_id, days=7)

    assert bool(evaluate(spec, facts(last_active_at=days_ago(9)), NOW).decisions) == fires


@pytest.mark.parametrize(
    ("definition", "event", "expected"),
    [
        (
            {"kind": "milestone_completed"},
            EventFacts("milestone_completed", 31, NOW),
            [(100, "milestone:31")],
        ),
        (
            {"kind": "milestone_completed", "milestone_id": 32},
            EventFacts("milestone_completed", 31, NOW),
            [],
        ),
        (
            {"kind": "pathway_completed"},
            EventFacts("pathway_completed", None, NOW),
            [(100, "pathway")],
        ),
        ({"kind": "pathway_completed"}, EventFacts("milestone_completed", 31, NOW), []),
    ],
)
def test_event_rules_react_to_their_events(definition, event, expected):
    spec = RuleSpec(6, 16, parse_definition({**definition, "action": NUDGE}), 0.0)

    assert windows(evaluate_event(spec, event, facts())) == expected


def test_an_achievement_is_celebrated_even_after_the_enrolment_completed():
    spec = RuleSpec(6, 16, parse_definition({"kind": "pathway_completed", "action": NUDGE}), 0.0)

    outcome = evaluate_event(
        spec, EventFacts("pathway_completed", None, NOW), facts(status="completed")
    )

    assert windows(outcome) == [(100, "pathway")]


def test_opting_out_of_achievement_messages_withholds_the_message_not_the_badge():
    """An opt-out is about messages: the award rule still decides, the nudge rule does not."""
    opted_out = facts(opted_out={100: frozenset({"achievements"})})
    event = EventFacts("milestone_completed", 31, NOW)
    award = {"type": "award_badge", "badge_class": "auto"}
    awarding = RuleSpec(
        6, 16, parse_definition({"kind": "milestone_completed", "action": award}), 0.0
    )
    nudging = RuleSpec(
        7, 17, parse_definition({"kind": "milestone_completed", "action": NUDGE}), 0.0
    )

    assert windows(evaluate_event(awarding, event, opted_out)) == [(100, "milestone:31")]
    assert windows(evaluate_event(nudging, event, opted_out)) == []


def test_holdout_draws_are_stable_and_near_the_share():
    draws = [in_holdout(person, 1, 0.1, "salt") for person in range(20_000)]

    assert draws == [in_holdout(person, 1, 0.1, "salt") for person in range(20_000)]
    assert abs(sum(draws) / len(draws) - 0.1) < 0.01
    assert not any(in_holdout(person, 1, 0.0, "salt") for person in range(1000))


def test_holdout_draws_differ_between_rules():
    first = [in_holdout(person, 1, 0.5, "salt") for person in range(1000)]
    second = [in_holdout(person, 2, 0.5, "salt") for person in range(1000)]

    assert first != second


def test_a_learner_whose_progress_is_complete_is_not_nudged_or_flagged():
    """The directory status may still say active; progress knows better (simulation find)."""
    finished = facts(last_active_at=days_ago(30), completed_at=days_ago(30), percent=100)

    outcome = evaluate(rule("inactive", days=7), finished, NOW)

    assert windows(outcome) == []
    assert [x.reason for x in outcome.exclusions] == [Reason.of("all_done")]
    assert traffic_light(finished, NOW).colour == Colour.GREEN
