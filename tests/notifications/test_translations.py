"""Notifications in Finnish and Swedish: every topic's subject, text and HTML part in the
person's language, complete catalogues (no empty or fuzzy entry, the compiled .mo in step
with its .po), and English for a language we have no catalogue for."""

import gettext
import json
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
import time_machine
from django.core import mail
from django.test import Client
from django.utils import translation

from engagement.network.models import Enrolment, Person
from engagement.rules.models import StudyPlan
from notifications.links import preference_url, unsubscribe_token, unsubscribe_url
from notifications.models import Notification, Preference, Topic
from notifications.rendering import Rendered, notification_render
from notifications.selectors import language_of, preference_of
from notifications.services import notification_create, notification_deliver
from tests.factories import (
    ActivityFactory,
    EnrolmentFactory,
    MilestoneFactory,
    PathwayFactory,
    PersonFactory,
)
from tests.notifications.conftest import NOON, signed_in

LOCALE = Path(__file__).resolve().parents[2] / "notifications" / "locale"
LANGUAGES = ("fi", "sv")

# A few characteristic words per topic and language, across the subject, text and HTML part.
EXPECTED: dict[str, dict[str, list[str]]] = {
    "fi": {
        Topic.STUDY_REMINDERS: [
            "Aino, seuraava askeleesi polulla Akkukemia",
            "Hei Aino,",
            "Jo vartti auttaa",
            "Jatka siitä, mihin jäit",
            "Lopeta viestit aiheesta Opiskelumuistutukset",
        ],
        Topic.ACHIEVEMENTS: ["Hienoa, Aino!", "Saavutit välitavoitteen", "Katso seuraava askel"],
        Topic.TEACHER_ALERTS: [
            "saattaa tarvita apua",
            "punaiseksi",
            "Katso ryhmäsi",
            "ei toimintaa 14 päivään",
        ],
        Topic.DIGESTS: ["Kipinä-yhteenvetosi", "Yhteenvetosi on valmis", "Avaa Kipinä"],
        Topic.EMPLOYER_SUMMARIES: ["Kipinä-yhteenvetosi", "Yhteenvetosi on valmis"],
        Topic.EVENTS: ["Hei Aino,", "Lopeta viestit aiheesta Verkoston tapahtumat"],
        Topic.MEMBERSHIP: [
            "Hei Aino,",
            "jäsenyydestä",
            "Lopeta viestit aiheesta Verkoston jäsenyys",
        ],
    },
    "sv": {
        Topic.STUDY_REMINDERS: [
            "Aino, ditt nästa steg i Batterikemi",
            "Hej Aino,",
            "Redan en kvart räknas",
            "Fortsätt där du slutade",
            "Sluta få meddelanden om Studiepåminnelser",
        ],
        Topic.ACHIEVEMENTS: ["Bra jobbat, Aino!", "Du har nått ett delmål", "Se nästa steg"],
        Topic.TEACHER_ALERTS: [
            "kan behöva lite hjälp",
            "röd status",
            "Se din grupp",
            "ingen aktivitet på 14 dagar",
        ],
        Topic.DIGESTS: ["Din sammanfattning från Kipinä", "är klar", "Öppna Kipinä"],
        Topic.EMPLOYER_SUMMARIES: ["Din sammanfattning från Kipinä", "är klar"],
        Topic.EVENTS: ["Hej Aino,", "Sluta få meddelanden om Nätverkets evenemang"],
        Topic.MEMBERSHIP: [
            "Hej Aino,",
            "medlemskap",
            "Sluta få meddelanden om Medlemskap i nätverket",
        ],
    },
}

# English that must not be left in a translated message.
ENGLISH = [
    "Hi ",
    "Stop messages",
    "Open Kipinä",
    "summary",
    "next step",
    "may need",
    "Choose what",
    "You get these",
    "inactive for",
]


