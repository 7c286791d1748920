"""The employer contact's progress summary (notifications/digests/employer.py): only employees
whose consent to the company is in force when the e-mail is rendered, only completion and
credential status, with a bar chart made of a table (and its text equivalent); weekly or
monthly by the contact's preference, which the preference API sets with strict input."""

import datetime as dt
import json
import re
from typing import Any

import pytest
import time_machine
from django.core import mail
from django.core.mail import EmailMultiAlternatives
from django.test import Client

from engagement.badges.models import BadgeClass, Issuer
from engagement.badges.services import badge_award
from engagement.network.models import Consent, Enrolment, Milestone, Organisation, Pathway, Person
from engagement.progress.models import EnrolmentProgress, MilestoneProgress
from notifications.digests.employer import contacts_with_sharing_staff
from notifications.digests.selectors import digest_context
from notifications.digests.services import digests_create
from notifications.models import Notification, Preference, TopicOptOut
from notifications.services import notification_deliver
from tests.factories import (
    CompanyFactory,
    ConsentFactory,
    EnrolmentFactory,
    OrganisationFactory,
    PersonFactory,
    RoleFactory,
)
from tests.notifications.conftest import signed_in

pytestmark = pytest.mark.django_db

# The beat's run on Monday 9 March 2026 (05:15 in Helsinki): the week 2026-W10 has ended.
RUN = dt.datetime(2026, 3, 9, 3, 15, tzinfo=dt.UTC)
SEND = dt.datetime(2026, 3, 9, 6, 0, tzinfo=dt.UTC)  # 08:00 in Helsinki
IN_WEEK = dt.datetime(2026, 3, 4, 10, 0, tzinfo=dt.UTC)
API = "/api/notifications/preferences/"


class Staff:
    """Valmet's contact Kaisa, and four employees on one two-milestone pathway: Aino shares
    her progress with Valmet, Mikko never did, Eino revoked his consent, Liisa shares it."""

    def __init__(self) -> None:
        self.company: Organisation = CompanyFactory.create(name_en="Valmet Automotive")
        self.contact: Person = PersonFactory.create(
            given_name="Kaisa", family_name="Niemi", language="en"
        )
        RoleFactory.create(person=self.contact, organisation=self.company, kind="employer_contact")
        self.pathway = Pathway.objects.create(
            slug="cells", title_en="Battery cells", eqf_level=5, effort_hours=40
        )
        self.safety = Milestone.objects.create(pathway=self.pathway, position=1, title_en="Safety")
        self.chemistry = Milestone.objects.create(
            pathway=self.pathway, position=2, title_en="Chemistry"
        )
        self.aino = self.employee("Aino", "Virtanen", consent=True)
        self.mikko = self.employee("Mikko", "Korhonen", consent=False)
        self.eino = self.employee("Eino", "Laine", consent=True)
        self.liisa = self.employee("Liisa", "Mäkinen", consent=True)
        Consent.objects.filter(enrolment=self.eino).update(revoked_at=IN_WEEK)
        # Everyone completed Safety this week: only the consenting ones may be counted.
        for enrolment in (self.aino, self.mikko, self.eino, self.liisa):
            self.completed(enrolment, self.safety, IN_WEEK)
        # Activity data the summary must never show.
        for enrolment in (self.aino, self.mikko, self.eino, self.liisa):
            EnrolmentProgress.objects.create(
                enrolment=enrolment,
                last_active_at=dt.datetime(2026, 3, 6, 13, 47, tzinfo=dt.UTC),
                time_spent_seconds=4 * 3600 + 25 * 60,
            )

    def employee(self, given: str, family: str, *, consent: bool) -> Enrolment:
        person = PersonFactory.create(given_name=given, family_name=family)
        enrolment = EnrolmentFactory.create(
            learner=person, pathway=self.pathway, sponsor=self.company
        )
        if consent:
            ConsentFactory.create(
                enrolment=enrolment, employer=self.company, given_at=IN_WEEK - dt.timedelta(days=30)
            )
        return enrolment

    @staticmethod
    def completed(enrolment: Enrolment, milestone: Milestone, at: dt.datetime) -> None:
        MilestoneProgress.objects.create(
            enrolment=enrolment,
            milestone=milestone,
            activities_done=1,
            activities_needed=1,
            completed_at=at,
        )


