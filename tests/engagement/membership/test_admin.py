"""The admin actions approve and decline through the same services as the API."""

import pytest
from django.test import Client

from engagement.membership.models import MembershipApplication

pytestmark = pytest.mark.django_db

CHANGELIST = "/admin/membership/membershipapplication/"


@pytest.fixture
def staff(admin_user) -> Client:
    admin_user.is_staff = admin_user.is_superuser = True
    admin_user.save(update_fields=["is_staff", "is_superuser"])
    client = Client()
    client.force_login(admin_user)
    return client


def act(staff: Client, action: str, application: MembershipApplication):
    return staff.post(
        CHANGELIST, {"action": action, "_selected_action": [application.pk]}, follow=True
    )


def test_the_approve_action_approves(staff, application):
    act(staff, "approve", application)

    application.refresh_from_db()
    assert application.status == "approved"
    assert application.organisation is not None


def test_the_decline_action_needs_the_reason_written_first(staff, application):
    response = act(staff, "decline", application)

    application.refresh_from_db()
    assert application.status == "pending"
    assert "reason" in response.content.decode()


def test_the_decline_action_uses_the_written_reason(staff, application):
    MembershipApplication.objects.filter(pk=application.pk).update(decline_reason="Not yet.")

    act(staff, "decline", application)

    application.refresh_from_db()
    assert application.status == "declined"
    assert application.decline_reason == "Not yet."


def test_the_changelist_shows(staff, application):
    assert staff.get(CHANGELIST).status_code == 200