@pytest.fixture(autouse=True)
def _language_reset() -> Iterator[None]:
    yield
    translation.deactivate()


@pytest.fixture
def enrolment(db: None) -> Enrolment:
    pathway = PathwayFactory.create(
        title_en="Battery chemistry", title_fi="Akkukemia", title_sv="Batterikemi"
    )
    learner = PersonFactory.create(given_name="Eino", family_name="Laine")
    return EnrolmentFactory.create(learner=learner, pathway=pathway)


def person(language: str) -> Person:
    return PersonFactory.create(given_name="Aino", family_name="Virtanen", language=language)


def notification_for(who: Person, topic: str, enrolment: Enrolment) -> Notification:
    return notification_create(
        person=who,
        topic=topic,
        template=topic,
        idempotency_key=f"translations:{who.pk}:{topic}",
        context={"enrolment_id": enrolment.pk, "reasons": [{"code": "idle", "days": 14}]},
        not_before=NOON,
    )


def render(notification: Notification) -> Rendered:
    """As the dispatcher renders it: in the language the person's preferences give."""
    who = notification.person
    link = unsubscribe_url(person_id=who.pk, topic=notification.topic)
    language = language_of(preference_of(who), who)
    return notification_render(notification, language=language, unsubscribe_url=link)


@pytest.mark.django_db
@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("topic", list(Topic))
def test_every_template_speaks_the_persons_language(language, topic, enrolment):
    rendered = render(notification_for(person(language), topic, enrolment))

    everything = "\n".join([rendered.subject, rendered.text, rendered.html])
    for words in EXPECTED[language][topic]:
        assert words in everything
    for english in ENGLISH:
        assert english not in everything
    assert f'<html lang="{language}">' in rendered.html
    # The footer names the topic in the person's language in both parts.
    with translation.override(language):
        label = str(Topic(topic).label)
    assert label in rendered.text
    assert label in rendered.html


@pytest.mark.django_db
def test_the_preference_language_wins_over_the_persons(enrolment):
    who = person("fi")
    Preference.objects.create(person=who, language="sv")

    rendered = render(notification_for(who, Topic.ACHIEVEMENTS, enrolment))

    assert rendered.subject == "Bra jobbat, Aino!"


@pytest.mark.django_db
def test_a_sent_email_is_in_swedish(enrolment):
    who = person("sv")
    notification = notification_for(who, Topic.STUDY_REMINDERS, enrolment)

    notification_deliver(notification_id=notification.pk, now=NOON)

    [message] = mail.outbox
    assert message.subject == "Aino, ditt nästa steg i Batterikemi"
    assert "Redan en kvart räknas" in str(message.body)


@pytest.mark.django_db
@pytest.mark.parametrize("language", ["de", "xx"])
def test_an_unknown_language_falls_back_to_english(language, enrolment):
    notification = notification_for(person("en"), Topic.STUDY_REMINDERS, enrolment)
    link = unsubscribe_url(person_id=notification.person_id, topic=notification.topic)

    rendered = notification_render(notification, language=language, unsubscribe_url=link)

    assert rendered.subject == "Aino, your next step in Battery chemistry"
    assert "Hi Aino," in rendered.text
    assert "Stop messages about Study reminders" in rendered.text
    assert "Pick up where you left off" in rendered.html


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("language", "words"),
    [("fi", ["Peru tilaus", "Lopetetaanko viestit"]), ("sv", ["Avsluta prenumerationen"])],
)
def test_the_unsubscribe_page_is_translated(language, words, db):
    token = unsubscribe_token(person_id=person(language).pk, topic=Topic.DIGESTS)

    page = Client().get(f"/notifications/unsubscribe/{token}/", HTTP_ACCEPT_LANGUAGE=language)

    html = page.content.decode()
    for word in words:
        assert word in html
    assert "Unsubscribe<" not in html


# --- The catalogues -----------------------------------------------------------------------------