@pytest.fixture
def staff(db: None) -> Staff:
    with time_machine.travel(RUN, tick=False):
        return Staff()


def create(staff: Staff, now: dt.datetime = RUN) -> int:
    with time_machine.travel(now, tick=False):
        return digests_create(audience="employer", person_ids=[staff.contact.pk], now=now)


def deliver(now: dt.datetime = SEND) -> Notification:
    notification = Notification.objects.get()
    with time_machine.travel(now, tick=False):
        notification_deliver(notification_id=notification.pk, now=now)
    notification.refresh_from_db()
    return notification


def sent_parts() -> tuple[str, str, str]:
    [message] = mail.outbox
    assert isinstance(message, EmailMultiAlternatives)
    return str(message.subject), str(message.body), str(message.alternatives[0][0])


def test_the_summary_is_one_notification_due_monday_morning(staff):
    assert create(staff) == 1

    summary = Notification.objects.get()
    assert (summary.person, summary.topic) == (staff.contact, "employer_summaries")
    assert summary.template == "digest_employer"
    assert summary.idempotency_key == f"digest:employer:{staff.contact.pk}:2026-W10"
    assert summary.not_before == SEND
    assert create(staff) == 0


def test_only_consenting_employees_are_named(staff):
    create(staff)
    assert deliver().status == "sent"

    subject, text, html = sent_parts()
    assert subject == "Weekly staff study progress"
    for part in (text, html):
        assert "Aino Virtanen" in part
        assert "Liisa Mäkinen" in part
        assert "Mikko" not in part
        assert "Korhonen" not in part
        assert "Eino" not in part
        assert "Laine" not in part
    assert html.count('<tr class="employee">') == 2


def test_the_chart_counts_only_consenting_employees(staff):
    create(staff)
    deliver()

    _subject, text, html = sent_parts()
    # Safety: 2 of the 2 sharing employees (not 4 of 4); Chemistry: none yet.
    assert "[##########] 2 of 2 (100 %) Safety" in text
    assert "[----------] 0 of 2 (0 %) Chemistry" in text
    assert "2 milestones completed in this period." in text
    widths = re.findall(r'class="bar" style="width: (\d+)%', html)
    assert widths == ["100"]  # an empty bar has no filled cell
    assert "2 of 2 (100 %)" in html
    assert "0 of 2 (0 %)" in html
    assert "<script" not in html
    assert "<img" not in html


def test_a_consent_revoked_after_queueing_is_not_shown(staff):
    create(staff)
    Consent.objects.filter(enrolment=staff.liisa).update(revoked_at=SEND - dt.timedelta(hours=1))

    deliver()

    _subject, text, html = sent_parts()
    assert "Liisa" not in text
    assert "Liisa" not in html
    assert "[##########] 1 of 1 (100 %) Safety" in text


def test_only_completion_and_credential_status_is_shown(staff):
    staff.completed(staff.aino, staff.chemistry, IN_WEEK + dt.timedelta(days=1))
    staff.aino.learner.language = "en"
    create(staff)
    deliver()

    _subject, text, html = sent_parts()
    assert "Aino Virtanen, Battery cells: 2 of 2 milestones, completed 03/05/2026" in text
    assert "Liisa Mäkinen, Battery cells: 1 of 2 milestones, in progress" in text
    for part in (text, html):
        # No activity stream, log-in time, time on task or traffic light of anyone.
        assert "13:47" not in part
        assert "15:47" not in part
        assert "4.4" not in part
        assert "4 h" not in part
        assert "265" not in part
        for word in ("inactive", "active", "amber", "overdue", "behind", "minutes", "hours"):
            assert word not in part.lower()


def test_the_summary_is_built_from_completion_fields_only(staff):
    create(staff)
    summary = Notification.objects.get()

    with time_machine.travel(SEND, tick=False):
        context = digest_context(summary, "en")

    [company] = context["companies"]
    assert set(company) == {"name", "employees", "pathways", "milestones_completed_in_period"}
    assert {frozenset(e) for e in company["employees"]} == {
        frozenset({"name", "pathway", "done", "total", "completed_on", "badges"})
    }
    assert [e["name"] for e in company["employees"]] == ["Liisa Mäkinen", "Aino Virtanen"]
    [pathway] = company["pathways"]
    assert [(b["label"], b["completed"], b["enrolled"]) for b in pathway["bars"]] == [
        ("Safety", 2, 2),
        ("Chemistry", 0, 2),
    ]


