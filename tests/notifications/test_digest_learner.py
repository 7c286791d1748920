"""The learner's weekly digest (notifications/digests/): made once a week for the local week
just ended, only when there is something to say, as one e-mail whatever it covers; due on
Monday morning and subject to the dispatcher's preferences like any message."""

import datetime as dt

import pytest
import time_machine
from django.core import mail
from django.core.mail import EmailMultiAlternatives

from engagement.network.models import Milestone, Pathway
from engagement.network.services import enrolment_create
from engagement.progress.services import progress_project
from engagement.rules import services as rules
from engagement.rules.models import Decision
from notifications.digests.learner import learners_with_news
from notifications.digests.services import digests_create
from notifications.models import Notification, Preference, TopicOptOut
from notifications.services import notification_deliver
from notifications.tasks import notifications_digests
from tests.engagement.builders import (
    CHEM,
    EXPERIENCED,
    SAFETY_QUIZ,
    SAFETY_VIDEO,
    Network,
    make_network,
    statement,
    store,
)
from tests.factories import PersonFactory

pytestmark = pytest.mark.django_db

# The beat's run on Monday 9 March 2026, 03:15 UTC (05:15 in Helsinki, EET): the local week
# 2026-W10 (2-8 March) has just ended.
RUN = dt.datetime(2026, 3, 9, 3, 15, tzinfo=dt.UTC)
# 08:00 in Helsinki that Monday: when the digest is due.
SEND = dt.datetime(2026, 3, 9, 6, 0, tzinfo=dt.UTC)
WEEK_KEY = "2026-W10"
INACTIVE_LINE = {
    "kind": "inactive",
    "days": 7,
    "action": {"type": "digest_line", "digest": "weekly"},
}


@pytest.fixture
def net(settings) -> Network:
    settings.KIPINA_PROGRESS_SETTLE_SECONDS = 0
    settings.KIPINA_RULES_GLOBAL_HOLDOUT = 0.0
    with time_machine.travel(RUN, tick=False):
        return make_network()


def studied(net: Network, *statements: dict) -> None:
    """Store the learner's statements and project them, as of the beat's run."""
    with time_machine.travel(RUN, tick=False):
        store(net.client, *statements)
        progress_project()


def create(net: Network, now: dt.datetime = RUN) -> int:
    with time_machine.travel(now, tick=False):
        return digests_create(audience="learner", person_ids=[net.learner.pk], now=now)


def deliver(notification: Notification, now: dt.datetime = SEND) -> Notification:
    with time_machine.travel(now, tick=False):
        notification_deliver(notification_id=notification.pk, now=now)
    notification.refresh_from_db()
    return notification


def test_a_week_with_a_completed_milestone_makes_one_digest_due_monday_morning(net):
    studied(
        net,
        statement(SAFETY_VIDEO, EXPERIENCED, at="2026-03-03T16:00:00Z"),
        statement(SAFETY_QUIZ, at="2026-03-05T17:00:00Z"),
    )

    assert create(net) == 1

    digest = Notification.objects.get()
    assert digest.person == net.learner
    assert (digest.topic, digest.template) == ("digests", "digest_learner")
    assert digest.idempotency_key == f"digest:learner:{net.learner.pk}:{WEEK_KEY}"
    assert digest.not_before == SEND
    # Only the period is stored; the content is computed when the e-mail is rendered.
    assert set(digest.context) == {"digest", "frequency", "period", "start", "end"}


def test_the_email_shows_progress_this_weeks_milestone_the_next_step_and_days(net):
    net.learner.language = "en"
    net.learner.save()
    studied(
        net,
        statement(SAFETY_VIDEO, EXPERIENCED, at="2026-03-03T16:00:00Z"),
        statement(SAFETY_QUIZ, at="2026-03-05T17:00:00Z"),
    )
    create(net)

    sent = deliver(Notification.objects.get())

    assert sent.status == "sent"
    [message] = mail.outbox
    assert message.subject == "Aino, your week in Kipinä"
    text = message.body
    assert "Battery cell manufacturing" in text
    assert "1 of 2 milestones done" in text
    assert "Completed this week: Safety" in text
    assert "Next step: Cell chemistry" in text
    assert "You studied on 2 days." in text
    assert isinstance(message, EmailMultiAlternatives)
    html = str(message.alternatives[0][0])
    assert "1 of 2 milestones done" in html
    assert "Next step: Cell chemistry" in html


