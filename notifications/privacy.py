"""The delivery room's part of a person's export and erasure."""

import json
from collections import Counter
from typing import Any

from django.db import transaction
from django.db.models import Q, QuerySet

from engagement.network.models import Person
from notifications.models import (
    DeliveryAttempt,
    EmailEvent,
    Notification,
    Preference,
    Suppression,
    TopicOptOut,
)
from notifications.selectors import preferences_shown

# What an erased person's name becomes in other people's messages that named them.
ERASED = "[erased]"


def deliveries_export(person: Person) -> list[dict[str, Any]]:
    """The person's notifications and every attempt to deliver them. Left out: the
    idempotency key, the template context and the provider's raw responses (the provider's
    message ids and our keys are no data about the person, and would help forge webhooks)."""
    notifications = (
        Notification.objects.filter(person=person)
        .prefetch_related("delivery_attempts")
        .order_by("pk")
    )
    return [
        {
            "topic": n.topic,
            "status": n.status,
            "channel": n.channel,
            "subject": n.subject,
            "body": n.body,
            "created_at": n.created_at,
            "sent_at": n.sent_at,
            "read_at": n.read_at,
            "provider_state": n.provider_state or None,
            "delivered_at": n.delivered_at,
            "opened_at": n.opened_at,
            "clicked_at": n.clicked_at,
            "bounced_at": n.bounced_at,
            "attempts": [
                {
                    "number": a.number,
                    "channel": a.channel,
                    "outcome": a.outcome,
                    "status_code": a.status_code,
                    "error": a.error,
                    "started_at": a.started_at,
                    "finished_at": a.finished_at,
                }
                for a in n.delivery_attempts.all()
            ],
        }
        for n in notifications
    ]


def preferences_export(person: Person) -> dict[str, object]:
    return preferences_shown(person)


def _theirs(person: Person) -> QuerySet[Notification]:
    """The person's notifications, and those that deliver a decision about one of their
    enrolments to someone else (a teacher's alert): the rules room deletes those decisions."""
    return Notification.objects.filter(
        Q(person=person) | Q(decision__enrolment__learner=person) | Q(decision__person=person)
    )


@transaction.atomic
def deliveries_erase(*, person: Person, full_name: str) -> Counter[str]:
    """Delete the person's notifications (the outbox included) with their attempts and
    provider events, their preferences and opt-outs, and the suppression of their address;
    in other people's messages (a digest, a teacher's summary) the name becomes [erased].

    The suppression goes with the address: nothing is sent to a person who no longer
    exists, and keeping the address to block it would keep the address."""
    counts: Counter[str] = Counter()
    email = person.email.lower()
    events = EmailEvent.objects.filter(notification__in=_theirs(person))
    if email:
        events = EmailEvent.objects.filter(Q(pk__in=events.values("pk")) | Q(email__iexact=email))
    counts.update(events.delete()[1])
    counts.update(DeliveryAttempt.objects.filter(notification__in=_theirs(person)).delete()[1])
    counts.update(_theirs(person).delete()[1])
    for rows in (
        Preference.objects.filter(person=person),
        TopicOptOut.objects.filter(person=person),
        Suppression.objects.filter(email__iexact=email) if email else Suppression.objects.none(),
    ):
        counts.update(rows.delete()[1])
    counts["notifications.Notification (name redacted)"] += _redact(full_name)
    return counts


def _redact(name: str) -> int:
    """Replace the name in other people's stored messages. A text search of the
    notifications, run only at an erasure."""
    if not name.strip():
        return 0
    mentioning = Notification.objects.filter(
        Q(subject__contains=name) | Q(body__contains=name)
    ).only("subject", "body", "context")
    redacted = 0
    for notification in mentioning.iterator(chunk_size=200):
        notification.subject = notification.subject.replace(name, ERASED)
        notification.body = notification.body.replace(name, ERASED)
        text = json.dumps(notification.context, ensure_ascii=False)
        if name in text:
            notification.context = json.loads(text.replace(name, ERASED))
        notification.save(update_fields=["subject", "body", "context"])
        redacted += 1
    return redacted
