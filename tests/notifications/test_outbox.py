"""The outbox: rule decisions that ask for a message become notifications, once each; held
out decisions and other actions do not. The beat task, run twice, has one effect."""

import datetime as dt

import pytest
import time_machine
from django.db import IntegrityError, transaction

from engagement.progress.services import progress_project
from engagement.rules import services as rules
from engagement.rules.models import Decision
from notifications.models import Notification
from notifications.services import notification_deliver, notifications_from_decisions
from notifications.tasks import notifications_outbox
from tests.engagement.builders import EXPERIENCED, SAFETY_VIDEO, make_network, statement, store

pytestmark = pytest.mark.django_db

# Sunday 1 March 2026, 12:00 in Helsinki.
NOW = dt.datetime(2026, 3, 1, 10, 0, tzinfo=dt.UTC)
INACTIVE = {"kind": "inactive", "days": 7, "action": {"type": "nudge", "template": "come_back"}}


@pytest.fixture
def net(settings):
    settings.KIPINA_PROGRESS_SETTLE_SECONDS = 0
    settings.KIPINA_RULES_GLOBAL_HOLDOUT = 0.0
    return make_network()


def decide(definition=INACTIVE, holdout_share=0.0, learner_ids=None, net=None):
    rule = rules.rule_create(name="rule", definition=definition, holdout_share=holdout_share)
    rules.sweep_batch(learner_ids or [net.learner.id], NOW)
    return rule


def test_a_nudge_decision_becomes_one_notification(net):
    decide(net=net)
    decision = Decision.objects.get()

    made = notifications_from_decisions(now=NOW)
    again = notifications_from_decisions(now=NOW + dt.timedelta(minutes=1))

    assert (made, again) == (1, 0)
    notification = Notification.objects.get()
    assert notification.decision == decision
    assert notification.person == net.learner
    assert (notification.topic, notification.template) == ("study_reminders", "come_back")
    assert notification.idempotency_key == f"decision:{decision.pk}"
    assert notification.context["reasons"] == [
        {"code": "no_activity_yet", "days": 48, "since": "2026-01-12"}
    ]
    assert (notification.status, notification.not_before) == ("pending", NOW)


def test_the_beat_task_twice_makes_one_notification(net):
    decide(net=net)

    with time_machine.travel(NOW, tick=False):
        notifications_outbox()
        notifications_outbox()

    assert Notification.objects.count() == 1


def test_held_out_decisions_are_recorded_not_delivered(net):
    decide(net=net)
    Decision.objects.update(holdout=Decision.Holdout.RULE)

    assert notifications_from_decisions(now=NOW) == 0
    assert not Notification.objects.exists()


def test_actions_that_are_not_messages_make_no_notification(net):
    definition = {**INACTIVE, "action": {"type": "digest_line", "digest": "weekly"}}
    decide(definition, net=net)

    assert Decision.objects.count() == 1
    assert notifications_from_decisions(now=NOW) == 0


def test_decisions_older_than_the_look_back_are_left(net, settings):
    settings.KIPINA_NOTIFY_DECISION_LOOKBACK_HOURS = 48
    decide(net=net)

    assert notifications_from_decisions(now=NOW + dt.timedelta(hours=49)) == 0


def test_one_notification_per_decision_is_a_database_constraint(net):
    decide(net=net)
    notifications_from_decisions(now=NOW)
    copy = Notification.objects.get()
    copy.pk = None
    copy.idempotency_key = "another"

    with pytest.raises(IntegrityError), transaction.atomic():
        copy.save()


def test_a_nudge_that_no_longer_holds_at_send_time_is_dropped(net):
    decide(net=net)
    notifications_from_decisions(now=NOW)
    store(net.client, statement(SAFETY_VIDEO, EXPERIENCED, at="2026-03-01T09:00:00Z"))
    progress_project()

    with time_machine.travel(NOW, tick=False):
        notification_deliver(notification_id=Notification.objects.get().pk, now=NOW)

    dropped = Notification.objects.get()
    assert (dropped.status, dropped.reason) == ("dropped", "the rule's reason no longer holds")
