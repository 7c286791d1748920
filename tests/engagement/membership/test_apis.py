"""POST /api/membership/applications/<id>/approve|decline: who may, and bad input."""

import pytest
from django.core import mail
from rest_framework.test import APIClient

from engagement.membership.models import MembershipApplication
from tests.engagement.membership.conftest import application_data
from tests.factories import PersonFactory, UserFactory

pytestmark = pytest.mark.django_db


def url(application_id: int, decision: str) -> str:
    return f"/api/membership/applications/{application_id}/{decision}"


def test_an_administrator_approves(admin_api, application):
    response = admin_api.post(url(application.pk, "approve"), {}, format="json")

    assert response.status_code == 200, response.data
    assert response.data["status"] == "approved"
    assert response.data["organisation"] is not None


def test_a_second_approval_is_a_conflict(admin_api, application):
    admin_api.post(url(application.pk, "approve"), {}, format="json")

    response = admin_api.post(url(application.pk, "approve"), {}, format="json")

    assert response.status_code == 409
    assert "already" in response.data["detail"]


def test_declining_an_approved_application_is_a_conflict(admin_api, application):
    admin_api.post(url(application.pk, "approve"), {}, format="json")

    response = admin_api.post(url(application.pk, "decline"), {"reason": "No."}, format="json")

    assert response.status_code == 409


def test_an_administrator_declines_with_a_reason(
    admin_api, application, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = admin_api.post(
            url(application.pk, "decline"), {"reason": "Outside the value chain."}, format="json"
        )

    assert response.status_code == 200
    assert response.data["decline_reason"] == "Outside the value chain."
    assert "Outside the value chain." in mail.outbox[0].body


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({}, "reason"),
        ({"reason": ""}, "reason"),
        ({"reason": ["a list"]}, "reason"),
        ({"reason": "x" * 2001}, "reason"),
    ],
)
def test_a_decline_needs_a_reason_as_text(admin_api, application, body, field):
    response = admin_api.post(url(application.pk, "decline"), body, format="json")

    assert response.status_code == 400
    assert field in response.data
    application.refresh_from_db()
    assert application.status == "pending"


@pytest.mark.parametrize("decision", ["approve", "decline"])
def test_malformed_json_is_refused(admin_api, application, decision):
    response = admin_api.post(
        url(application.pk, decision), '{"reason": ', content_type="application/json"
    )

    assert response.status_code == 400
    assert "JSON parse error" in response.data["detail"]


@pytest.mark.parametrize("decision", ["approve", "decline"])
def test_a_body_that_is_not_an_object_is_refused(admin_api, application, decision):
    response = admin_api.post(url(application.pk, decision), ["reason"], format="json")

    assert response.status_code == 400
    assert "JSON object" in str(response.data["detail"])


@pytest.mark.parametrize("decision", ["approve", "decline"])
def test_an_unknown_application_is_not_found(admin_api, decision):
    response = admin_api.post(url(999999, decision), {"reason": "x"}, format="json")

    assert response.status_code == 404


@pytest.mark.parametrize("decision", ["approve", "decline"])
def test_anonymous_is_refused(application, decision):
    response = APIClient().post(url(application.pk, decision), {"reason": "x"}, format="json")

    assert response.status_code == 403
    application.refresh_from_db()
    assert application.status == "pending"


@pytest.mark.parametrize("decision", ["approve", "decline"])
def test_a_person_who_is_not_an_administrator_is_refused(application, decision):
    user = UserFactory.create(username="teacher")
    PersonFactory.create(user=user)
    client = APIClient()
    client.force_authenticate(user)

    response = client.post(url(application.pk, decision), {"reason": "x"}, format="json")

    assert response.status_code == 403
    assert "network administrator" in str(response.data["detail"])
    assert MembershipApplication.objects.get().status == "pending"


def test_an_oversize_body_is_refused(admin_api, application, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000

    response = admin_api.post(url(application.pk, "decline"), {"reason": "x" * 5000}, format="json")

    assert response.status_code == 400, response.status_code
    application.refresh_from_db()
    assert application.status == "pending"


def test_an_application_the_directory_refuses_is_a_bad_request(admin_api, db):
    # Written past the form's validation, as an admin edit could leave it.
    broken = MembershipApplication.objects.create(**application_data(website="not a url"))

    response = admin_api.post(url(broken.pk, "approve"), {}, format="json")

    assert response.status_code == 400
    assert "directory refused" in response.data["detail"]
    broken.refresh_from_db()
    assert broken.status == "pending"