def test_the_link_goes_to_the_employer_dashboard(staff, settings):
    create(staff)
    deliver()

    _subject, text, html = sent_parts()
    assert "Open the employer dashboard: https://kipina.example/employer/" in text
    assert 'href="https://kipina.example/employer/"' in html


def test_nobody_consenting_means_no_summary(staff):
    Consent.objects.update(revoked_at=IN_WEEK)

    assert create(staff) == 0
    assert not Notification.objects.exists()


def test_a_contact_of_another_company_sees_none_of_these_employees(staff):
    other = CompanyFactory.create(name_en="Northvolt")
    outsider = PersonFactory.create(given_name="Olli", family_name="Muu")
    RoleFactory.create(person=outsider, organisation=other, kind="employer_contact")

    with time_machine.travel(RUN, tick=False):
        made = digests_create(audience="employer", person_ids=[outsider.pk], now=RUN)

    assert made == 0


def test_everyone_revoking_after_queueing_gets_a_note_not_an_empty_chart(staff):
    create(staff)
    Consent.objects.update(revoked_at=SEND - dt.timedelta(hours=1))

    deliver()

    _subject, text, html = sent_parts()
    assert "No employee shares their study progress with you at the moment" in text
    assert "Aino" not in text
    assert "Aino" not in html
    assert 'class="bar"' not in html
    assert "[" not in text.split("--")[0]


def test_a_monthly_contact_gets_the_month_on_the_first(staff):
    Preference.objects.create(person=staff.contact, summary_frequency="monthly")

    # The weekly run on Monday 9 March makes nothing for a monthly contact.
    assert create(staff) == 0
    first = dt.datetime(2026, 4, 1, 1, 15, tzinfo=dt.UTC)  # 04:15 on 1 April, EEST
    assert create(staff, first) == 1

    summary = Notification.objects.get()
    assert summary.idempotency_key == f"digest:employer:{staff.contact.pk}:2026-03"
    assert summary.not_before == dt.datetime(2026, 4, 1, 5, 0, tzinfo=dt.UTC)  # 08:00 EEST
    deliver(summary.not_before)
    subject, text, _html = sent_parts()
    assert subject == "Monthly staff study progress"
    assert "03/01/2026 – 03/31/2026" in text


def test_an_opted_out_contact_gets_nothing(staff):
    TopicOptOut.objects.create(person=staff.contact, topic="employer_summaries")

    assert create(staff) == 0


# --- summary_frequency in the preference API -------------------------------------------------


def patch(client: Client, body: object) -> Any:
    data = body if isinstance(body, str) else json.dumps(body)
    return client.patch(API, data, content_type="application/json")


def test_the_api_shows_and_sets_the_summary_frequency(staff):
    client = signed_in(staff.contact)

    assert client.get(API).json()["summary_frequency"] == "weekly"
    answer = patch(client, {"summary_frequency": "monthly"})

    assert answer.status_code == 200
    assert answer.json()["summary_frequency"] == "monthly"
    assert Preference.objects.get(person=staff.contact).summary_frequency == "monthly"
    assert client.get(API).json()["summary_frequency"] == "monthly"


@pytest.mark.parametrize(
    "value", ["daily", "Weekly", "", 1, True, None, ["weekly"], {"weekly": True}]
)
def test_a_bad_summary_frequency_is_refused_and_nothing_is_written(staff, value):
    answer = patch(signed_in(staff.contact), {"weekly_nudge_cap": 7, "summary_frequency": value})

    assert answer.status_code == 400
    assert "summary_frequency" in answer.json()
    assert not Preference.objects.exists()


def test_a_malformed_or_oversized_body_is_refused(staff):
    client = signed_in(staff.contact)

    assert patch(client, '{"summary_frequency": "monthly"').status_code == 400
    huge = json.dumps({"summary_frequency": "monthly", "pad": "x" * (1024 * 1024)})
    assert patch(client, huge).status_code == 413
    assert not Preference.objects.exists()


def test_anonymous_callers_cannot_set_it(staff):
    assert patch(Client(), {"summary_frequency": "monthly"}).status_code in (401, 403)
    assert not Preference.objects.exists()


