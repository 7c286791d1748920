"""Rules as data, decisions stored once, holdouts, sweeps and event rules (services.py)."""

import datetime as dt

import pytest

from engagement.network import services as network
from engagement.progress.services import progress_project
from engagement.rules import services
from engagement.rules.definitions import DefinitionError
from engagement.rules.evaluate import Reason
from engagement.rules.models import Decision, Rule
from notifications.models import TopicOptOut
from tests.engagement.builders import (
    EXPERIENCED,
    SAFETY_QUIZ,
    SAFETY_VIDEO,
    add_activity,
    statement,
    store,
)

pytestmark = pytest.mark.django_db

NOW = dt.datetime(2026, 3, 1, 17, 0, tzinfo=dt.UTC)
INACTIVE = {"kind": "inactive", "days": 7, "action": {"type": "nudge", "template": "come_back"}}


def decided(rule):
    return sorted(Decision.objects.filter(rule=rule).values_list("person_id", "window"))


@pytest.mark.parametrize(
    ("definition", "message"),
    [
        (
            {"kind": "sleepy", "action": {"type": "nudge", "template": "x"}},
            "definition.kind: unknown kind 'sleepy'",
        ),
        ({**INACTIVE, "days": -3}, "definition.days"),
        ({**INACTIVE, "action": {"type": "nudge"}}, "definition.action.template: is required"),
        ({"kind": "inactive", "days": 7}, "definition.action: is required"),
        ({**INACTIVE, "action": {"type": "award_badge", "badge_class": "b"}}, "award_badge is for"),
    ],
)
def test_it_refuses_invalid_definitions_naming_the_field(db, definition, message):
    with pytest.raises(DefinitionError) as refused:
        services.rule_create(name="Bad", definition=definition)

    assert message in str(refused.value)
    assert not Rule.objects.exists()


def test_it_refuses_a_scope_without_its_target(db):
    with pytest.raises(DefinitionError, match="needs its pathway"):
        services.rule_create(name="x", definition=INACTIVE, scope="pathway")


def test_an_edit_makes_a_new_version_and_decisions_keep_theirs(net):
    rule = services.rule_create(name="Come back", definition=INACTIVE)
    services.sweep_batch([net.learner.id], NOW)
    first = Decision.objects.get()

    version = services.rule_update(rule=rule, definition={**INACTIVE, "days": 14})

    rule.refresh_from_db()
    assert (version.number, rule.current_version_id) == (2, version.id)
    assert first.version.number == 1
    assert first.reasons == [{"code": "no_activity_yet", "days": 48, "since": "2026-01-12"}]


def test_a_sweep_decides_once_however_often_it_runs(net):
    rule = services.rule_create(name="Come back", definition=INACTIVE)

    assert services.sweep_candidates(NOW) == [net.learner.id]
    services.sweep_batch([net.learner.id], NOW)
    services.sweep_batch([net.learner.id], NOW + dt.timedelta(hours=1))
    services.sweep_batch([net.learner.id], NOW + dt.timedelta(days=3))

    assert decided(rule) == [(net.learner.id, "inactive-since:2026-01-12")]


def test_it_leaves_out_opted_out_and_withdrawn_learners(net):
    rule = services.rule_create(name="Come back", definition=INACTIVE)
    TopicOptOut.objects.create(person=net.learner, topic="study_reminders")
    services.sweep_batch([net.learner.id], NOW)
    TopicOptOut.objects.all().delete()
    net.enrolment.status = "withdrawn"
    net.enrolment.save(update_fields=["status"])
    services.sweep_batch([net.learner.id], NOW)

    assert decided(rule) == []
    assert services.sweep_candidates(NOW) == []


