"""Preferences per person: the API at /api/notifications/preferences/ (the signed-in person's
own, strict input) and the page reached from e-mails through a signed, expiring link."""

import datetime as dt
import json
import re
import time
from typing import Any

import pytest
from django.core import signing
from django.test import Client

from notifications.links import preference_token, preference_url
from notifications.models import Preference, TopicOptOut
from notifications.selectors import opted_out_topics
from notifications.services import preference_update
from tests.factories import UserFactory
from tests.notifications.conftest import signed_in

pytestmark = pytest.mark.django_db

API = "/api/notifications/preferences/"

DEFAULTS: dict[str, Any] = {
    "opted_out": [],
    "channels": {
        "study_reminders": "email",
        "achievements": "in_app",
        "teacher_alerts": "email",
        "employer_summaries": "email",
        "digests": "email",
        "events": "email",
        "membership": "email",
    },
    "language": "",
    "time_zone": "",
    "quiet_from": "20:00:00",
    "quiet_until": "08:00:00",
    "weekly_nudge_cap": 3,
    "paused_until": None,
    "summary_frequency": "weekly",
}


def patch(client: Client, body: Any) -> Any:
    data = body if isinstance(body, str) else json.dumps(body)
    return client.patch(API, data, content_type="application/json")


# --- The API -------------------------------------------------------------------------------------


def test_a_person_without_preferences_reads_the_defaults(aino):
    answer = signed_in(aino).get(API)

    assert answer.status_code == 200
    assert answer.json() == DEFAULTS
    assert not Preference.objects.exists()


@pytest.mark.parametrize(
    ("change", "shown"),
    [
        ({"opted_out": ["study_reminders", "digests"]}, None),
        ({"channels": {"study_reminders": "in_app"}}, None),
        ({"language": "sv"}, None),
        ({"language": ""}, None),
        ({"time_zone": "America/New_York"}, None),
        ({"time_zone": ""}, None),
        ({"quiet_from": "22:30"}, {"quiet_from": "22:30:00"}),
        ({"quiet_until": "07:15:00"}, None),
        (
            {"quiet_from": "00:00", "quiet_until": "00:00"},
            {"quiet_from": "00:00:00", "quiet_until": "00:00:00"},
        ),
        ({"weekly_nudge_cap": 0}, None),
        ({"weekly_nudge_cap": 14}, None),
        ({"paused_until": "2026-04-01"}, None),
        ({"paused_until": None}, None),
    ],
)
def test_each_field_can_be_changed(aino, change, shown):
    client = signed_in(aino)

    answer = patch(client, change)

    assert answer.status_code == 200, answer.json()
    expected = {**DEFAULTS, **(shown or change)}
    if "channels" in change:
        expected["channels"] = {**DEFAULTS["channels"], **change["channels"]}
    if "opted_out" in change:
        expected["opted_out"] = sorted(change["opted_out"])
    assert answer.json() == expected
    assert client.get(API).json() == expected


def test_saved_fields_land_on_the_row(aino):
    patch(
        signed_in(aino),
        {
            "language": "en",
            "time_zone": "Europe/Stockholm",
            "quiet_from": "21:00",
            "quiet_until": "07:00",
            "weekly_nudge_cap": 5,
            "paused_until": "2026-05-01",
            "channels": {"digests": "in_app"},
        },
    )

    row = Preference.objects.get(person=aino)
    assert (row.language, row.time_zone, row.weekly_nudge_cap) == ("en", "Europe/Stockholm", 5)
    assert (row.quiet_from, row.quiet_until) == (dt.time(21), dt.time(7))
    assert row.paused_until == dt.date(2026, 5, 1)
    assert row.channels == {"digests": "in_app"}


def test_an_opt_out_through_the_api_is_what_the_rules_read(aino):
    client = signed_in(aino)

    patch(client, {"opted_out": ["study_reminders"]})
    assert opted_out_topics([aino.pk]) == {aino.pk: frozenset({"study_reminders"})}

    patch(client, {"opted_out": ["achievements"]})
    assert opted_out_topics([aino.pk]) == {aino.pk: frozenset({"achievements"})}

    patch(client, {"opted_out": []})
    assert opted_out_topics([aino.pk]) == {}


