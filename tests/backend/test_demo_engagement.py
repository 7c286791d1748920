"""The demo's rules and their first run: made once, decisions stored once per dedup key,
and the learner login's weekly goal set unless she has her own."""

import datetime as dt

import pytest
import time_machine

from backend.demo import engagement, seed
from engagement.network.models import Person
from engagement.rules.models import Rule, StudyPlan
from engagement.rules.services import study_plan_set

pytestmark = pytest.mark.django_db

NOW = dt.datetime(2025, 11, 28, 10, 0, tzinfo=dt.UTC)


def learner() -> Person:
    return Person.objects.get(user__username="learner")


def test_the_rules_are_made_once():
    first = engagement.demo_rules_seed()
    again = engagement.demo_rules_seed()

    assert (first, again) == (len(engagement.RULES), 0)
    assert Rule.objects.count() == len(engagement.RULES)


@time_machine.travel(NOW, tick=False)
def test_a_second_run_on_the_same_day_stores_no_second_decision():
    seed.demo_seed()
    seed.demo_enrolments_seed(day=NOW.date())
    first = engagement.demo_engagement(now=NOW)

    again = engagement.demo_engagement(now=NOW)

    assert first.decisions > 0  # enrolled learners with no activity yet: the sweep acts
    assert again.rules_created == 0
    assert again.decisions == first.decisions
    assert first.queued > 0
    assert again.queued == 0


def test_the_learner_gets_a_weekly_goal_once():
    seed.demo_seed()

    made = engagement.demo_study_plan_seed(email=learner().email)
    again = engagement.demo_study_plan_seed(email=learner().email)

    assert (made, again) == (True, False)
    assert StudyPlan.objects.get(person=learner()).days_per_week == engagement.LEARNER_GOAL_DAYS


def test_a_goal_the_learner_set_herself_is_kept():
    seed.demo_seed()
    study_plan_set(person=learner(), days_per_week=5)

    assert not engagement.demo_study_plan_seed(email=learner().email)
    assert StudyPlan.objects.get(person=learner()).days_per_week == 5
