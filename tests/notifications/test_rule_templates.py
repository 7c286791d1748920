"""Templates per rule kind: each built-in kind that sends a message has its own subject, text and
HTML part, with the person's given name, the pathway, the next concrete step (the first
unfinished milestone and an activity of it not yet done, from the projection) and a deep link
(the activity's IRI when it is a web address, else the pathway in the public catalogue).
Study-goal nudges name the learner's own plan. Every e-mail's footer links to unsubscribing
and to the preference page."""

import datetime as dt
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
import time_machine
from django.core import mail

from engagement.progress.services import progress_project
from engagement.rules import services as rules
from engagement.rules.models import StudyPlan
from notifications.links import preference_target, unsubscribe_target, unsubscribe_url
from notifications.models import Notification, Topic
from notifications.next_step import language_map_pick
from notifications.rendering import Rendered, notification_render
from notifications.services import (
    notification_create,
    notification_deliver,
    notifications_from_decisions,
)
from tests.engagement.builders import (
    CHEM,
    COMPLETED,
    SAFETY_QUIZ,
    SAFETY_VIDEO,
    Network,
    make_network,
    statement,
    store,
)
from tests.factories import (
    ActivityFactory,
    EnrolmentFactory,
    MilestoneFactory,
    PersonFactory,
)

pytestmark = pytest.mark.django_db

# Wednesday 4 February 2026, 12:00 in Helsinki: after the builders' statements, outside quiet hours.
NOW = dt.datetime(2026, 2, 4, 10, 0, tzinfo=dt.UTC)
CATALOGUE = "https://kipina.example/catalogue/"


@pytest.fixture(autouse=True)
def _settle(settings: Any) -> None:
    settings.KIPINA_PROGRESS_SETTLE_SECONDS = 0


@pytest.fixture
def net() -> Network:
    return make_network()


def studied(net: Network, *statements: dict[str, Any]) -> None:
    store(net.client, *statements)
    progress_project()


_serial = iter(range(1, 1_000_000))


def rule_notification(
    net: Network, kind: str, *reasons: dict[str, Any], topic: str = Topic.STUDY_REMINDERS
) -> Notification:
    """What the outbox makes of a decision of this kind (template key as an admin named it)."""
    return notification_create(
        person=net.learner,
        topic=topic,
        template="an_admins_own_name",
        idempotency_key=f"templates:{next(_serial)}",
        context={"kind": kind, "enrolment_id": net.enrolment.pk, "reasons": list(reasons)},
        not_before=NOW,
    )


def render(notification: Notification, language: str = "en") -> Rendered:
    link = unsubscribe_url(person_id=notification.person_id, topic=notification.topic)
    with time_machine.travel(NOW, tick=False):
        return notification_render(notification, language=language, unsubscribe_url=link)


def everything(rendered: Rendered) -> str:
    return "\n".join([rendered.subject, rendered.text, rendered.html])


# Each kind: its topic, the reasons the evaluator gives, and words only its own template has.
KINDS = {
    "inactive": (
        Topic.STUDY_REMINDERS,
        [{"code": "no_activity", "days": 9, "since": "2026-01-26"}],
        ["Aino, Battery cell manufacturing is waiting for you", "It has been a while"],
    ),
    "behind_pace": (
        Topic.STUDY_REMINDERS,
        [{"code": "behind_pace", "percent": 10, "target": "2026-06-30", "expected": 45}],
        ["back on track", "behind the pace you planned for Battery cell manufacturing"],
    ),
    "milestone_due_soon": (
        Topic.STUDY_REMINDERS,
        [{"code": "milestone_due", "milestone": 0, "due": "2026-02-06", "days": 2}],
        ["is due on Feb. 6, 2026", "There is still time to finish it"],
    ),
    "first_steps": (
        Topic.STUDY_REMINDERS,
        [{"code": "first_steps", "day": 3}],
        ["ready for your first step in Battery cell manufacturing?", "Welcome to"],
    ),
    "study_goal_at_risk": (
        Topic.STUDY_REMINDERS,
        [{"code": "goal_days", "studied": 0, "planned": 3, "days_left": 5}],
        ["your weekly goal is still within reach", "a session today keeps"],
    ),
    "milestone_completed": (
        Topic.ACHIEVEMENTS,
        [{"code": "milestone_completed", "milestone": 0}],
        ["Well done, Aino!", "Well earned!"],
    ),
}


