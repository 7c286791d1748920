"""The events' messages through notifications: the confirmation's .ics reaches SendGrid as
an attachment, reminders obey preferences (quiet hours defer, an opt-out drops), the reminder
sweep's batches remind once, and invitations reach the audience's people."""

import base64
import datetime as dt

import icalendar
import pytest

from engagement.events.models import Event, Registration
from engagement.events.selectors import event_audience_ids, reminder_due_ids
from engagement.events.services import (
    invitations_create,
    registration_create,
    reminders_create,
)
from engagement.events.tasks import REMINDER_AHEAD, events_invite_batch, events_remind_batch
from engagement.network.models import Role
from notifications.models import Notification, Topic, TopicOptOut
from notifications.services import notification_deliver
from tests.engagement.events.conftest import NOON, make_event, person
from tests.factories import CompanyFactory, RoleFactory

pytestmark = pytest.mark.django_db
Status = Notification.Status


def test_the_confirmation_carries_the_ics_to_sendgrid(event, sendgrid):
    anna = person("Anna")
    registration_create(event=event, person=anna, now=NOON)
    confirmation = Notification.objects.get(person=anna, template="event_confirmation")

    assert notification_deliver(notification_id=confirmation.pk, now=NOON) == Status.SENT

    payload = sendgrid.last.payload
    assert sendgrid.last.problems == []
    [attachment] = payload["attachments"]
    assert attachment["filename"] == "event.ics"
    assert attachment["type"].startswith("text/calendar")
    calendar = icalendar.Calendar.from_ical(base64.b64decode(attachment["content"]))
    [entry] = calendar.walk("VEVENT")
    assert str(entry["uid"]) == f"event-{event.uuid}@kipina"
    assert str(entry["summary"]) == "Akkuturvallisuuspäivä"  # Anna reads Finnish
    assert entry.decoded("dtstart") == event.starts_at
    assert "Akkuturvallisuuspäivä" in payload["subject"]


def test_a_reminder_carries_no_attachment(event, sendgrid):
    anna = person("Anna")
    seat = registration_create(event=event, person=anna, now=NOON)
    reminder = _remind(seat)

    notification_deliver(notification_id=reminder.pk, now=NOON)

    assert "attachments" not in sendgrid.last.payload


def _remind(seat: Registration) -> Notification:
    reminders_create(registration_ids=[seat.pk])
    return Notification.objects.get(template="event_reminder", person=seat.person)


def test_a_reminder_in_quiet_hours_is_deferred_to_the_morning(event):
    seat = registration_create(event=event, person=person("Anna"), now=NOON)
    reminder = _remind(seat)
    evening = dt.datetime(2026, 3, 4, 19, 30, tzinfo=dt.UTC)  # 21:30 in Helsinki

    assert notification_deliver(notification_id=reminder.pk, now=evening) == Status.DEFERRED

    reminder.refresh_from_db()
    assert reminder.not_before == dt.datetime(2026, 3, 5, 6, 0, tzinfo=dt.UTC)  # 08:00 there


def test_a_reminder_to_someone_who_opted_out_of_events_is_dropped(event):
    anna = person("Anna")
    seat = registration_create(event=event, person=anna, now=NOON)
    TopicOptOut.objects.create(person=anna, topic=Topic.EVENTS)
    reminder = _remind(seat)

    assert notification_deliver(notification_id=reminder.pk, now=NOON) == Status.DROPPED


def test_the_reminder_sweep_reminds_tomorrows_registrations_once(net):
    tomorrow = make_event(
        net, starts_at=NOON + dt.timedelta(hours=20), ends_at=NOON + dt.timedelta(hours=22)
    )
    later = make_event(net, title_en="Later")
    anna, ben = person("Anna"), person("Ben")
    registration_create(event=tomorrow, person=anna, now=NOON)
    registration_create(event=later, person=ben, now=NOON)

    due = reminder_due_ids(now=NOON, ahead=REMINDER_AHEAD)
    events_remind_batch(due)
    events_remind_batch(due)

    reminders = Notification.objects.filter(template="event_reminder")
    assert [n.person_id for n in reminders] == [anna.pk]


def test_a_cancelled_registration_is_not_reminded(net):
    tomorrow = make_event(
        net, starts_at=NOON + dt.timedelta(hours=20), ends_at=NOON + dt.timedelta(hours=22)
    )
    seat = registration_create(event=tomorrow, person=person("Anna"), now=NOON)
    seat.status = Registration.Status.CANCELLED
    seat.save(update_fields=["status"])

    events_remind_batch(reminder_due_ids(now=NOON, ahead=REMINDER_AHEAD))

    assert not Notification.objects.filter(template="event_reminder").exists()


def test_learners_events_invite_the_active_learners_of_related_pathways(net):
    event = make_event(net, audience=Event.Audience.LEARNERS)
    event.pathways.add(net.pathway)
    teacher = person("Tiina")
    RoleFactory.create(person=teacher, organisation=net.provider, kind=Role.Kind.TEACHER)

    invited_ids = event_audience_ids(event=event)
    events_invite_batch(event.pk, invited_ids)
    events_invite_batch(event.pk, invited_ids)

    invited = Notification.objects.filter(template="event_invitation")
    assert [n.person_id for n in invited] == [net.learner.pk]
    assert invited[0].topic == Topic.EVENTS


def test_company_events_invite_employer_contacts_and_not_learners(net):
    event = make_event(net, audience=Event.Audience.COMPANIES)
    event.pathways.add(net.pathway)
    contact = person("Kalle")
    RoleFactory.create(
        person=contact, organisation=CompanyFactory.create(), kind=Role.Kind.EMPLOYER_CONTACT
    )

    events_invite_batch(event.pk, event_audience_ids(event=event))

    invited = Notification.objects.filter(template="event_invitation")
    assert [n.person_id for n in invited] == [contact.pk]


def test_people_already_registered_are_not_invited(net):
    event = make_event(net, audience=Event.Audience.LEARNERS)
    event.pathways.add(net.pathway)
    registration_create(event=event, person=net.learner, now=NOON)

    events_invite_batch(event.pk, event_audience_ids(event=event))

    assert not Notification.objects.filter(template="event_invitation").exists()


def test_an_invitation_renders_the_event(net, event):
    invitations_create(event_id=event.pk, person_ids=[net.learner.pk])
    invitation = Notification.objects.get(template="event_invitation")

    notification_deliver(notification_id=invitation.pk, now=NOON)

    invitation.refresh_from_db()
    assert invitation.status == Status.SENT
    assert "Akkuturvallisuuspäivä" in invitation.subject
    assert f"/events/{event.uuid}" in invitation.body
    assert "Kuopio, Microkatu 1" in invitation.body