def test_a_patch_without_opted_out_keeps_the_opt_outs(aino):
    TopicOptOut.objects.create(person=aino, topic="digests")

    patch(signed_in(aino), {"weekly_nudge_cap": 1})

    assert opted_out_topics([aino.pk]) == {aino.pk: frozenset({"digests"})}


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"opted_out": "study_reminders"}, "opted_out"),
        ({"opted_out": ["no_such_topic"]}, "opted_out"),
        ({"opted_out": [1]}, "opted_out"),
        ({"opted_out": ["digests", "digests"]}, "opted_out"),
        ({"channels": ["email"]}, "channels"),
        ({"channels": {"no_such_topic": "email"}}, "channels"),
        ({"channels": {"digests": "sms"}}, "channels"),
        ({"channels": {"digests": True}}, "channels"),
        ({"language": "de"}, "language"),
        ({"language": 1}, "language"),
        ({"language": None}, "language"),
        ({"time_zone": "Mars/Olympus_Mons"}, "time_zone"),
        ({"time_zone": "../../etc/passwd"}, "time_zone"),
        ({"time_zone": 2}, "time_zone"),
        ({"quiet_from": "25:00"}, "quiet_from"),
        ({"quiet_from": 20}, "quiet_from"),
        ({"quiet_until": None}, "quiet_until"),
        ({"weekly_nudge_cap": 15}, "weekly_nudge_cap"),
        ({"weekly_nudge_cap": -1}, "weekly_nudge_cap"),
        ({"weekly_nudge_cap": "3"}, "weekly_nudge_cap"),
        ({"weekly_nudge_cap": 2.5}, "weekly_nudge_cap"),
        ({"weekly_nudge_cap": True}, "weekly_nudge_cap"),
        ({"paused_until": "tomorrow"}, "paused_until"),
        ({"paused_until": 20260401}, "paused_until"),
        ({"person": 5}, "person"),
    ],
)
def test_bad_input_is_refused_naming_the_field_and_nothing_is_written(aino, body, field):
    client = signed_in(aino)
    # A valid field beside the bad one: nothing of it may be saved either.
    answer = patch(client, {"weekly_nudge_cap": 7, "opted_out": ["digests"], **body})

    assert answer.status_code == 400
    assert field in answer.json()
    assert not Preference.objects.exists()
    assert not TopicOptOut.objects.exists()


@pytest.mark.parametrize("body", ["{not json", "[]", '"text"', "null"])
def test_a_body_that_is_not_a_json_object_is_refused(aino, body):
    answer = patch(signed_in(aino), body)

    assert answer.status_code == 400
    assert not Preference.objects.exists()


def test_anonymous_callers_are_refused(aino):
    assert Client().get(API).status_code in (401, 403)
    assert patch(Client(), {"weekly_nudge_cap": 1}).status_code in (401, 403)
    assert not Preference.objects.exists()


def test_a_login_without_a_person_gets_404(db):
    client = Client()
    client.force_login(UserFactory.create())

    assert client.get(API).status_code == 404


def test_a_person_changes_only_their_own_preferences(aino, mikko):
    Preference.objects.create(person=mikko, weekly_nudge_cap=2, language="fi")
    TopicOptOut.objects.create(person=mikko, topic="achievements")
    before = Preference.objects.filter(person=mikko).values().get()

    answer = patch(
        signed_in(aino),
        {"weekly_nudge_cap": 9, "language": "en", "opted_out": ["digests"]},
    )

    assert answer.status_code == 200
    assert Preference.objects.filter(person=mikko).values().get() == before
    assert opted_out_topics([mikko.pk, aino.pk]) == {
        mikko.pk: frozenset({"achievements"}),
        aino.pk: frozenset({"digests"}),
    }
    # There is no id in the URL: a path naming someone is not a route.
    assert signed_in(aino).get(f"{API}{mikko.pk}/").status_code == 404


def test_the_service_refuses_unknown_fields_and_topics(aino):
    with pytest.raises(TypeError, match="not preference fields"):
        preference_update(person_id=aino.pk, person_id_other=1)
    with pytest.raises(ValueError, match="unknown topic"):
        preference_update(person_id=aino.pk, opted_out=["no_such_topic"])
    assert not Preference.objects.exists()


