"""The sweep's candidate queries are narrowed in SQL (selectors.candidate_learners): they
may leave out only what the evaluator would not decide about, in any time zone and at any
hour. A seeded population of odd cases, each rule's decisions against its candidates."""

import datetime as dt
import random
from typing import Any

import pytest

from engagement.network.models import Consent, Enrolment, Milestone, Role
from engagement.progress.models import EnrolmentProgress, MilestoneProgress
from engagement.rules import selectors, services
from engagement.rules.definitions import SCHEDULE_KINDS
from engagement.rules.evaluate import evaluate
from engagement.rules.models import Decision
from tests.factories import (
    CohortFactory,
    EnrolmentFactory,
    OrganisationFactory,
    PathwayFactory,
    PersonFactory,
)

pytestmark = pytest.mark.django_db

TODAY = dt.date(2026, 3, 2)
ZONES = ["Pacific/Kiritimati", "Pacific/Pago_Pago", "Europe/Helsinki", "UTC", "America/Denver"]
NUDGE = {"type": "nudge", "template": "x"}
RULES: list[dict[str, Any]] = [
    {"kind": "inactive", "days": 7, "action": NUDGE},
    {"kind": "behind_pace", "points": 10, "action": NUDGE},
    {"kind": "milestone_due_soon", "days": 3, "action": NUDGE},
    {"kind": "first_steps", "action": NUDGE},
    {"kind": "study_goal_at_risk", "action": NUDGE},
    {"kind": "teacher_alert", "action": {"type": "alert_teacher", "template": "x"}},
    {"kind": "employer_summary_line", "action": {"type": "digest_line", "digest": "weekly"}},
]
# Midnight and noon around the date line, in the UTC days around TODAY.
MOMENTS = [
    dt.datetime.combine(TODAY + dt.timedelta(days=d), dt.time(h, m), tzinfo=dt.UTC)
    for d in (-1, 0, 3)
    for h, m in ((0, 30), (9, 59), (10, 30), (11, 30), (12, 0), (23, 30))
]


def population(size: int = 150, seed: int = 11) -> None:
    draw = random.Random(seed)  # noqa: S311 (a plan, not a secret)
    pathway = PathwayFactory.create()
    milestones = [
        Milestone.objects.create(
            pathway=pathway, position=i, title_en=f"M{i}", due_offset_days=offset
        )
        for i, offset in enumerate([3, 10, 11, 24, 40, None], start=1)
    ]
    teacher = PersonFactory.create()
    cohort = CohortFactory.create(teachers=[teacher])
    with_contact, without_contact = OrganisationFactory.create(), OrganisationFactory.create()
    Role.objects.create(
        person=PersonFactory.create(), organisation=with_contact, kind=Role.Kind.EMPLOYER_CONTACT
    )
    for _ in range(size):
        started = TODAY - dt.timedelta(days=draw.randint(-2, 70))
        target = None if draw.random() < 0.1 else started + dt.timedelta(days=draw.randint(1, 120))
        enrolment = EnrolmentFactory.create(
            pathway=pathway,
            learner=PersonFactory.create(time_zone=draw.choice(ZONES)),
            started_on=started,
            target_on=target,
        )
        if draw.random() < 0.8:
            last = dt.datetime.combine(TODAY, dt.time(12), tzinfo=dt.UTC) - dt.timedelta(
                minutes=draw.randint(0, 30 * 24 * 60)
            )
            EnrolmentProgress.objects.create(
                enrolment=enrolment,
                percent=draw.choice([0, 5, 20, 33, 50, 70, 90, draw.randint(0, 99)]),
                first_active_at=last - dt.timedelta(days=draw.randint(0, 20)),
                last_active_at=last,
            )
        for milestone in milestones:
            if draw.random() < 0.3:
                MilestoneProgress.objects.create(
                    enrolment=enrolment,
                    milestone=milestone,
                    completed_at=dt.datetime(2026, 2, 1, tzinfo=dt.UTC),
                )
        if draw.random() < 0.7:
            cohort.enrolments.add(enrolment)
        if draw.random() < 0.7:
            Consent.objects.create(
                enrolment=enrolment,
                employer=draw.choice([with_contact, without_contact]),
                given_at=dt.datetime(2026, 1, 1, tzinfo=dt.UTC),
                revoked_at=dt.datetime(2026, 2, 1, tzinfo=dt.UTC) if draw.random() < 0.2 else None,
            )


def missed(kinds: set[str]) -> dict[tuple[str, dt.datetime], set[int]]:
    """Per rule kind and moment: the learners decided about who are not candidates."""
    population()
    specs = [
        selectors.rule_spec(services.rule_create(name=r["kind"], definition=r))
        for r in RULES
        if r["kind"] in kinds
    ]
    learners = set(Enrolment.objects.values_list("learner_id", flat=True))
    found = {}
    for now in MOMENTS:
        facts = selectors.enrolment_facts(learner_ids=learners, now=now)
        for spec in specs:
            candidates = set(selectors.candidate_learners(spec, now))
            decided = {f.learner_id for f in facts if evaluate(spec, f, now).decisions}
            assert candidates < learners  # the narrowing narrows
            found[spec.kind, now] = decided - candidates
    return found


