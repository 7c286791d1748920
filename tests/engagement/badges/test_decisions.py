"""The rules' award_badge decisions become assertions: the beat task reads recent decisions
not yet handled, awards once per decision, and records what it did. Also the awards "on
request" for completions made before the badge class existed."""

import datetime as dt
from typing import Any

import pytest
from django.core.management import call_command

from engagement.badges.models import Assertion, AwardDecision, BadgeClass
from engagement.badges.ob2 import public_url
from engagement.badges.services import badge_class_award_completed
from engagement.badges.tasks import badges_award
from engagement.progress.services import progress_project
from engagement.rules import services as rules
from engagement.rules.models import Decision
from learning_records.models import Statement
from learning_records.services import StoreTooSlow
from notifications.models import Notification
from tests.engagement.badges.conftest import NOON
from tests.engagement.builders import (
    EXPERIENCED,
    SAFETY_QUIZ,
    SAFETY_VIDEO,
    Network,
    statement,
    store,
)

pytestmark = pytest.mark.django_db


def _award_rule(badge_class: str, **extra: Any) -> None:
    rules.rule_create(
        name="Safety badge",
        holdout_share=0.0,
        definition={
            "kind": "milestone_completed",
            **extra,
            "action": {"type": "award_badge", "badge_class": badge_class},
        },
    )


def _complete_safety(net: Network) -> None:
    store(net.client, statement(SAFETY_VIDEO, EXPERIENCED), statement(SAFETY_QUIZ))
    progress_project()
    rules.events_process(NOON)


def test_a_completed_milestone_earns_its_badge(net: Network, safety_badge: BadgeClass) -> None:
    _award_rule("auto")
    _complete_safety(net)

    assert badges_award() == 1

    assertion = Assertion.objects.get()
    assert assertion.badge_class == safety_badge
    assert assertion.recipient == net.learner
    assert assertion.enrolment == net.enrolment
    assert AwardDecision.objects.get().outcome == AwardDecision.Outcome.AWARDED


def test_running_the_task_twice_awards_once(net: Network, safety_badge: BadgeClass) -> None:
    _award_rule("auto")
    _complete_safety(net)

    badges_award()
    assert badges_award() == 0

    assert Assertion.objects.count() == 1
    assert Statement.objects.filter(verb_iri="http://id.tincanapi.com/verb/earned").count() == 1
    assert Notification.objects.filter(template="badge_earned").count() == 1


def test_a_rule_names_the_badge_class_by_its_url(net: Network, safety_badge: BadgeClass) -> None:
    _award_rule(public_url("badge-class", uuid=safety_badge.uuid), milestone_id=net.safety.pk)
    _complete_safety(net)

    badges_award()

    assert Assertion.objects.get().badge_class == safety_badge


def test_a_badge_class_of_another_milestone_is_not_awarded(
    net: Network, safety_badge: BadgeClass, issuer: Any
) -> None:
    chemistry = BadgeClass.objects.create(
        issuer=issuer, milestone=net.chemistry, name_en="Chemistry", description_en="x"
    )
    _award_rule(str(chemistry.uuid))
    _complete_safety(net)

    badges_award()

    assert not Assertion.objects.exists()
    record = AwardDecision.objects.get()
    assert record.outcome == AwardDecision.Outcome.SKIPPED
    assert "No badge class" in record.reason


def test_a_milestone_without_a_badge_class_is_skipped(net: Network, issuer: Any) -> None:
    _award_rule("auto")
    _complete_safety(net)

    badges_award()

    assert not Assertion.objects.exists()
    assert AwardDecision.objects.get().outcome == AwardDecision.Outcome.SKIPPED


def test_held_out_decisions_are_awarded_too(net: Network, safety_badge: BadgeClass) -> None:
    _award_rule("auto")
    _complete_safety(net)
    Decision.objects.update(holdout=Decision.Holdout.RULE)

    badges_award()

    assert Assertion.objects.count() == 1


def test_decisions_older_than_the_lookback_are_left(
    net: Network, safety_badge: BadgeClass, settings: Any
) -> None:
    _award_rule("auto")
    _complete_safety(net)
    hours = settings.KIPINA_BADGES_DECISION_LOOKBACK_HOURS
    Decision.objects.update(decided_at=NOON - dt.timedelta(hours=hours, seconds=1))

    assert badges_award() == 0
    assert not Assertion.objects.exists()


def test_a_badge_already_held_is_recorded_as_such(net: Network, safety_badge: BadgeClass) -> None:
    badge_class_award_completed(badge_class=safety_badge, now=NOON)  # nothing completed yet
    _award_rule("auto")
    _complete_safety(net)
    badge_class_award_completed(badge_class=safety_badge, now=NOON)

    badges_award()

    assert Assertion.objects.count() == 1
    assert AwardDecision.objects.get().outcome == AwardDecision.Outcome.ALREADY_HELD


def test_completions_before_the_badge_class_existed_are_awarded_on_request(
    net: Network, issuer: Any
) -> None:
    _complete_safety(net)
    badge_class = BadgeClass.objects.create(
        issuer=issuer, milestone=net.safety, name_en="Safety", description_en="x"
    )

    assert badge_class_award_completed(badge_class=badge_class, now=NOON) == 1
    assert badge_class_award_completed(badge_class=badge_class, now=NOON) == 0
    assert Assertion.objects.get().recipient == net.learner


def test_the_pathway_badge_needs_the_whole_pathway(net: Network, pathway_badge: BadgeClass) -> None:
    _complete_safety(net)  # one milestone of two

    assert badge_class_award_completed(badge_class=pathway_badge, now=NOON) == 0


def test_the_management_command_awards_on_request(
    net: Network, safety_badge: BadgeClass, capsys: Any
) -> None:
    _complete_safety(net)

    call_command("badge_award_completed", str(safety_badge.uuid))

    assert "1 new assertions" in capsys.readouterr().out
    assert Assertion.objects.count() == 1


def test_the_management_command_refuses_a_bad_uuid(db: None) -> None:
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="not a uuid"):
        call_command("badge_award_completed", "twelve")


def test_a_failing_award_is_left_for_the_next_run_without_holding_up_the_others(
    net: Network, safety_badge: BadgeClass, pathway_badge: BadgeClass, settings: Any, caplog: Any
) -> None:
    _award_rule("auto")
    _complete_safety(net)
    first = Decision.objects.get()
    Decision.objects.create(
        rule=first.rule,
        version=first.version,
        person=first.person,
        enrolment=first.enrolment,
        window="pathway",
        action={"type": "award_badge", "badge_class": "auto"},
        decided_at=NOON,
    )
    # The LRS refuses every store as too slow (a real failure of the statement write).
    settings.KIPINA_XAPI_STORE_DEADLINE_SECONDS = -1

    with pytest.raises(StoreTooSlow):
        badges_award()

    assert caplog.text.count("the award failed; retried next run") == 2  # both were tried
    assert not Assertion.objects.exists()
    assert not AwardDecision.objects.exists()
    settings.KIPINA_XAPI_STORE_DEADLINE_SECONDS = 30
    assert badges_award() == 2
    assert Assertion.objects.count() == 2