def test_a_quiet_week_without_lines_makes_no_digest(net):
    # Activity the week before does not count for this week.
    studied(net, statement(SAFETY_VIDEO, EXPERIENCED, at="2026-02-26T16:00:00Z"))

    assert create(net) == 0
    assert not Notification.objects.exists()


def test_a_digest_line_alone_is_something_to_say_and_is_shown(net):
    net.learner.language = "en"
    net.learner.save()
    rules.rule_create(name="idle line", definition=INACTIVE_LINE, holdout_share=0.0)
    rules.sweep_batch([net.learner.pk], dt.datetime(2026, 3, 4, 10, 0, tzinfo=dt.UTC))

    assert create(net) == 1
    deliver(Notification.objects.get())

    assert "Notes for you:" in mail.outbox[0].body
    assert "Battery cell manufacturing: no activity yet for 51 days (since" in mail.outbox[0].body


def test_a_held_out_digest_line_is_not_something_to_say(net):
    rules.rule_create(name="idle line", definition=INACTIVE_LINE, holdout_share=0.0)
    rules.sweep_batch([net.learner.pk], dt.datetime(2026, 3, 4, 10, 0, tzinfo=dt.UTC))
    Decision.objects.update(holdout=Decision.Holdout.RULE)

    assert create(net) == 0


def test_many_enrolments_and_lines_make_exactly_one_email(net, sendgrid):
    net.learner.language = "en"
    net.learner.save()
    for n in range(4):
        pathway = Pathway.objects.create(
            slug=f"extra-{n}", title_en=f"Extra {n}", eqf_level=5, effort_hours=10
        )
        Milestone.objects.create(pathway=pathway, position=1, title_en=f"Step {n}")
        enrolment_create(learner=net.learner, pathway=pathway, started_on=dt.date(2026, 1, 12))
    rules.rule_create(name="idle line", definition=INACTIVE_LINE, holdout_share=0.0)
    rules.sweep_batch([net.learner.pk], dt.datetime(2026, 3, 4, 10, 0, tzinfo=dt.UTC))
    studied(net, statement(CHEM[0], at="2026-03-04T10:00:00Z"))

    assert create(net) == 1
    assert create(net) == 0
    deliver(Notification.objects.get())

    assert Notification.objects.count() == 1
    [received] = sendgrid.received
    assert received.problems == []
    assert received.payload["custom_args"] == {
        "kipina_id": f"digest:learner:{net.learner.pk}:{WEEK_KEY}"
    }
    text = received.payload["content"][0]["value"]
    assert all(f"Extra {n}" in text for n in range(4))
    assert text.count("no activity yet") == 5  # one line per enrolment the rule reached


def test_the_beat_task_run_twice_makes_one_digest(net, tasks_in_process):
    studied(net, statement(SAFETY_VIDEO, EXPERIENCED, at="2026-03-03T16:00:00Z"))

    with time_machine.travel(RUN, tick=False):
        notifications_digests()
        notifications_digests()

    assert Notification.objects.filter(topic="digests").count() == 1


def test_a_week_is_looked_at_only_within_a_day_of_its_end(net):
    studied(net, statement(SAFETY_VIDEO, EXPERIENCED, at="2026-03-03T16:00:00Z"))

    # Tuesday 05:15 in Helsinki: more than 24 hours after the week ended.
    assert create(net, RUN + dt.timedelta(days=1)) == 0
    # Sunday evening: the week has not ended yet (last week, 2026-W09, had nothing).
    assert create(net, RUN - dt.timedelta(hours=10)) == 0
    assert not Notification.objects.exists()


