from celery import shared_task
from django.utils import timezone

from engagement.membership.services import declined_emails_send


@shared_task(name="membership.declined_emails")
def declined_emails() -> int:
    """Beat: e-mail declined applicants the request could not reach. Idempotent: each
    application is claimed by a conditional UPDATE of `decline_emailed_at` before sending."""
    return declined_emails_send(now=timezone.now())