def _unquote(line: str) -> str:
    match = re.fullmatch(r'(?:msgid |msgid_plural |msgstr |msgstr\[\d\] )?"(.*)"', line)
    assert match, line
    return re.sub(r'\\(["\\n])', lambda m: "\n" if m[1] == "n" else m[1], match[1])


def catalogue(language: str) -> list[tuple[str, str, list[str]]]:
    """(msgid, msgstr, flags) of every entry of a .po, the header left out. A plural entry
    gives its singular and plural forms joined by a newline, for msgid and msgstr alike."""
    text = (LOCALE / language / "LC_MESSAGES" / "django.po").read_text(encoding="utf-8")
    entries = []
    for block in text.strip().split("\n\n"):
        flags = [f.strip() for line in block.splitlines() if line.startswith("#,") for f in
                 line[2:].split(",")]  # fmt: skip
        lines = [line for line in block.splitlines() if not line.startswith("#")]
        assert not any(line.startswith("msgctxt") for line in lines)
        parts: dict[str, list[str]] = {}
        for line in lines:
            if not line.startswith('"'):
                key = line.split(" ", 1)[0]
                parts[key] = []
            parts[key].append(_unquote(line))
        msgid = "\n".join("".join(parts[k]) for k in ("msgid", "msgid_plural") if k in parts)
        forms = [k for k in parts if k.startswith("msgstr")]
        msgstr = "\n".join("".join(parts[k]) for k in forms)
        if msgid:
            entries.append((msgid, msgstr, flags))
    return entries


@pytest.mark.parametrize("language", LANGUAGES)
def test_no_entry_is_empty_or_fuzzy_and_placeholders_match(language):
    entries = catalogue(language)

    assert len(entries) > 50
    for msgid, msgstr, flags in entries:
        assert all(form.strip() for form in msgstr.split("\n")), msgid
        assert "fuzzy" not in flags, msgid
        assert sorted(re.findall(r"%\(\w+\)[sd]", msgid)) == sorted(
            re.findall(r"%\(\w+\)[sd]", msgstr)
        ), msgid
    assert len({msgid for msgid, _, _ in entries}) == len(entries)


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_compiled_catalogue_matches_its_source(language):
    with (LOCALE / language / "LC_MESSAGES" / "django.mo").open("rb") as compiled:
        mo = gettext.GNUTranslations(compiled)

    for msgid, msgstr, _flags in catalogue(language):
        if "\n" in msgid:  # singular and plural
            singular, plural = msgid.split("\n")
            assert [mo.ngettext(singular, plural, n) for n in (1, 2)] == msgstr.split("\n")
        else:
            assert mo.gettext(msgid) == msgstr


# --- The e-mails of each rule kind ----------------------------------------------------------------

KIND_REASONS: dict[str, tuple[str, list[dict[str, object]]]] = {
    "inactive": (
        Topic.STUDY_REMINDERS,
        [{"code": "no_activity", "days": 9, "since": "2026-02-23"}],
    ),
    "behind_pace": (
        Topic.STUDY_REMINDERS,
        [{"code": "behind_pace", "percent": 5, "target": "2026-06-30", "expected": 30}],
    ),
    "milestone_due_soon": (
        Topic.STUDY_REMINDERS,
        [{"code": "milestone_due", "due": "2026-03-06", "days": 2}],
    ),
    "first_steps": (Topic.STUDY_REMINDERS, [{"code": "first_steps", "day": 3}]),
    "study_goal_at_risk": (
        Topic.STUDY_REMINDERS,
        [{"code": "goal_days", "studied": 0, "planned": 3, "days_left": 5}],
    ),
    "milestone_completed": (Topic.ACHIEVEMENTS, [{"code": "milestone_completed"}]),
    "pathway_completed": (Topic.ACHIEVEMENTS, [{"code": "pathway_completed"}]),
    "teacher_alert": (
        Topic.TEACHER_ALERTS,
        [{"code": "idle", "days": 15}, {"code": "overdue", "count": 2}],
    ),
}
STEP = {"fi": "Seuraava askeleesi: Kennoturvallisuus", "sv": "Ditt nästa steg: Cellsäkerhet"}
FOOTER = {
    "fi": "Valitse, mitä ja milloin sinulle lähetetään",
    "sv": "Välj vad vi skickar dig, och när",
}
ENGLISH_IN_KINDS = [
    *ENGLISH, "Your next step", "Welcome", "Well ", "waiting", " is due", "goal", " days",
    "week", "Congratulations", "Browse", "Start here", "Continue", "It has been", "milestone",
    "overdue", "Feb", "March",
]  # fmt: skip