@pytest.mark.parametrize("kind", sorted(SCHEDULE_KINDS - {"inactive"}))
def test_every_learner_a_rule_decides_about_is_its_candidate(kind):
    assert not any(missed({kind}).values())


@pytest.mark.xfail(
    strict=True,
    reason="known, kept as it was: the inactive candidates compare instants (now - days), "
    "the evaluator local days, so a spell that reaches its days late on a local day waits "
    "for the next sweep's candidates (the window is the same; the nudge comes a sweep later)",
)
def test_inactive_candidates_follow_local_days():
    assert not any(missed({"inactive"}).values())


def test_an_employer_without_a_contact_person_gets_no_candidates(net):
    rule = services.rule_create(name="Line", definition=RULES[-1])
    Consent.objects.create(
        enrolment=net.enrolment,
        employer=OrganisationFactory.create(),
        given_at=dt.datetime(2026, 1, 1, tzinfo=dt.UTC),
    )
    now = dt.datetime(2026, 3, 1, 17, 0, tzinfo=dt.UTC)

    assert list(selectors.candidate_learners(selectors.rule_spec(rule), now)) == []


WEDNESDAY = dt.datetime(2026, 3, 4, 12, 0, tzinfo=dt.UTC)  # every time zone's today: W10


def test_a_learner_decided_about_this_week_is_left_out_until_the_next(net):
    rule = services.rule_create(name="Red", definition=RULES[5])  # idle since 2026-01-12
    first = PersonFactory.create()
    cohort = CohortFactory.create(teachers=[first], enrolments=[net.enrolment])

    assert services.sweep_candidates(WEDNESDAY) == [net.learner.id]
    services.sweep_batch([net.learner.id], WEDNESDAY)
    assert services.sweep_candidates(WEDNESDAY + dt.timedelta(hours=3)) == []

    second = PersonFactory.create()  # a teacher not told yet makes it a candidate again
    cohort.teachers.add(second)
    assert services.sweep_candidates(WEDNESDAY + dt.timedelta(hours=3)) == [net.learner.id]
    services.sweep_batch([net.learner.id], WEDNESDAY + dt.timedelta(hours=3))
    assert services.sweep_candidates(WEDNESDAY + dt.timedelta(hours=4)) == []

    next_week = WEDNESDAY + dt.timedelta(days=7)
    assert services.sweep_candidates(next_week) == [net.learner.id]
    services.sweep_batch([net.learner.id], next_week)
    assert sorted(Decision.objects.filter(rule=rule).values_list("person_id", "window")) == [
        (first.id, "red:2026-W10"),
        (first.id, "red:2026-W11"),
        (second.id, "red:2026-W10"),
        (second.id, "red:2026-W11"),
    ]


def test_a_milestone_due_soon_is_decided_once_and_the_next_one_again(net):
    rule = services.rule_create(name="Due", definition=RULES[2])
    net.safety.due_offset_days = 52  # due 2026-03-05
    net.safety.save(update_fields=["due_offset_days"])
    net.chemistry.due_offset_days = 57  # due 2026-03-10
    net.chemistry.save(update_fields=["due_offset_days"])

    services.sweep_batch(services.sweep_candidates(WEDNESDAY), WEDNESDAY)
    assert services.sweep_candidates(WEDNESDAY + dt.timedelta(hours=3)) == []
    saturday = WEDNESDAY + dt.timedelta(days=3)
    assert services.sweep_candidates(saturday) == [net.learner.id]
    services.sweep_batch([net.learner.id], saturday)

    assert sorted(Decision.objects.filter(rule=rule).values_list("window", flat=True)) == [
        f"due:{net.safety.id}",
        f"due:{net.chemistry.id}",
    ]


def test_across_a_week_boundary_the_sweep_looks_again_and_decides_nothing_twice(net):
    rule = services.rule_create(name="Red", definition=RULES[5])
    CohortFactory.create(teachers=[PersonFactory.create()], enrolments=[net.enrolment])
    sunday = dt.datetime(2026, 3, 8, 20, 0, tzinfo=dt.UTC)  # Monday already east of UTC+4

    for hours in (0, 1):
        assert services.sweep_candidates(sunday + dt.timedelta(hours=hours)) == [net.learner.id]
        services.sweep_batch([net.learner.id], sunday + dt.timedelta(hours=hours))

    assert list(Decision.objects.filter(rule=rule).values_list("window", flat=True)) == [
        "red:2026-W10"
    ]