# --- The signed page -----------------------------------------------------------------------------


def page(person) -> str:
    return preference_url(person_id=person.pk).removeprefix("https://kipina.example")


def test_the_page_shows_the_form_and_a_get_changes_nothing(aino):
    TopicOptOut.objects.create(person=aino, topic="digests")

    answer = Client().get(page(aino))

    assert answer.status_code == 200
    html = answer.content.decode()
    assert 'name="csrfmiddlewaretoken"' in html
    assert re.search(r'value="study_reminders"[^>]*checked', html)
    assert not re.search(r'value="digests"[^>]*checked', html)
    assert not Preference.objects.exists()
    assert opted_out_topics([aino.pk]) == {aino.pk: frozenset({"digests"})}


def test_the_page_saves_topics_and_pause_with_a_csrf_token(aino):
    client = Client(enforce_csrf_checks=True)
    client.get(page(aino))
    csrf = client.cookies["csrftoken"].value

    answer = client.post(
        page(aino),
        {
            "csrfmiddlewaretoken": csrf,
            "topics": ["study_reminders", "achievements"],
            "paused_until": "2026-06-01",
        },
    )

    assert answer.status_code == 200
    assert opted_out_topics([aino.pk]) == {
        aino.pk: frozenset(
            {"teacher_alerts", "employer_summaries", "digests", "events", "membership"}
        )
    }
    assert Preference.objects.get(person=aino).paused_until == dt.date(2026, 6, 1)


def test_a_post_without_a_csrf_token_is_refused(aino):
    answer = Client(enforce_csrf_checks=True).post(page(aino), {"topics": []})

    assert answer.status_code == 403
    assert not TopicOptOut.objects.exists()


def test_a_bad_date_on_the_page_saves_nothing(aino):
    answer = Client().post(page(aino), {"topics": [], "paused_until": "soon"})

    assert answer.status_code == 400
    assert not TopicOptOut.objects.exists()
    assert not Preference.objects.exists()


# Signed tokens carry their time: they are made in the test, not at collection, or the
# test ids would differ between pytest-xdist's workers.
FORGED = {
    "nonsense": lambda: "nonsense",
    "another feature's salt": lambda: signing.dumps({"p": 1}, salt="another.feature"),
    "a person id that is not a number": lambda: signing.dumps(
        {"p": "1"}, salt="kipina.notifications.preferences"
    ),
    "an unsubscribe token": lambda: signing.dumps(
        {"p": 1, "t": "study_reminders"}, salt="kipina.notifications.unsubscribe"
    ),
}


@pytest.mark.parametrize("forged", sorted(FORGED))
def test_forged_tokens_get_404(aino, forged):
    token = FORGED[forged]()
    assert Client().get(f"/notifications/preferences/{token}/").status_code == 404
    assert Client().post(f"/notifications/preferences/{token}/", {"topics": []}).status_code == 404
    assert not TopicOptOut.objects.exists()


def test_an_altered_token_gets_404(aino, mikko):
    token = preference_token(person_id=aino.pk)
    altered = token.replace(token.split(":")[0], signing.dumps({"p": mikko.pk}).split(":")[0])

    assert Client().get(f"/notifications/preferences/{altered}/").status_code == 404


def test_an_expired_token_gets_404(aino, monkeypatch, settings):
    settings.KIPINA_NOTIFY_PREFERENCE_LINK_MAX_AGE_DAYS = 30
    real = time.time
    with monkeypatch.context() as patched:
        patched.setattr("django.core.signing.time.time", lambda: real() - 31 * 86400)
        old = preference_token(person_id=aino.pk)
    with monkeypatch.context() as patched:
        patched.setattr("django.core.signing.time.time", lambda: real() - 29 * 86400)
        recent = preference_token(person_id=aino.pk)

    assert Client().get(f"/notifications/preferences/{old}/").status_code == 404
    assert Client().post(f"/notifications/preferences/{old}/", {"topics": []}).status_code == 404
    assert not TopicOptOut.objects.exists()
    assert Client().get(f"/notifications/preferences/{recent}/").status_code == 200


def test_a_token_of_a_person_no_longer_in_the_directory_gets_404(aino):
    url = page(aino)
    aino.delete()

    assert Client().get(url).status_code == 404
