"""The dispatcher under the person's preferences, checked at send time: opt-out, pause,
quiet hours (deferred, never dropped, across DST), the weekly cap (across week boundaries in
the person's time zone), channels and languages."""

import datetime as dt

import pytest
import time_machine
from anymail.message import AnymailMessage
from django.core import mail

from notifications.models import DeliveryAttempt, Notification, Preference, Topic, TopicOptOut
from notifications.services import notification_deliver, topic_unsubscribe
from tests.notifications.conftest import NOON, nudge

pytestmark = pytest.mark.django_db

Status = Notification.Status


def deliver(notification: Notification, now: dt.datetime) -> Notification:
    with time_machine.travel(now, tick=False):
        notification_deliver(notification_id=notification.pk, now=now)
    notification.refresh_from_db()
    return notification


def utc(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> dt.datetime:
    return dt.datetime(year, month, day, hour, minute, tzinfo=dt.UTC)


def test_it_sends_an_email_with_text_html_and_unsubscribe_headers(aino):
    sent = deliver(nudge(aino), NOON)

    assert (sent.status, sent.channel, sent.sent_at, sent.reason) == (
        Status.SENT,
        "email",
        NOON,
        "",
    )
    [message] = mail.outbox
    assert isinstance(message, AnymailMessage)
    assert message.to == ["aino@example.fi"]
    # Aino reads Finnish (the directory's default); test_translations.py covers the texts.
    assert message.subject == "Aino, seuraava opiskeluaskeleesi"
    assert "Hei Aino," in message.body
    assert message.alternatives[0].mimetype == "text/html"
    assert message.extra_headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert message.extra_headers["List-Unsubscribe"].startswith(
        "<https://kipina.example/notifications/unsubscribe/"
    )
    assert message.metadata == {"kipina_id": sent.idempotency_key}
    assert message.tags == ["study_reminders"]
    [attempt] = sent.delivery_attempts.all()
    assert (attempt.number, attempt.channel, attempt.outcome) == (1, "email", "sent")


def test_it_writes_in_the_persons_language(aino):
    aino.language = "fi"
    aino.save()
    Preference.objects.create(person=aino, language="en")

    deliver(nudge(aino), NOON)

    # The preference wins over the directory.
    assert mail.outbox[0].subject == "Aino, your next study step"


def test_the_in_app_channel_shows_it_in_the_inbox_and_sends_no_mail(aino):
    Preference.objects.create(person=aino, channels={Topic.STUDY_REMINDERS: "in_app"})

    shown = deliver(nudge(aino), NOON)

    assert (shown.status, shown.channel) == (Status.SENT, "in_app")
    assert shown.subject == "Aino, seuraava opiskeluaskeleesi"
    assert mail.outbox == []
    assert shown.delivery_attempts.get().channel == "in_app"


def test_achievements_go_in_app_by_default(aino):
    shown = deliver(nudge(aino, topic=Topic.ACHIEVEMENTS), NOON)

    assert (shown.status, shown.channel, shown.subject) == (
        Status.SENT,
        "in_app",
        "Hienoa, Aino!",
    )


def test_a_person_without_an_email_address_gets_it_in_the_app(aino):
    aino.email = ""
    aino.save()

    shown = deliver(nudge(aino), NOON)

    assert (shown.status, shown.channel) == (Status.SENT, "in_app")
    assert mail.outbox == []


def test_an_opt_out_after_the_decision_drops_it_at_send_time(aino):
    waiting = nudge(aino)
    topic_unsubscribe(person_id=aino.pk, topic=Topic.STUDY_REMINDERS)

    dropped = deliver(waiting, NOON)

    assert (dropped.status, dropped.reason) == (Status.DROPPED, "opted out of study_reminders")
    assert mail.outbox == []
    assert not DeliveryAttempt.objects.exists()


def test_an_opt_out_of_another_topic_changes_nothing(aino):
    TopicOptOut.objects.create(person=aino, topic=Topic.ACHIEVEMENTS)

    assert deliver(nudge(aino), NOON).status == Status.SENT


def test_a_pause_drops_until_its_day_starts_in_the_persons_time_zone(aino):
    Preference.objects.create(
        person=aino,
        paused_until=dt.date(2026, 3, 6),
        quiet_from=dt.time(0),
        quiet_until=dt.time(0),  # no quiet hours: this test is about the pause
    )

    # 23:30 on the 5th in Helsinki (21:30 UTC): still paused.
    paused = deliver(nudge(aino, at=utc(2026, 3, 5, 21, 30)), utc(2026, 3, 5, 21, 30))
    # 00:30 on the 6th in Helsinki (22:30 UTC on the 5th): the pause is over.
    after = deliver(nudge(aino, at=utc(2026, 3, 5, 22, 30)), utc(2026, 3, 5, 22, 30))

    assert (paused.status, paused.reason) == (Status.DROPPED, "paused until 2026-03-06")
    assert after.status == Status.SENT
    assert len(mail.outbox) == 1


@pytest.mark.parametrize(
    ("now", "next_morning"),
    [
        # A winter evening, 22:00 EET: deferred to 08:00 EET = 06:00 UTC.
        (utc(2026, 3, 4, 20, 0), utc(2026, 3, 5, 6, 0)),
        # The evening before the clocks go forward: 08:00 EEST = 05:00 UTC.
        (utc(2026, 3, 28, 20, 0), utc(2026, 3, 29, 5, 0)),
        # The evening before the clocks go back: 08:00 EET = 06:00 UTC.
        (utc(2026, 10, 24, 19, 0), utc(2026, 10, 25, 6, 0)),
    ],
)
def test_quiet_hours_defer_to_the_next_morning_never_drop(aino, now, next_morning):
    deferred = deliver(nudge(aino, at=now), now)

    assert (deferred.status, deferred.reason) == (Status.DEFERRED, "quiet hours")
    assert deferred.not_before == next_morning
    assert mail.outbox == []

    too_early = notification_deliver(
        notification_id=deferred.pk, now=next_morning - dt.timedelta(minutes=1)
    )
    delivered = deliver(deferred, next_morning)

    assert too_early is None
    assert delivered.status == Status.SENT
    assert len(mail.outbox) == 1


def test_quiet_hours_are_the_persons_own_in_their_time_zone(aino):
    Preference.objects.create(
        person=aino, time_zone="America/New_York", quiet_from=dt.time(22), quiet_until=dt.time(7)
    )

    # 12:00 in Helsinki, 05:00 in New York: quiet there until 07:00 EST = 12:00 UTC.
    deferred = deliver(nudge(aino), NOON)

    assert (deferred.status, deferred.not_before) == (Status.DEFERRED, utc(2026, 3, 4, 12, 0))


def test_the_directory_time_zone_applies_when_the_preference_names_none(aino):
    aino.time_zone = "Asia/Tokyo"
    aino.save()

    # 19:00 in Tokyo (UTC+9) is allowed; 20:00 is quiet.
    allowed = deliver(nudge(aino, at=utc(2026, 3, 4, 10)), utc(2026, 3, 4, 10))
    quiet = deliver(nudge(aino, at=utc(2026, 3, 4, 11)), utc(2026, 3, 4, 11))

    assert (allowed.status, quiet.status) == (Status.SENT, Status.DEFERRED)


def test_the_weekly_cap_drops_the_fourth_study_reminder_with_the_reason(aino):
    sent = [deliver(nudge(aino), NOON + dt.timedelta(hours=h)).status for h in range(4)]

    assert sent == [Status.SENT, Status.SENT, Status.SENT, Status.DROPPED]
    dropped = Notification.objects.get(status=Status.DROPPED)
    assert dropped.reason == "over the weekly cap of 3 study reminders"
    assert len(mail.outbox) == 3


def test_the_cap_is_shared_by_all_rules_but_not_by_other_topics(aino):
    Preference.objects.create(person=aino, weekly_nudge_cap=1)

    first = deliver(nudge(aino), NOON)
    achievement = deliver(nudge(aino, topic=Topic.ACHIEVEMENTS), NOON)
    alert = deliver(nudge(aino, topic=Topic.TEACHER_ALERTS), NOON)
    second = deliver(nudge(aino), NOON)

    assert [first.status, achievement.status, alert.status, second.status] == [
        Status.SENT,
        Status.SENT,
        Status.SENT,
        Status.DROPPED,
    ]


def test_the_cap_starts_again_at_monday_midnight_in_the_persons_time_zone(aino):
    Preference.objects.create(person=aino, quiet_from=dt.time(0), quiet_until=dt.time(0))
    sunday_evening = utc(2026, 3, 1, 18, 0)  # Sunday 20:00 in Helsinki
    for _ in range(3):
        deliver(nudge(aino, at=sunday_evening), sunday_evening)

    late_sunday = deliver(nudge(aino, at=utc(2026, 3, 1, 21, 30)), utc(2026, 3, 1, 21, 30))
    # Monday 00:30 in Helsinki is still Sunday in UTC: a UTC week would drop this one.
    early_monday = deliver(nudge(aino, at=utc(2026, 3, 1, 22, 30)), utc(2026, 3, 1, 22, 30))

    assert late_sunday.status == Status.DROPPED
    assert early_monday.status == Status.SENT


def test_failed_sends_do_not_count_against_the_cap(aino):
    Preference.objects.create(person=aino, weekly_nudge_cap=1)
    Notification.objects.create(
        person=aino,
        topic=Topic.STUDY_REMINDERS,
        template="x",
        idempotency_key="failed-one",
        status=Status.FAILED,
        not_before=NOON,
        released_at=NOON,
    )

    assert deliver(nudge(aino), NOON).status == Status.SENT


def test_a_sent_notification_is_not_delivered_again(aino):
    sent = deliver(nudge(aino), NOON)

    again = notification_deliver(notification_id=sent.pk, now=NOON + dt.timedelta(hours=1))

    assert again is None
    assert len(mail.outbox) == 1
