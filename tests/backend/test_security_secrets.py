"""No secret is stored as it is: each is hashed, signed (and then not stored at all), or,
for sessions, stored by digest. Each test makes a secret the way the product does, then reads
every row of every table and looks for the plain value."""

import datetime as dt

import pytest
from django.apps import apps
from django.contrib.auth import get_user_model
from django.contrib.sessions.models import Session
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from engagement.badges.models import BadgeShare
from engagement.badges.selectors import share_token
from engagement.badges.services import badge_share_set
from engagement.membership.models import MembershipApplication
from engagement.membership.services import application_approve, secret_link_token, secret_reveal
from engagement.network.models import Person
from learning_records.services import lrs_client_create
from notifications.links import preference_token, unsubscribe_token
from tests.engagement.membership.conftest import application_data

pytestmark = pytest.mark.django_db

PASSWORD = "correct horse battery staple"


def stored_text() -> str:
    """Every value of every row of every table, as text."""
    values: list[str] = []
    for model in apps.get_models(include_auto_created=True):
        for row in model._base_manager.values_list():
            values.extend(str(value) for value in row)
    return "\n".join(values)


def test_an_lrs_client_secret_is_stored_as_a_password_hash(organisation):
    client, secret = lrs_client_create(organisation=organisation, name="Moodle", key="moodle")

    assert secret not in stored_text()
    assert client.secret_hash.startswith(("pbkdf2_sha256$", "md5$"))  # md5: the tests' hasher


def test_a_password_is_stored_as_a_hash():
    get_user_model().objects.create_user("aino", password=PASSWORD)

    assert PASSWORD not in stored_text()


def test_a_session_key_is_not_stored_only_its_digest():
    get_user_model().objects.create_user("aino", password=PASSWORD)
    browser = Client()
    browser.post("/accounts/login/", {"username": "aino", "password": PASSWORD})
    cookie = browser.cookies["sessionid"].value

    assert cookie not in stored_text()
    assert Session.objects.count() == 1
    assert browser.get("/me/").status_code != 302  # the cookie still logs the browser in


def test_a_stolen_session_row_does_not_log_anyone_in():
    get_user_model().objects.create_user("aino", password=PASSWORD)
    Client().post("/accounts/login/", {"username": "aino", "password": PASSWORD})
    thief = Client()
    thief.cookies["sessionid"] = Session.objects.get().session_key

    response = thief.get("/me/")

    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_logging_out_deletes_the_session_row():
    get_user_model().objects.create_user("aino", password=PASSWORD)
    browser = Client()
    browser.post("/accounts/login/", {"username": "aino", "password": PASSWORD})

    browser.post("/accounts/logout/")

    assert not Session.objects.exists()


def test_the_one_time_secret_link_and_the_secret_it_shows_are_not_stored():
    admin = get_user_model().objects.create_superuser("root", password=PASSWORD)
    application = MembershipApplication.objects.create(**application_data())
    application_approve(application_id=application.pk, decided_by=admin, now=timezone.now())
    application.refresh_from_db()
    token = secret_link_token(application)

    revealed = secret_reveal(token=token, now=timezone.now() + dt.timedelta(minutes=1))

    assert revealed is not None
    text = stored_text()
    assert token not in text
    assert revealed.secret not in text


def test_unsubscribe_and_preference_links_are_signed_not_stored(organisation):
    person = Person.objects.create(given_name="Aino", family_name="Virtanen")
    tokens = [
        unsubscribe_token(person_id=person.pk, topic="study_reminders"),
        preference_token(person_id=person.pk),
    ]

    text = stored_text()

    assert not [token for token in tokens if token in text]


def test_the_public_badge_link_is_signed_and_its_stored_id_alone_opens_nothing():
    person = Person.objects.create(given_name="Aino", family_name="Virtanen")
    share = badge_share_set(person=person, enabled=True)
    token = share_token(share)

    assert token not in stored_text()
    assert Client().get(reverse("badges:shared", args=[token])).status_code == 200
    stolen = BadgeShare.objects.get().link_id  # what a copy of the database gives a thief
    assert Client().get(reverse("badges:shared", args=[stolen])).status_code == 404
    forged = f"{stolen}:{'A' * 43}"
    assert Client().get(reverse("badges:shared", args=[forged])).status_code == 404


def test_a_badge_link_made_with_another_secret_key_opens_nothing(settings):
    person = Person.objects.create(given_name="Aino", family_name="Virtanen")
    share = badge_share_set(person=person, enabled=True)
    settings.SECRET_KEY = "another key of at least fifty characters, made elsewhere entirely"
    elsewhere = share_token(share)
    settings.SECRET_KEY_FALLBACKS = []
    settings.SECRET_KEY = "the key this site really signs with, also fifty characters long!!"

    assert Client().get(reverse("badges:shared", args=[elsewhere])).status_code == 404
    assert Client().get(reverse("badges:shared", args=[share_token(share)])).status_code == 200


def test_a_badge_link_survives_a_key_rotation_while_the_old_key_is_a_fallback(settings):
    person = Person.objects.create(given_name="Aino", family_name="Virtanen")
    share = badge_share_set(person=person, enabled=True)
    before = share_token(share)

    settings.SECRET_KEY_FALLBACKS = [settings.SECRET_KEY]
    settings.SECRET_KEY = "the new key after a rotation, at least fifty characters long!!!!"

    assert Client().get(reverse("badges:shared", args=[before])).status_code == 200
    settings.SECRET_KEY_FALLBACKS = []
    assert Client().get(reverse("badges:shared", args=[before])).status_code == 404