@pytest.mark.parametrize("kind", list(KINDS))
def test_each_kind_has_its_own_words_and_names_the_next_step(net, kind):
    topic, reasons, words = KINDS[kind]
    reasons = [{**r, "milestone": net.safety.pk} if "milestone" in r else r for r in reasons]

    rendered = render(rule_notification(net, kind, *reasons, topic=topic))

    text = everything(rendered)
    for word in words:
        assert word in text
    assert "Hi Aino," in rendered.text
    assert "Your next step: Safety" in rendered.text
    assert "Your next step: <strong>Safety</strong>" in rendered.html
    # Nothing studied yet: the first activity of the first milestone, straight in the LMS.
    assert SAFETY_VIDEO in rendered.text
    assert f'href="{SAFETY_VIDEO}"' in rendered.html


def test_the_next_step_skips_what_is_done(net):
    studied(net, statement(SAFETY_VIDEO, COMPLETED))
    in_safety = render(rule_notification(net, "inactive"))
    studied(net, statement(SAFETY_QUIZ, at="2026-02-03T19:00:00Z"))
    in_chemistry = render(rule_notification(net, "inactive"))

    assert "Your next step: Safety" in in_safety.text
    assert SAFETY_QUIZ in in_safety.text
    assert SAFETY_VIDEO not in in_safety.text
    assert "Your next step: Cell chemistry" in in_chemistry.text
    assert CHEM[0] in in_chemistry.text


def test_the_step_names_the_activity_as_the_lms_defined_it(net):
    # An attempt is evidence, not completion: the video stays the next step, now with a name.
    attempted = statement(SAFETY_VIDEO, "http://adlnet.gov/expapi/verbs/attempted")
    attempted["object"]["definition"] = {
        "name": {"fi-FI": "Turvallisuusvideo", "en-US": "Safety video"}
    }
    studied(net, attempted)

    english = render(rule_notification(net, "inactive"))
    finnish = render(rule_notification(net, "inactive"), "fi")

    assert "Your next step: Safety\nStart with: Safety video\n" in english.text
    assert "<br>Start with: Safety video</p>" in english.html
    assert "Aloita kohdasta: Turvallisuusvideo" in finnish.text
    assert SAFETY_VIDEO in finnish.text


@pytest.mark.parametrize(
    ("names", "language", "picked"),
    [
        ({"fi-FI": "Visa", "en-US": "Quiz"}, "fi", "Visa"),
        ({"fi": "Visa", "en-US": "Quiz"}, "fi", "Visa"),
        ({"FI-fi": "Visa"}, "fi", "Visa"),
        ({"sv-FI": "Frågor", "en-GB": "Quiz"}, "fi", "Quiz"),
        ({"de": "Prüfung"}, "sv", "Prüfung"),
        ({}, "fi", ""),
        ("Quiz", "fi", ""),
        ({"fi": 3, "en": "Quiz"}, "fi", "Quiz"),
    ],
)
def test_a_language_map_gives_the_readers_language_else_english_else_any(names, language, picked):
    assert language_map_pick(names, language) == picked


def test_a_milestone_due_soon_names_it_and_the_step_inside_it(net):
    due = {"code": "milestone_due", "milestone": net.chemistry.pk, "due": "2026-02-06", "days": 2}

    rendered = render(rule_notification(net, "milestone_due_soon", due))

    assert rendered.subject == "Aino, Cell chemistry is due on Feb. 6, 2026"
    assert "Cell chemistry in Battery cell manufacturing is due on Feb. 6, 2026" in rendered.text
    # Safety comes first on the pathway, but the step named is inside the milestone due.
    assert "Your next step: Cell chemistry" in rendered.text
    assert CHEM[0] in rendered.text


