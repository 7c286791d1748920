"""Join, approve, connect, end to end over real HTTP: an organisation applies through the
public form, an administrator approves it through the API, its contact reads the LRS secret
through the one-time link in the welcome e-mail, and its LMS (Rustici's tincan client) posts
a statement that is stored in the new member's own tenant."""

import re
import uuid

import pytest
import requests
from tincan import RemoteLRS, Statement

from engagement.membership.models import MembershipApplication
from learning_records.models import Statement as StoredStatement
from notifications.models import Notification
from notifications.rendering import notification_render
from tests.engagement.membership.conftest import application_data

pytestmark = [pytest.mark.live, pytest.mark.django_db(transaction=True)]


def found(pattern: str, text: str, group: int = 0) -> str:
    match = re.search(pattern, text)
    assert match is not None, f"{pattern} not in {text}"
    return match[group]


def csrf_post(session: requests.Session, url: str, **kwargs) -> requests.Response:
    """A POST as a browser makes it: the CSRF cookie from a GET first, echoed back."""
    session.get(url)
    token = session.cookies["csrftoken"]
    data = {**kwargs.pop("data", {}), "csrfmiddlewaretoken": token}
    return session.post(url, data=data, headers={"Referer": url}, **kwargs)


def test_a_new_provider_joins_and_its_lms_posts_a_statement(live_server, settings, admin_user):
    # admin_user: pytest-django's superuser (password "password"), a network administrator.
    settings.KIPINA_PUBLIC_URL = live_server.url
    applicant, administrator, contact = (requests.Session() for _ in range(3))

    applied = csrf_post(applicant, f"{live_server.url}/join/", data=application_data())
    assert applied.status_code == 200
    assert applied.url.endswith("/join/thanks/")
    application = MembershipApplication.objects.get()

    logged_in = csrf_post(
        administrator,
        f"{live_server.url}/accounts/login/",
        data={"username": admin_user.username, "password": "password"},
        allow_redirects=False,
    )
    assert logged_in.status_code == 302
    approved = administrator.post(
        f"{live_server.url}/api/membership/applications/{application.pk}/approve",
        json={},
        headers={"X-CSRFToken": administrator.cookies["csrftoken"] or ""},
    )
    assert approved.status_code == 200, approved.text
    organisation_id = approved.json()["organisation"]

    welcome = Notification.objects.get(template="membership_welcome")
    email = notification_render(welcome, language="en", unsubscribe_url="https://x.example/u")
    secret_url = found(r"https?://\S+/join/secret/\S+/", email.text, 0)
    key = found(r"Key: (\S+)", email.text, 1)
    endpoint = found(r"xAPI endpoint: (\S+)", email.text, 1)
    assert endpoint == f"{live_server.url}/xapi/"
    page = csrf_post(contact, secret_url).text
    secret = found(r'<code id="secret">([^<]+)</code>', page, 1)
    assert csrf_post(contact, secret_url).status_code == 404

    lms = RemoteLRS(endpoint=endpoint, username=key, password=secret, version="1.0.3")
    sent = Statement(
        {
            "id": str(uuid.uuid4()),
            "actor": {"mbox": "mailto:test@example.com"},
            "verb": {"id": "http://adlnet.gov/expapi/verbs/experienced"},
            "object": {"id": "https://example.com/kipina-connection-test"},
        }
    )
    response = lms.save_statement(sent)

    assert response.success, (response.response.status, response.data)
    stored = StoredStatement.objects.get(statement_id=sent.id)
    assert stored.organisation_id == organisation_id