def test_the_week_and_the_send_time_are_the_learners_own(net):
    net.learner.time_zone = "America/New_York"
    net.learner.save()
    studied(net, statement(SAFETY_VIDEO, EXPERIENCED, at="2026-03-08T20:00:00Z"))

    # 03:15 UTC is still Sunday evening in New York: their week has not ended.
    assert create(net) == 0
    # The next day's run: Monday 23:15 in New York, within a day of their week's end.
    assert create(net, RUN + dt.timedelta(days=1)) == 1
    digest = Notification.objects.get()
    assert digest.idempotency_key.endswith(WEEK_KEY)
    # 08:00 Monday in New York (EDT from 8 March) has passed: due at once.
    assert digest.not_before == RUN + dt.timedelta(days=1)


def test_quiet_hours_defer_the_digest_and_it_goes_out_after(net):
    Preference.objects.create(person=net.learner, quiet_from=dt.time(20), quiet_until=dt.time(9))
    studied(net, statement(SAFETY_VIDEO, EXPERIENCED, at="2026-03-03T16:00:00Z"))
    create(net)

    deferred = deliver(Notification.objects.get())

    assert (deferred.status, deferred.reason) == ("deferred", "quiet hours")
    assert deferred.not_before == dt.datetime(2026, 3, 9, 7, 0, tzinfo=dt.UTC)  # 09:00 EET
    assert mail.outbox == []
    assert deliver(deferred, deferred.not_before).status == "sent"
    assert len(mail.outbox) == 1


def test_the_study_reminder_cap_does_not_count_digests(net):
    Preference.objects.create(person=net.learner, weekly_nudge_cap=0)
    studied(net, statement(SAFETY_VIDEO, EXPERIENCED, at="2026-03-03T16:00:00Z"))
    create(net)

    assert deliver(Notification.objects.get()).status == "sent"


def test_an_opted_out_learner_gets_no_digest(net):
    TopicOptOut.objects.create(person=net.learner, topic="digests")
    studied(net, statement(SAFETY_VIDEO, EXPERIENCED, at="2026-03-03T16:00:00Z"))

    assert create(net) == 0
    assert not Notification.objects.exists()


def test_an_opt_out_after_queueing_drops_the_digest_at_send_time(net):
    studied(net, statement(SAFETY_VIDEO, EXPERIENCED, at="2026-03-03T16:00:00Z"))
    create(net)
    TopicOptOut.objects.create(person=net.learner, topic="digests")

    dropped = deliver(Notification.objects.get())

    assert (dropped.status, dropped.reason) == ("dropped", "opted out of digests")
    assert mail.outbox == []


def test_the_beat_fans_learners_out_in_batches_and_each_gets_their_own(
    net, settings, tasks_in_process
):
    settings.KIPINA_DIGEST_BATCH = 1
    other = PersonFactory.create(given_name="Eino", family_name="Laine")
    enrolment_create(learner=other, pathway=net.pathway, started_on=dt.date(2026, 1, 12))
    rules.rule_create(name="idle line", definition=INACTIVE_LINE, holdout_share=0.0)
    rules.sweep_batch([net.learner.pk, other.pk], dt.datetime(2026, 3, 4, 10, 0, tzinfo=dt.UTC))

    with time_machine.travel(RUN, tick=False):
        fanned = notifications_digests()

    assert fanned == 2  # two learners; no teachers or employer contacts here
    keys = set(Notification.objects.values_list("idempotency_key", flat=True))
    assert keys == {
        f"digest:learner:{net.learner.pk}:{WEEK_KEY}",
        f"digest:learner:{other.pk}:{WEEK_KEY}",
    }


def test_finding_who_has_news_takes_the_same_queries_for_any_batch(net, django_assert_num_queries):
    others = [PersonFactory.create() for _ in range(5)]
    for person in others:
        enrolment_create(learner=person, pathway=net.pathway, started_on=dt.date(2026, 1, 12))
    start, end = (
        dt.datetime(2026, 3, 1, 22, tzinfo=dt.UTC),
        dt.datetime(2026, 3, 8, 22, tzinfo=dt.UTC),
    )

    # Activity, completions, digest lines and badges: one query each, whatever the batch.
    with django_assert_num_queries(4):
        learners_with_news([net.learner.pk], start, end)
    with django_assert_num_queries(4):
        learners_with_news([net.learner.pk, *(p.pk for p in others)], start, end)
