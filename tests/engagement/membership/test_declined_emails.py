"""The decline e-mail: sent once, and retried by the beat task when sending failed."""

from collections.abc import Sequence

import pytest
from django.core import mail
from django.core.mail import EmailMessage
from django.core.mail.backends.base import BaseEmailBackend
from django.utils import timezone

from engagement.membership import services
from engagement.membership.tasks import declined_emails

pytestmark = pytest.mark.django_db


class DownBackend(BaseEmailBackend):
    """A mail provider that cannot be reached."""

    def send_messages(self, email_messages: Sequence[EmailMessage]) -> int:
        raise OSError("connection refused")


@pytest.fixture
def declined(application, admin_user):
    return services.application_decline(
        application_id=application.pk, decided_by=admin_user, reason="Not now.", now=timezone.now()
    )


def test_the_task_sends_once_however_often_it_runs(declined):
    assert declined_emails() == 1
    assert declined_emails() == 0
    assert len(mail.outbox) == 1


def test_a_failed_send_is_released_and_retried(declined, settings):
    settings.EMAIL_BACKEND = f"{__name__}.DownBackend"
    assert declined_emails() == 0
    declined.refresh_from_db()
    assert declined.decline_emailed_at is None

    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    assert declined_emails() == 1
    declined.refresh_from_db()
    assert declined.decline_emailed_at == timezone.now()


def test_a_failed_send_does_not_undo_the_decision(
    application, admin_user, settings, django_capture_on_commit_callbacks
):
    settings.EMAIL_BACKEND = f"{__name__}.DownBackend"

    with django_capture_on_commit_callbacks(execute=True):
        services.application_decline(
            application_id=application.pk, decided_by=admin_user, reason="No.", now=timezone.now()
        )

    application.refresh_from_db()
    assert application.status == "declined"
    assert application.decline_emailed_at is None
