import datetime as dt

from celery import shared_task
from django.conf import settings
from django.utils import timezone

from notifications import selectors, services
from notifications.channels import email_connection
from notifications.digests import selectors as digest_selectors
from notifications.digests import services as digest_services
from notifications.models import Notification


@shared_task(name="notifications.outbox", acks_late=True)
def notifications_outbox() -> int:
    """Beat: notifications for new rule decisions. Idempotent: a decision has at most one
    notification (a unique constraint; conflicts are ignored)."""
    return services.notifications_from_decisions(now=timezone.now())


@shared_task(name="notifications.dispatch")
def notifications_dispatch() -> int:
    """Beat (and kicked after new notifications): recover claims of dead workers, then fan
    the due notifications out in small batches. Selecting the same ids twice is harmless:
    only one delivery claims each."""
    now = timezone.now()
    services.notifications_recover_stale(now=now)
    due = selectors.due_notification_ids(now=now, limit=settings.KIPINA_NOTIFY_DISPATCH_LIMIT)
    size = settings.KIPINA_NOTIFY_DELIVER_BATCH
    for start in range(0, len(due), size):
        notifications_deliver.delay(due[start : start + size])
    return len(due)


@shared_task(name="notifications.deliver", acks_late=True)
def notifications_deliver(notification_ids: list[int]) -> int:
    """Deliver these notifications; the count this task delivered or settled. Idempotent by
    the claim (a conditional UPDATE): a redelivered task finds them claimed or done.

    One that goes back to pending means the provider failed or asked us to wait. After a
    failure the rest are left unclaimed for the next dispatch, so an outage costs one attempt
    (and at most one timeout) per batch rather than one per message. While the provider's
    pause runs the batch goes on: its e-mails wait at no cost, its in-app messages go now."""
    handled = 0
    with email_connection() as connection:
        for notification_id in notification_ids:
            now = timezone.now()
            status = services.notification_deliver(
                notification_id=notification_id, now=now, connection=connection
            )
            handled += status is not None
            if status == Notification.Status.PENDING and not services.email_paused_until(now=now):
                break
    return handled


@shared_task(name="notifications.digests")
def notifications_digests() -> int:
    """Beat (daily): fan the people who may get a digest out in batches of ids, each audience
    apart; the count fanned out. One `now` for the run, so every batch looks at the same
    periods. Running it twice is harmless: see notifications_digest_batch."""
    now = timezone.now().isoformat()
    size = settings.KIPINA_DIGEST_BATCH
    fanned = 0
    for audience in digest_selectors.AUDIENCES:
        people = digest_selectors.digest_audience(audience)
        for start in range(0, len(people), size):
            notifications_digest_batch.delay(audience, people[start : start + size], now)
        fanned += len(people)
    return fanned


@shared_task(name="notifications.digest_batch", acks_late=True)
def notifications_digest_batch(audience: str, person_ids: list[int], now: str) -> int:
    """Digest notifications for a batch of people; the count made. Idempotent by the unique
    idempotency key `digest:<audience>:<person>:<period>`: a second run finds them made."""
    return digest_services.digests_create(
        audience=audience, person_ids=person_ids, now=dt.datetime.fromisoformat(now)
    )