def test_a_person_sets_only_their_own_frequency(staff):
    other = staff.aino.learner
    Preference.objects.create(person=other, summary_frequency="weekly")

    patch(signed_in(staff.contact), {"summary_frequency": "monthly"})

    assert Preference.objects.get(person=other).summary_frequency == "weekly"


def test_a_contact_of_two_companies_gets_one_email_with_both(staff):
    other = CompanyFactory.create(name_en="Northvolt Finland")
    RoleFactory.create(person=staff.contact, organisation=other, kind="employer_contact")
    ConsentFactory.create(enrolment=staff.mikko, employer=other, given_at=IN_WEEK)

    assert create(staff) == 1
    deliver()

    _subject, text, _html = sent_parts()
    northvolt, valmet = text.index("== Northvolt Finland =="), text.index("== Valmet Automotive ==")
    # Mikko shares with Northvolt only: he is in its section, not in Valmet's.
    assert northvolt < text.index("Mikko Korhonen") < valmet
    assert text.count("Mikko Korhonen") == 1


def test_the_completion_day_is_the_contacts_local_day(staff):
    # 23:30 UTC on Thursday 5 March is 01:30 on Friday 6 March in Helsinki.
    staff.completed(staff.aino, staff.chemistry, dt.datetime(2026, 3, 5, 23, 30, tzinfo=dt.UTC))
    create(staff)
    deliver()

    _subject, text, _html = sent_parts()
    assert "Aino Virtanen, Battery cells: 2 of 2 milestones, completed 03/06/2026" in text


def test_the_summary_goes_to_sendgrid_as_one_well_formed_message(staff, sendgrid):
    create(staff)

    assert deliver().status == "sent"

    [received] = sendgrid.received
    assert received.problems == []
    assert received.payload["categories"] == ["employer_summaries"]
    text, html = (part["value"] for part in received.payload["content"])
    assert "[##########] 2 of 2 (100 %) Safety" in text
    assert 'class="bar" style="width: 100%' in html
    assert "Mikko" not in text
    assert "Mikko" not in html


def badge(
    milestone: Milestone | None = None, *, pathway: Pathway | None = None, name: str
) -> BadgeClass:
    provider = OrganisationFactory.create(name_en=f"Provider of {name}")
    issuer = Issuer.objects.create(organisation=provider, name_en=provider.name_en)
    return BadgeClass.objects.create(
        issuer=issuer, milestone=milestone, pathway=pathway, name_en=name
    )


def test_only_badges_of_a_shared_pathway_are_shown(staff):
    """Consent is per enrolment: a badge of a pathway Aino does not share stays hers."""
    private = Pathway.objects.create(slug="hr", title_en="Job hunting", eqf_level=4, effort_hours=9)
    EnrolmentFactory.create(learner=staff.aino.learner, pathway=private, sponsor=staff.company)
    safety_badge = badge(staff.safety, name="Battery safety")
    for enrolment in (staff.aino, staff.mikko):
        badge_award(
            badge_class=safety_badge, recipient=enrolment.learner, enrolment=enrolment, now=IN_WEEK
        )
    badge_award(
        badge_class=badge(pathway=private, name="Interview skills"),
        recipient=staff.aino.learner,
        now=IN_WEEK,
    )
    create(staff)
    summary = Notification.objects.get(topic="employer_summaries")
    with time_machine.travel(SEND, tick=False):
        notification_deliver(notification_id=summary.pk, now=SEND)

    _, text, html = sent_parts()
    for part in (text, html):
        assert part.count("Battery safety") == 1  # Aino's; Mikko does not share
        assert "Interview skills" not in part
        assert "Job hunting" not in part


def test_finding_contacts_with_sharing_staff_is_one_query_for_any_batch(
    staff, django_assert_num_queries
):
    """Aino and Liisa share with Valmet: Kaisa has someone to report on; a contact of another
    company, and a person who is an employee (not a contact) of Valmet, have not."""
    other = CompanyFactory.create(name_en="Northvolt")
    outsider = PersonFactory.create()
    RoleFactory.create(person=outsider, organisation=other, kind="employer_contact")
    employee = staff.aino.learner
    RoleFactory.create(person=employee, organisation=staff.company, kind="learner")
    batch = [staff.contact.pk, outsider.pk, employee.pk]

    with django_assert_num_queries(1):
        found = contacts_with_sharing_staff(batch)

    assert found == {staff.contact.pk}