def test_an_activity_id_that_is_no_web_address_links_to_the_catalogue(db):
    milestone = MilestoneFactory.create(title_en="Lab safety")
    ActivityFactory.create(milestone=milestone, activity_iri="urn:uuid:6a1c6bd5-aa5b-4f63")
    learner = PersonFactory.create(given_name="Aino")
    enrolment = EnrolmentFactory.create(learner=learner, pathway=milestone.pathway)
    notification = notification_create(
        person=learner,
        topic=Topic.STUDY_REMINDERS,
        template="x",
        idempotency_key="templates:urn",
        context={"kind": "inactive", "enrolment_id": enrolment.pk, "reasons": []},
    )

    rendered = render(notification, "fi")

    link = next(line for line in rendered.text.splitlines() if CATALOGUE in line).split()[-1]
    assert parse_qs(urlsplit(link).query) == {"q": [milestone.pathway.title_en], "lang": ["fi"]}
    assert "urn:uuid" not in everything(rendered)


def test_a_finished_pathway_names_no_step_and_links_the_catalogue(net):
    studied(
        net,
        statement(SAFETY_VIDEO, COMPLETED, at="2026-02-01T10:00:00Z"),
        statement(SAFETY_QUIZ, at="2026-02-02T10:00:00Z"),
        statement(CHEM[0], at="2026-02-02T11:00:00Z"),
        statement(CHEM[1], at="2026-02-02T12:00:00Z"),
    )

    rendered = render(
        rule_notification(
            net, "pathway_completed", {"code": "pathway_completed"}, topic="achievements"
        )
    )

    assert rendered.subject == "Congratulations, Aino: you completed Battery cell manufacturing!"
    assert "Your next step" not in everything(rendered)
    assert f"{CATALOGUE}?lang=en" in rendered.text
    assert f'href="{CATALOGUE}?lang=en"' in rendered.html


def test_a_completed_milestone_is_named(net):
    studied(
        net,
        statement(SAFETY_VIDEO, COMPLETED, at="2026-02-01T10:00:00Z"),
        statement(SAFETY_QUIZ, at="2026-02-02T10:00:00Z"),
    )
    done = {"code": "milestone_completed", "milestone": net.safety.pk}

    rendered = render(rule_notification(net, "milestone_completed", done, topic="achievements"))

    assert "You completed Safety in Battery cell manufacturing. Well earned!" in rendered.text
    assert "Your next step: Cell chemistry" in rendered.text


def test_a_study_goal_nudge_names_the_days_plan_and_the_week_so_far(net):
    StudyPlan.objects.create(person=net.learner, days_per_week=3)
    # Monday evening this week (Helsinki): one study day so far.
    studied(net, statement(SAFETY_VIDEO, COMPLETED, at="2026-02-02T17:00:00Z"))
    reason = {"code": "goal_days", "studied": 1, "planned": 3, "days_left": 5}

    rendered = render(rule_notification(net, "study_goal_at_risk", reason))

    assert (
        "You set yourself a goal of 3 study days a week. So far this week you have studied on "
        "1 day, and 5 days are left this week" in " ".join(rendered.text.split())
    )


def test_a_study_goal_nudge_names_the_hours_plan_in_finnish(net):
    StudyPlan.objects.create(person=net.learner, hours_per_week=4)
    studied(net, statement(SAFETY_VIDEO, COMPLETED, at="2026-02-02T17:00:00Z", duration="PT90M"))
    reason = {"code": "goal_hours", "hours": 1.5, "planned": 4.0, "days_left": 2}

    rendered = render(rule_notification(net, "study_goal_at_risk", reason), "fi")

    flat = " ".join(rendered.text.split())
    assert "4 tuntia opiskelua viikossa" in flat
    assert "olet opiskellut 1,5 tuntia" in flat


def test_a_teacher_alert_names_the_learner_and_the_reasons_not_a_step(net):
    teacher = PersonFactory.create(given_name="Tuula", family_name="Opettaja")
    notification = notification_create(
        person=teacher,
        topic=Topic.TEACHER_ALERTS,
        template="red_light",
        idempotency_key="templates:teacher",
        context={
            "kind": "teacher_alert",
            "enrolment_id": net.enrolment.pk,
            "reasons": [{"code": "idle", "days": 15}, {"code": "overdue", "count": 2}],
        },
    )

    rendered = render(notification)

    assert rendered.subject == "Aino Virtanen may need a hand"
    assert "Hi Tuula," in rendered.text
    assert "- inactive for 15 days\n- 2 milestones overdue" in rendered.text
    assert "A short personal message from you" in rendered.text
    assert "Your next step" not in everything(rendered)
    # The way to act on it: the teacher's cohort page, not the learner's course.
    assert "See your cohort: https://kipina.example/teacher/" in rendered.text


