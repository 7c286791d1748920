"""One-click unsubscribe without a login (RFC 8058): the link from an e-mail's
List-Unsubscribe header, signed; a GET changes nothing, a POST opts out."""

import re

import pytest
from django.core import mail
from django.test import Client

from notifications.links import unsubscribe_token, unsubscribe_url
from notifications.models import TopicOptOut
from notifications.selectors import opted_out_topics
from notifications.services import notification_deliver
from tests.notifications.conftest import NOON, nudge

pytestmark = pytest.mark.django_db


def path_of(url: str) -> str:
    return url.removeprefix("https://kipina.example")


def test_the_link_in_the_email_unsubscribes_with_one_post(aino):
    notification_deliver(notification_id=nudge(aino).pk, now=NOON)
    header = mail.outbox[0].extra_headers["List-Unsubscribe"]
    url = re.fullmatch(r"<(https://[^>]+)>", header)
    assert url is not None

    # RFC 8058 §3.2: the mail client posts List-Unsubscribe=One-Click, with no cookies.
    answer = Client(enforce_csrf_checks=True).post(
        path_of(url.group(1)),
        "List-Unsubscribe=One-Click",
        content_type="application/x-www-form-urlencoded",
    )

    assert answer.status_code == 200
    assert opted_out_topics([aino.pk]) == {aino.pk: frozenset({"study_reminders"})}


def test_a_get_shows_a_button_and_changes_nothing(aino):
    answer = Client().get(path_of(unsubscribe_url(person_id=aino.pk, topic="study_reminders")))

    assert answer.status_code == 200
    assert b'<form method="post">' in answer.content
    assert b"Stop messages about Study reminders?" in answer.content
    assert not TopicOptOut.objects.exists()


def test_unsubscribing_twice_is_harmless(aino):
    path = path_of(unsubscribe_url(person_id=aino.pk, topic="achievements"))

    first, second = Client().post(path), Client().post(path)

    assert (first.status_code, second.status_code) == (200, 200)
    assert TopicOptOut.objects.get().topic == "achievements"


@pytest.mark.parametrize(
    "token",
    [
        "not-a-token",
        # Signed, but another person's id swapped in: the signature no longer matches.
        "SWAP",
        # Genuine signature over a topic that does not exist.
        "BADTOPIC",
    ],
)
def test_a_forged_or_altered_link_is_refused(aino, mikko, token):
    if token == "SWAP":
        genuine = unsubscribe_token(person_id=aino.pk, topic="study_reminders")
        other = unsubscribe_token(person_id=mikko.pk, topic="study_reminders")
        token = other.split(":")[0] + ":" + genuine.split(":", 1)[1]
    elif token == "BADTOPIC":
        token = unsubscribe_token(person_id=aino.pk, topic="everything")

    answer = Client().post(f"/notifications/unsubscribe/{token}/")

    assert answer.status_code == 404
    assert b"This link does not work" in answer.content
    assert not TopicOptOut.objects.exists()


def test_other_methods_are_refused(aino):
    path = path_of(unsubscribe_url(person_id=aino.pk, topic="study_reminders"))

    assert Client().delete(path).status_code == 405
