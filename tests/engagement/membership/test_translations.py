"""The welcome e-mail and the pages in Finnish and Swedish (engagement/membership/locale)."""

import pytest
from django.utils import timezone

from engagement.membership import services
from notifications.models import Notification
from notifications.rendering import notification_render

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("language", "expected"),
    [
        ("fi", ["Tervetuloa akkuverkostoon", "xAPI-osoite:", "Avain:", "Lähetä testilauseke"]),
        ("sv", ["Välkommen till batterinätverket", "xAPI-adress:", "Nyckel:", "testpåstående"]),
        ("en", ["Welcome to the battery network", "xAPI endpoint:", "Key:", "test statement"]),
    ],
)
def test_the_welcome_email_is_in_the_contacts_language(application, admin_user, language, expected):
    services.application_approve(
        application_id=application.pk, decided_by=admin_user, now=timezone.now()
    )
    welcome = Notification.objects.get(template="membership_welcome")

    email = notification_render(welcome, language=language, unsubscribe_url="https://k.example/u")

    for text in expected:
        assert text in email.subject + email.text
    assert "X-Experience-API-Version: 1.0.3" in email.text
    assert "/join/secret/" in email.html


@pytest.mark.parametrize(
    ("language", "heading"),
    [("fi", "Liity verkostoon"), ("sv", "Gå med i nätverket"), ("en", "Join the network")],
)
def test_the_join_page_speaks_the_visitors_language(client, language, heading):
    page = client.get("/join/", HTTP_ACCEPT_LANGUAGE=language).content.decode()

    assert f"<h1>{heading}</h1>" in page


def test_the_directory_speaks_swedish(client, db):
    page = client.get("/members/", HTTP_ACCEPT_LANGUAGE="sv").content.decode()

    assert "Nätverkets medlemmar" in page