def test_holdout_decisions_are_recorded_but_marked(net, settings):
    settings.KIPINA_RULES_GLOBAL_HOLDOUT = 0.0
    rule = services.rule_create(name="Come back", definition=INACTIVE, holdout_share=0.5)
    people = [net.learner]
    for n in range(40):
        person = network.person_create(
            given_name=f"P{n}", family_name="X", email=f"p{n}@example.fi"
        )
        network.enrolment_create(
            learner=person, pathway=net.pathway, started_on=dt.date(2026, 1, 5)
        )
        people.append(person)

    services.sweep_batch([p.id for p in people], NOW)

    held = Decision.objects.filter(rule=rule).exclude(holdout="").count()
    assert Decision.objects.filter(rule=rule).count() == 41
    assert 8 <= held <= 33  # a stable draw near half
    services.sweep_batch([p.id for p in people], NOW + dt.timedelta(days=1))
    assert Decision.objects.filter(rule=rule).exclude(holdout="").count() == held


def test_a_rule_that_raises_is_disabled_and_the_others_keep_running(net, monkeypatch):
    broken = services.rule_create(name="Broken", definition={**INACTIVE, "days": 8})
    healthy = services.rule_create(name="Healthy", definition=INACTIVE)
    real = services.evaluate

    def evaluate(spec, facts, now):
        if spec.rule_id == broken.id:
            raise ZeroDivisionError("pace of a zero-day pathway")
        return real(spec, facts, now)

    monkeypatch.setattr(services, "evaluate", evaluate)
    result = services.sweep_batch([net.learner.id], NOW)

    broken.refresh_from_db()
    assert result.failed_rules == (broken.id,)
    assert not broken.enabled
    assert "ZeroDivisionError: pace of a zero-day pathway" in broken.disabled_reason
    assert decided(healthy) == [(net.learner.id, "inactive-since:2026-01-12")]


def test_preview_shows_who_and_why_without_recording(net):
    rule = services.rule_create(name="Come back", definition=INACTIVE)

    outcome = services.rule_preview(rule=rule, now=NOW)

    assert [(d.person_id, d.reasons) for d in outcome.decisions] == [
        (net.learner.id, (Reason.of("no_activity_yet", days=48, since="2026-01-12"),))
    ]
    assert not Decision.objects.exists()


def test_a_decision_no_longer_holds_once_the_learner_is_back(net):
    services.rule_create(name="Come back", definition=INACTIVE)
    services.sweep_batch([net.learner.id], NOW)
    decision = Decision.objects.get()
    assert services.decision_still_holds(decision=decision, now=NOW)

    store(net.client, statement(SAFETY_VIDEO, EXPERIENCED, at="2026-03-01T16:00:00Z"))
    progress_project()

    assert not services.decision_still_holds(decision=decision, now=NOW)


def test_event_rules_react_to_progress_events_once(net):
    rule = services.rule_create(
        name="Well done",
        definition={
            "kind": "milestone_completed",
            "action": {"type": "nudge", "template": "well_done"},
        },
    )
    store(net.client, statement(SAFETY_VIDEO, EXPERIENCED), statement(SAFETY_QUIZ))
    progress_project()

    assert services.events_process(NOW) == 2  # first_activity and milestone_completed
    assert services.events_process(NOW) == 0

    assert decided(rule) == [(net.learner.id, f"milestone:{net.safety.id}")]


def test_it_refuses_a_cycle_of_awards(net):
    badge = "https://kipina.example/badges/safety"
    add_activity(net.chemistry, badge, ["http://id.tincanapi.com/verb/earned"])
    chemistry_badge = "https://kipina.example/badges/chemistry"
    add_activity(net.safety, chemistry_badge, ["http://id.tincanapi.com/verb/earned"])
    services.rule_create(
        name="Safety badge",
        definition={
            "kind": "milestone_completed",
            "milestone_id": net.safety.id,
            "action": {"type": "award_badge", "badge_class": badge},
        },
    )

    with pytest.raises(DefinitionError, match="cycle of awards"):
        services.rule_create(
            name="Chemistry badge",
            definition={
                "kind": "milestone_completed",
                "milestone_id": net.chemistry.id,
                "action": {"type": "award_badge", "badge_class": chemistry_badge},
            },
        )
