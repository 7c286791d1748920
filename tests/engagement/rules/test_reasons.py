"""Reasons told in the reader's language (engagement/rules/reasons.py): the evaluator gives codes
with values, stored as JSON on decisions; reason_text words them with gettext (plurals with
ngettext); old plain-string reasons are shown as they are, and an unknown or broken one shows
its stored form instead of failing the page."""

import datetime as dt

import pytest
import time_machine
from django.test import Client
from django.utils import translation

from engagement.progress.models import EnrolmentProgress
from engagement.rules import services
from engagement.rules.evaluate import Reason
from engagement.rules.models import Decision
from engagement.rules.reasons import reason_text
from tests.engagement.rules.api_fixtures import INACTIVE, World, world
from tests.factories import EnrolmentFactory, UserFactory

__all__ = ["world"]  # fixtures

# Every code the evaluator gives, with its English words.
ENGLISH = [
    (
        Reason.of("no_activity", days=9, since="2026-01-12"),
        "no activity for 9 days (since Jan. 12, 2026)",
    ),
    (
        Reason.of("no_activity", days=1, since="2026-01-12"),
        "no activity for 1 day (since Jan. 12, 2026)",
    ),
    (
        Reason.of("no_activity_yet", days=48, since="2026-01-12"),
        "no activity yet for 48 days (since Jan. 12, 2026)",
    ),
    (
        Reason.of("behind_pace", percent=10, target="2026-06-30", expected=45),
        "10% done where the plan to June 30, 2026 expects 45%",
    ),
    (
        Reason.of("milestone_due", milestone=3, due="2026-02-06", days=2),
        "milestone 3 is due on Feb. 6, 2026 (in 2 days)",
    ),
    (Reason.of("first_steps", day=4), "day 4 of the enrolment with no activity yet"),
    (
        Reason.of("goal_days", studied=1, planned=3, days_left=2),
        "studied on 1 of 3 planned days; 2 days left",
    ),
    (
        Reason.of("goal_hours", hours=1.5, planned=4.0, days_left=1),
        "1.5 of 4 planned hours; 1 day left",
    ),
    (Reason.of("milestone_completed", milestone=7), "completed milestone 7"),
    (Reason.of("pathway_completed"), "completed the pathway"),
    (Reason.of("milestones_completed", done=1, total=2), "1 of 2 milestones completed"),
    (Reason.of("idle", days=8), "inactive for 8 days"),
    (Reason.of("overdue", count=1), "1 milestone overdue"),
    (Reason.of("behind", points=31), "31 points behind the planned pace"),
    (Reason.of("on_track"), "on track"),
    (Reason.of("all_done"), "every milestone is done"),
    (Reason.of("enrolment_status", status="paused"), "the enrolment is paused"),
    (Reason.of("opted_out", topic="study_reminders"), "opted out of study reminders"),
]

FINNISH = [
    (
        Reason.of("no_activity", days=9, since="2026-01-12"),
        "ei toimintaa 9 päivään (12. tammikuuta 2026 alkaen)",
    ),
    (
        Reason.of("goal_hours", hours=1.5, planned=4.0, days_left=1),
        "1,5 / 4 suunnitellusta tunnista; 1 päivä jäljellä",
    ),
    (Reason.of("overdue", count=2), "2 välitavoitetta myöhässä"),
    (Reason.of("enrolment_status", status="paused"), "ilmoittautuminen on tauolla"),
]

SWEDISH = [
    (
        Reason.of("no_activity", days=1, since="2026-01-12"),
        "ingen aktivitet på 1 dag (sedan 12 januari 2026)",
    ),
    (
        Reason.of("goal_days", studied=1, planned=3, days_left=2),
        "studerat 1 av 3 planerade dagar; 2 dagar kvar",
    ),
    (Reason.of("behind", points=31), "31 procentenheter efter den planerade takten"),
]


@pytest.mark.parametrize(("reason", "text"), ENGLISH)
def test_each_reason_has_english_words(reason, text):
    with translation.override("en"):
        assert reason_text(reason) == text


@pytest.mark.parametrize(("reason", "text"), ENGLISH)
def test_the_stored_json_form_reads_the_same(reason, text):
    with translation.override("en"):
        assert reason_text(reason.as_json()) == text


@pytest.mark.parametrize(
    ("language", "reason", "text"),
    [("fi", *row) for row in FINNISH] + [("sv", *row) for row in SWEDISH],
)
def test_reasons_are_told_in_finnish_and_swedish(language, reason, text):
    with translation.override(language):
        assert reason_text(reason.as_json()) == text


@pytest.mark.parametrize(
    ("stored", "shown"),
    [
        ("no activity for 14 days", "no activity for 14 days"),  # before reasons had codes
        ({"code": "comet_sighted", "days": 3}, "comet_sighted (days=3)"),  # a newer code
        ({"code": "idle"}, "idle"),  # its value missing
        ({"code": "idle", "days": "many"}, "idle (days=many)"),  # a value of the wrong type
        ({"code": "no_activity", "days": 2, "since": "soon"}, "no_activity (days=2, since=soon)"),
        ({"days": 3}, "{'days': 3}"),  # no code at all
    ],
)
def test_old_unknown_or_broken_reasons_show_their_stored_form(stored, shown):
    with translation.override("fi"):
        assert reason_text(stored) == shown


# --- Where reasons are shown -------------------------------------------------------------------

NOW = dt.datetime(2026, 3, 2, 9, 30, tzinfo=dt.UTC)


@pytest.mark.django_db
def test_the_traffic_lights_api_tells_reasons_in_the_requested_language(world: World):
    idle = EnrolmentFactory.create(pathway=world.pathway)
    world.cohort.enrolments.add(idle)
    EnrolmentProgress.objects.create(enrolment=idle, last_active_at=NOW - dt.timedelta(days=8))

    with time_machine.travel(NOW, tick=False):
        answer = world.client("teacher").get(
            "/api/rules/traffic-lights/", {"cohort": world.cohort.pk}, HTTP_ACCEPT_LANGUAGE="fi"
        )

    rows = {row["enrolment_id"]: row for row in answer.json()["results"]}
    assert rows[idle.pk]["reasons"] == ["ei toimintaa 8 päivään"]


@pytest.mark.django_db
def test_the_decision_admin_words_stored_and_old_reasons(world: World):
    services.rule_create(name="Come back", definition=INACTIVE)
    services.sweep_batch([world.aino.pk], NOW)
    decision = Decision.objects.get()
    old = Decision.objects.create(
        rule=decision.rule,
        version=decision.version,
        person=decision.person,
        enrolment=decision.enrolment,
        window="inactive-since:2025-01-01",
        action=decision.action,
        reasons=["no activity for 30 days (since 2025-01-01)"],
        decided_at=NOW,
    )
    client = Client()
    client.force_login(UserFactory.create(is_staff=True, is_superuser=True))

    page = client.get("/admin/rules/decision/", HTTP_ACCEPT_LANGUAGE="en").content.decode()

    assert "no activity yet for 49 days (since Jan. 12, 2026)" in page
    assert "no activity for 30 days (since 2025-01-01)" in page
    assert old.pk != decision.pk