@pytest.mark.django_db
@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("kind", list(KIND_REASONS))
def test_every_rule_kinds_email_has_no_english_left(language, kind):
    who = person(language)
    pathway = PathwayFactory.create(
        title_en="Battery chemistry", title_fi="Akkukemia", title_sv="Batterikemi"
    )
    safety = MilestoneFactory.create(
        pathway=pathway, title_en="Cell safety", title_fi="Kennoturvallisuus",
        title_sv="Cellsäkerhet",
    )  # fmt: skip
    ActivityFactory.create(milestone=safety)
    learner = who if kind != "teacher_alert" else PersonFactory.create(given_name="Eino")
    enrolment = EnrolmentFactory.create(learner=learner, pathway=pathway)
    StudyPlan.objects.create(person=learner, days_per_week=3)
    topic, reasons = KIND_REASONS[kind]
    reasons = [
        {**r, "milestone": safety.pk} if "milestone" in str(r["code"]) else r for r in reasons
    ]
    notification = notification_create(
        person=who,
        topic=topic,
        template="a_name_of_the_admins",
        idempotency_key=f"translations:{kind}",
        context={"kind": kind, "enrolment_id": enrolment.pk, "reasons": reasons},
        not_before=NOON,
    )

    with time_machine.travel(NOON, tick=False):
        rendered = render(notification)

    everything = re.sub(
        r"https?://\S+", "", "\n".join([rendered.subject, rendered.text, rendered.html])
    )
    for english in ENGLISH_IN_KINDS:
        assert english not in everything
    assert FOOTER[language] in rendered.text
    assert FOOTER[language] in rendered.html
    if kind not in ("teacher_alert", "pathway_completed"):
        assert STEP[language] in rendered.text


# --- The preference page and the API's messages ------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("language", "words"),
    [
        ("fi", ["Ilmoitusasetukset", "Lähetä minulle viestejä aiheista", "Tallenna"]),
        ("sv", ["Aviseringsinställningar", "Skicka mig meddelanden om", "Spara"]),
    ],
)
def test_the_preference_page_is_translated(language, words):
    path = preference_url(person_id=person(language).pk).removeprefix("https://kipina.example")

    html = Client().get(path, HTTP_ACCEPT_LANGUAGE=language).content.decode()

    for word in words:
        assert word in html
    assert "Save<" not in html


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("language", "body", "message"),
    [
        ("fi", {"opted_out": ["digests", "digests"]}, "Aihe on mainittu kahdesti."),
        ("sv", {"opted_out": ["digests", "digests"]}, "Ett ämne nämns två gånger."),
        ("fi", {"time_zone": "Mars/Olympus"}, '"Mars/Olympus" ei ole IANA-aikavyöhykkeen nimi.'),
        ("sv", {"bogus": 1}, "Inte ett inställningsfält."),
    ],
)
def test_the_preference_apis_messages_are_translated(language, body, message):
    client = signed_in(person(language))

    answer = client.patch(
        "/api/notifications/preferences/",
        json.dumps(body),
        content_type="application/json",
        HTTP_ACCEPT_LANGUAGE=language,
    )

    assert answer.status_code == 400
    assert message in str(answer.json())
