"""The demo's engagement rules and their first run after the replay, so that the dashboards
have decisions to show (the network's rule effectiveness) and notifications queued for them
(its delivery health).

Idempotent: a rule is made only when none of its name exists, and a decision is stored
once under its dedup key (rule, person, window), so a second demo run adds nothing for the
same day. The rules run in process, as the beat's tasks would call them (the demo has no
worker)."""

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db import transaction

from engagement.network.models import Person
from engagement.rules.models import Decision, Rule, StudyPlan
from engagement.rules.services import (
    events_process,
    rule_create,
    study_plan_set,
    sweep_batch,
    sweep_candidates,
)
from notifications.services import notifications_from_decisions

# Named as a network's administrator would; each kind's definition as the rules API takes it.
RULES: tuple[tuple[str, dict[str, Any]], ...] = (
    ("Come back after a week", {"kind": "inactive", "days": 7,
                                "action": {"type": "nudge", "template": "come_back"}}),
    ("Behind the planned pace", {"kind": "behind_pace", "points": 20,
                                 "action": {"type": "nudge", "template": "catch_up"}}),
    ("Milestone due in 3 days", {"kind": "milestone_due_soon", "days": 3,
                                 "action": {"type": "nudge", "template": "due_soon"}}),
    ("Study goal at risk", {"kind": "study_goal_at_risk",
                            "action": {"type": "nudge", "template": "goal_at_risk"}}),
    ("Milestone completed", {"kind": "milestone_completed",
                             "action": {"type": "nudge", "template": "well_done"}}),
    ("Pathway completed", {"kind": "pathway_completed",
                           "action": {"type": "nudge", "template": "congratulations"}}),
    ("Red light to the teacher", {"kind": "teacher_alert",
                                  "action": {"type": "alert_teacher", "template": "red_light"}}),
)  # fmt: skip
# The learner login's weekly goal, so her page shows a study plan (she can edit it there).
LEARNER_GOAL_DAYS = 3
SWEEP_BATCH = 500


@dataclass(frozen=True)
class EngagementRun:
    rules_created: int
    events: int
    candidates: int
    decisions: int  # stored in total, held-out ones included
    held_out: int
    # Notifications made for the decisions that ask for a message (the outbox step). The
    # demo runs no worker or beat, so they wait in the queue: the network page counts them.
    queued: int


@transaction.atomic
def demo_rules_seed() -> int:
    """The demo's rules, made unless one of the same name exists; the count made."""
    existing = set(Rule.objects.values_list("name", flat=True))
    made = 0
    for name, definition in RULES:
        if name not in existing:
            rule_create(name=name, definition=definition)
            made += 1
    return made


def demo_study_plan_seed(*, email: str) -> bool:
    """A weekly goal for the learner unless she has a plan (hers to keep); whether made."""
    person = Person.objects.get(email=email)
    if StudyPlan.objects.filter(person=person).exists():
        return False
    study_plan_set(person=person, days_per_week=LEARNER_GOAL_DAYS)
    return True


def demo_engagement(*, now: dt.datetime) -> EngagementRun:
    """The event rules over the projected events, then the schedule sweep at `now`."""
    made = demo_rules_seed()
    events = 0
    while read := events_process(now):
        events += read
    learners = sweep_candidates(now)
    for start in range(0, len(learners), SWEEP_BATCH):
        sweep_batch(learners[start : start + SWEEP_BATCH], now)
    queued = notifications_from_decisions(now=now)
    decisions = Decision.objects.all()
    return EngagementRun(
        rules_created=made,
        events=events,
        candidates=len(learners),
        decisions=decisions.count(),
        held_out=decisions.exclude(holdout=Decision.Holdout.NONE).count(),
        queued=queued,
    )
