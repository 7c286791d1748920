"""The in-app inbox under /api/notifications/: a person lists, counts and marks only their
own notifications; another's answer 404; malformed input and anonymous callers are refused."""

import json
from typing import Any

import pytest
from django.test import Client

from notifications.models import Notification, Preference, Topic
from notifications.services import notification_deliver
from tests.factories import PersonFactory, UserFactory
from tests.notifications.conftest import NOON, nudge, signed_in

pytestmark = pytest.mark.django_db

LIST = "/api/notifications/"
COUNT = "/api/notifications/unread-count/"
ALL_READ = "/api/notifications/read-all/"


def shown(person, count: int = 1) -> list[Notification]:
    """`count` notifications delivered to the person's inbox."""
    Preference.objects.get_or_create(
        person=person, defaults={"channels": {"achievements": "in_app"}}
    )
    made = [nudge(person, topic=Topic.ACHIEVEMENTS) for _ in range(count)]
    for notification in made:
        notification_deliver(notification_id=notification.pk, now=NOON)
        notification.refresh_from_db()
    return made


def patch(client: Client, path: str, body) -> Any:
    data = body if isinstance(body, str) else json.dumps(body)
    return client.patch(path, data, content_type="application/json")


def post(client: Client, path: str, body) -> Any:
    data = body if isinstance(body, str) else json.dumps(body)
    return client.post(path, data, content_type="application/json")


def test_a_person_lists_their_own_notifications_newest_first(aino, mikko):
    client = signed_in(aino)
    older, newer = shown(aino, 2)
    shown(mikko)

    answer = client.get(LIST)

    assert answer.status_code == 200
    body = answer.json()
    assert body["count"] == 2
    assert [n["id"] for n in body["results"]] == [newer.pk, older.pk]
    assert body["results"][0] == {
        "id": newer.pk,
        "topic": "achievements",
        "subject": "Hienoa, Aino!",
        "body": newer.body,
        "sent_at": "2026-03-04T12:00:00+02:00",
        "read_at": None,
        "read": False,
    }


def test_the_list_is_paginated_without_a_query_per_row(aino, django_assert_num_queries):
    client = signed_in(aino)
    shown(aino, 3)
    client.get(LIST)  # the session and the person are read once per request anyway

    with django_assert_num_queries(5):
        answer = client.get(LIST, {"page_size": 2})

    assert (answer.json()["count"], len(answer.json()["results"])) == (3, 2)
    assert answer.json()["next"] is not None


def test_email_and_undelivered_notifications_are_not_in_the_inbox(aino):
    client = signed_in(aino)
    notification_deliver(notification_id=nudge(aino).pk, now=NOON)  # an e-mail
    nudge(aino)  # still pending

    assert client.get(LIST).json()["count"] == 0


def test_unread_count_and_marking_one_read_and_unread_again(aino):
    client = signed_in(aino)
    first, _ = shown(aino, 2)

    before = client.get(COUNT).json()
    read = patch(client, f"{LIST}{first.pk}/", {"read": True})
    after = client.get(COUNT).json()
    unread = patch(client, f"{LIST}{first.pk}/", {"read": False})

    assert before == {"unread": 2}
    assert read.status_code == 200
    assert read.json()["read"] is True
    assert after == {"unread": 1}
    assert unread.json()["read_at"] is None
    assert client.get(COUNT).json() == {"unread": 2}


def test_marking_all_read_stops_at_the_newest_the_person_saw(aino):
    client = signed_in(aino)
    _, second, _ = shown(aino, 3)

    partly = post(client, ALL_READ, {"up_to": second.pk})
    rest = post(client, ALL_READ, {})

    assert partly.json() == {"marked": 2}
    assert rest.json() == {"marked": 1}
    assert client.get(COUNT).json() == {"unread": 0}


def test_another_persons_notification_is_not_found(aino, mikko):
    client = signed_in(aino)
    [theirs] = shown(mikko)

    answer = patch(client, f"{LIST}{theirs.pk}/", {"read": True})
    marked = post(client, ALL_READ, {})

    assert answer.status_code == 404
    assert marked.json() == {"marked": 0}
    theirs.refresh_from_db()
    assert theirs.read_at is None


@pytest.mark.parametrize(
    ("body", "field", "message"),
    [
        ({"read": "yes"}, "read", "Must be true or false."),
        ({"read": 1}, "read", "Must be true or false."),
        ({"read": None}, "read", "This field may not be null."),
        ({}, "read", "This field is required."),
    ],
)
def test_marking_read_refuses_wrong_types(aino, body, field, message):
    client = signed_in(aino)
    [notification] = shown(aino)

    answer = patch(client, f"{LIST}{notification.pk}/", body)

    assert answer.status_code == 400
    assert answer.json() == {field: [message]}


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({"up_to": "5"}, "Must be a whole number."),
        ({"up_to": True}, "Must be a whole number."),
        ({"up_to": 1.5}, "Must be a whole number."),
        ({"up_to": 0}, "Ensure this value is greater than or equal to 1."),
    ],
)
def test_marking_all_read_refuses_wrong_types(aino, body, message):
    client = signed_in(aino)
    shown(aino)

    answer = post(client, ALL_READ, body)

    assert answer.status_code == 400
    assert answer.json() == {"up_to": [message]}
    assert client.get(COUNT).json() == {"unread": 1}


@pytest.mark.parametrize("body", ['{"read": tru', "[1, 2", "\x00"])
def test_malformed_json_is_refused(aino, body):
    client = signed_in(aino)
    [notification] = shown(aino)

    answer = patch(client, f"{LIST}{notification.pk}/", body)

    assert answer.status_code == 400
    assert "JSON parse error" in answer.json()["detail"]


def test_a_body_that_is_not_json_is_refused(aino):
    client = signed_in(aino)

    answer = client.post(ALL_READ, "up_to=5", content_type="application/x-www-form-urlencoded")

    assert answer.status_code == 415


@pytest.mark.parametrize(
    ("method", "path"),
    [("get", LIST), ("get", COUNT), ("post", ALL_READ), ("patch", f"{LIST}1/")],
)
def test_anonymous_callers_are_refused(aino, method, path):
    [notification] = shown(aino)

    answer = getattr(Client(), method)(path.replace("1/", f"{notification.pk}/"))

    assert answer.status_code == 403
    notification.refresh_from_db()
    assert notification.read_at is None


def test_a_login_without_a_person_gets_404(db):
    client = Client()
    client.force_login(UserFactory.create())

    answer = client.get(LIST)

    assert answer.status_code == 404
    assert answer.json() == {"detail": "Your login is not linked to a person in the directory."}


def test_a_person_without_notifications_gets_an_empty_inbox(db):
    client = signed_in(PersonFactory.create())

    assert client.get(LIST).json()["results"] == []
    assert client.get(COUNT).json() == {"unread": 0}
