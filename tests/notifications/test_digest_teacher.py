"""The teacher's weekly cohort summary (notifications/digests/teacher.py): per cohort they
teach, who is amber or red and why, marking who turned so this week; sent only when someone
is amber or red, under the teacher_alerts topic."""

import datetime as dt

import pytest
import time_machine
from django.core import mail
from django.core.mail import EmailMultiAlternatives

from engagement.network.models import Cohort, Enrolment, Person
from engagement.progress.models import EnrolmentProgress
from notifications.digests.services import digests_create
from notifications.digests.teacher import teachers_with_flags
from notifications.models import Notification, TopicOptOut
from notifications.services import notification_deliver
from notifications.tasks import notifications_digest_batch
from tests.factories import (
    CohortFactory,
    EnrolmentFactory,
    OrganisationFactory,
    PathwayFactory,
    PersonFactory,
    RoleFactory,
)

pytestmark = pytest.mark.django_db

RUN = dt.datetime(2026, 3, 9, 3, 15, tzinfo=dt.UTC)  # Monday 05:15 in Helsinki
SEND = dt.datetime(2026, 3, 9, 6, 0, tzinfo=dt.UTC)  # 08:00 in Helsinki


class Class:
    """Teacher Tuula's cohort at Savonia: Riku idle since 1 February (red before and after
    the week), Anni idle since 25 February (green at the week's start, amber now), Ville
    active on Friday (green)."""

    def __init__(self) -> None:
        provider = OrganisationFactory.create(name_en="Savonia")
        self.teacher: Person = PersonFactory.create(
            given_name="Tuula", family_name="Opettaja", language="en"
        )
        RoleFactory.create(person=self.teacher, organisation=provider, kind="teacher")
        self.pathway = PathwayFactory.create(title_en="Battery cells")
        self.cohort: Cohort = CohortFactory.create(
            provider=provider, name="Cells spring 2026", teachers=[self.teacher]
        )
        self.riku = self.learner("Riku", dt.datetime(2026, 2, 1, 12, tzinfo=dt.UTC))
        self.anni = self.learner("Anni", dt.datetime(2026, 2, 25, 12, tzinfo=dt.UTC))
        self.ville = self.learner("Ville", dt.datetime(2026, 3, 6, 12, tzinfo=dt.UTC))

    def learner(self, name: str, last_active: dt.datetime) -> Enrolment:
        person = PersonFactory.create(given_name=name, family_name="Oppija")
        enrolment = EnrolmentFactory.create(
            learner=person, pathway=self.pathway, started_on=dt.date(2026, 1, 12)
        )
        EnrolmentProgress.objects.create(
            enrolment=enrolment, first_active_at=last_active, last_active_at=last_active
        )
        self.cohort.enrolments.add(enrolment)
        return enrolment


@pytest.fixture
def klass(db: None) -> Class:
    with time_machine.travel(RUN, tick=False):
        return Class()


def create(klass: Class, now: dt.datetime = RUN) -> int:
    with time_machine.travel(now, tick=False):
        return digests_create(audience="teacher", person_ids=[klass.teacher.pk], now=now)


def deliver() -> Notification:
    notification = Notification.objects.get()
    with time_machine.travel(SEND, tick=False):
        notification_deliver(notification_id=notification.pk, now=SEND)
    notification.refresh_from_db()
    return notification


def test_a_cohort_with_amber_and_red_learners_makes_one_summary(klass):
    assert create(klass) == 1

    summary = Notification.objects.get()
    assert (summary.person, summary.topic) == (klass.teacher, "teacher_alerts")
    assert summary.template == "digest_teacher"
    assert summary.idempotency_key == f"digest:teacher:{klass.teacher.pk}:2026-W10"
    assert summary.not_before == SEND


def test_it_lists_who_is_amber_or_red_with_every_reason_and_who_turned_this_week(klass):
    create(klass)
    assert deliver().status == "sent"

    [message] = mail.outbox
    assert message.subject == "2 learners in your cohorts may need a hand"
    text = message.body
    assert "Cells spring 2026" in text
    assert "- Riku Oppija (Battery cells): red\n" in text  # red before the week too
    assert "- Anni Oppija (Battery cells): amber, new this week\n" in text
    assert "Ville" not in text
    # The reasons are the rules' own, in the teacher's language.
    assert "inactive for 36 days" in text
    assert "inactive for 12 days" in text
    assert isinstance(message, EmailMultiAlternatives)
    html = str(message.alternatives[0][0])
    assert "Riku Oppija" in html
    assert "new this week" in html
    assert "Ville" not in html


def test_a_cohort_where_everyone_is_green_makes_no_summary(klass):
    EnrolmentProgress.objects.update(last_active_at=dt.datetime(2026, 3, 7, 12, tzinfo=dt.UTC))

    assert create(klass) == 0
    assert not Notification.objects.exists()


def test_a_teacher_without_the_teacher_role_at_the_provider_gets_nothing(klass):
    klass.teacher.roles.all().delete()

    assert create(klass) == 0


def test_a_teacher_who_turned_teacher_alerts_off_gets_nothing(klass):
    TopicOptOut.objects.create(person=klass.teacher, topic="teacher_alerts")

    assert create(klass) == 0


def test_the_batch_task_run_twice_makes_one_summary(klass):
    with time_machine.travel(RUN, tick=False):
        first = notifications_digest_batch("teacher", [klass.teacher.pk], RUN.isoformat())
        second = notifications_digest_batch("teacher", [klass.teacher.pk], RUN.isoformat())

    assert (first, second) == (1, 0)
    assert Notification.objects.count() == 1


def test_finding_teachers_with_flags_takes_the_same_queries_for_any_batch(
    klass, django_assert_num_queries
):
    """Tuula's cohort has amber and red learners. A teacher of a green-only cohort, and one
    listed on a cohort without the teacher role at its provider, have nothing to report."""
    provider = klass.cohort.provider
    calm = PersonFactory.create()
    RoleFactory.create(person=calm, organisation=provider, kind="teacher")
    green = CohortFactory.create(provider=provider, name="Green", teachers=[calm])
    green.enrolments.add(klass.ville)
    roleless = PersonFactory.create()
    klass.cohort.teachers.add(roleless)

    # The cohorts taught, their members, and the rules' facts snapshot: not one per teacher.
    with django_assert_num_queries(11):
        alone = teachers_with_flags([klass.teacher.pk], RUN)
    with django_assert_num_queries(11):
        batch = teachers_with_flags([klass.teacher.pk, calm.pk, roleless.pk], RUN)

    assert alone == batch == {klass.teacher.pk}