def test_titles_are_escaped_in_the_html_part(net):
    net.safety.title_en = "<b>Safety</b> & care"
    net.safety.save(update_fields=["title_en"])

    rendered = render(rule_notification(net, "inactive"))

    assert "<strong>&lt;b&gt;Safety&lt;/b&gt; &amp; care</strong>" in rendered.html
    assert "Your next step: <b>Safety</b> & care" in rendered.text


def test_a_key_with_its_own_templates_wins_and_a_kindless_one_falls_back_to_its_topic(net):
    own = notification_create(
        person=net.learner,
        topic=Topic.STUDY_REMINDERS,
        template="first_steps",  # an admin may name any kind's templates
        idempotency_key="templates:own",
        context={"kind": "inactive", "enrolment_id": net.enrolment.pk},
    )
    kindless = notification_create(
        person=net.learner,
        topic=Topic.STUDY_REMINDERS,
        template="nothing_here",
        idempotency_key="templates:kindless",
        context={"enrolment_id": net.enrolment.pk},
    )

    assert "Welcome to" in render(own).text
    assert "A short session today keeps Battery cell manufacturing moving" in render(kindless).text


# --- The footer ---------------------------------------------------------------------------------

TEMPLATE_KEYS = [
    *KINDS,
    "pathway_completed",
    "teacher_alert",
    *[topic.value for topic in Topic],
]


@pytest.mark.parametrize("key", TEMPLATE_KEYS)
@pytest.mark.parametrize("language", ["en", "fi", "sv"])
def test_every_email_links_to_unsubscribing_and_to_the_preference_page(net, key, language):
    topic = KINDS[key][0] if key in KINDS else Topic.STUDY_REMINDERS
    notification = notification_create(
        person=net.learner,
        topic=topic,
        template=key,
        idempotency_key=f"templates:footer:{key}",
        context={"kind": key, "enrolment_id": net.enrolment.pk, "reasons": []},
        not_before=NOW,
    )

    rendered = render(notification, language)

    for part in (rendered.text, rendered.html):
        unsubscribe = _link(part, "/notifications/unsubscribe/")
        preferences = _link(part, "/notifications/preferences/")
        assert unsubscribe_target(unsubscribe) == (net.learner.pk, topic)
        with time_machine.travel(NOW, tick=False):  # the preference link expires
            assert preference_target(preferences) == net.learner.pk


def _link(part: str, prefix: str) -> str:
    """The token of the first link under `prefix` in a text or HTML part."""
    start = (
        part.index(f"https://kipina.example{prefix}") + len("https://kipina.example") + len(prefix)
    )
    return part[start:].split("/")[0]


def test_a_decision_becomes_an_email_with_the_next_step_end_to_end(net, settings):
    settings.KIPINA_RULES_GLOBAL_HOLDOUT = 0.0
    rules.rule_create(
        name="Come back",
        definition={
            "kind": "inactive",
            "days": 7,
            "action": {"type": "nudge", "template": "come_back"},
        },
        holdout_share=0.0,
    )
    rules.sweep_batch([net.learner.pk], NOW)
    notifications_from_decisions(now=NOW)
    notification = Notification.objects.get()

    with time_machine.travel(NOW, tick=False):
        assert notification_deliver(notification_id=notification.pk, now=NOW) == "sent"

    [message] = mail.outbox  # in Aino's language, Finnish (the pathway has no Finnish title)
    assert message.subject == "Aino, Battery cell manufacturing odottaa sinua"
    assert "Seuraava askeleesi: Safety" in str(message.body)
    assert SAFETY_VIDEO in str(message.body)
    assert "/notifications/preferences/" in str(message.body)
