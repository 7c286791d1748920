"""Writes of the notifications room: notifications made from rule decisions (the outbox),
the dispatcher that delivers them under the person's preferences, the inbox's read marks
and unsubscribes.

The dispatcher's guarantees, each with the mechanism that gives it:
- one sender per notification: a conditional UPDATE claims it (pending/deferred -> claimed);
- preferences hold at send time, not only when the rule decided: they are read after the
  claim, on every try;
- at most one e-mail per idempotency key: an attempt row is committed before the provider
  is called, and a claim found stale with such an attempt `started` is failed, not resent;
- the weekly cap holds under concurrency: the count and the release happen under a lock on
  the person's row;
- no e-mail goes to a suppressed address (a bounce, spam report or unsubscribe that SendGrid's
  Event Webhook reported): checked after the channel is chosen, on every try;
- a 429's Retry-After holds for every e-mail, not only the refused one: the pause is kept in
  the cache that all workers share, and a send due within it waits without an attempt.
"""

import datetime as dt
import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.core.mail.backends.base import BaseEmailBackend
from django.db import IntegrityError, transaction
from django.db.models import Exists, OuterRef
from django.template import TemplateDoesNotExist
from django.utils import timezone
from django.utils.translation import gettext as _

from backend.celery import kick
from backend.db import among
from engagement.network.models import Person
from engagement.rules.evaluate import TOPIC_OF_KIND
from engagement.rules.models import Decision
from engagement.rules.services import decision_still_holds
from notifications import selectors, timing
from notifications.channels import SendOutcome, email_send
from notifications.links import unsubscribe_url
from notifications.models import (
    Channel,
    DeliveryAttempt,
    EmailEvent,
    Notification,
    Preference,
    ProviderState,
    Suppression,
    Topic,
    TopicOptOut,
    WebhookReceipt,
)
from notifications.rendering import notification_render
from notifications.sendgrid_webhook import SendGridEvent

logger = logging.getLogger(__name__)

# Rule actions that are messages of their own (digest lines wait for their digest; badges are
# the badges room's).
MESSAGE_ACTIONS = ("nudge", "alert_teacher")
# Topics the weekly cap counts: the study reminders of every rule together. Achievements and
# alerts to teachers are not nudges and are not capped.
CAPPED_TOPICS = frozenset({Topic.STUDY_REMINDERS})
# Decisions read per outbox transaction.
OUTBOX_BATCH = 1000

Status = Notification.Status


# --- Creating notifications ---------------------------------------------------------------------


def notification_create(
    *,
    person: Person,
    topic: str,
    template: str,
    idempotency_key: str,
    context: dict[str, Any] | None = None,
    not_before: dt.datetime | None = None,
) -> Notification:
    """A notification, once per idempotency key: the second call returns the first one."""
    try:
        with transaction.atomic():
            notification = Notification.objects.create(
                person=person,
                topic=topic,
                template=template,
                idempotency_key=idempotency_key,
                context=context or {},
                not_before=not_before or timezone.now(),
            )
    except IntegrityError:
        return Notification.objects.get(idempotency_key=idempotency_key)
    transaction.on_commit(lambda: kick("notifications.dispatch"))
    return notification


def notifications_from_decisions(*, now: dt.datetime, batch_size: int = OUTBOX_BATCH) -> int:
    """The outbox: a notification for each recent decision that asks for a message and is
    not held out; the count made.

    Set-based and safe to overlap: the decisions read are those without a notification, and
    a decision can have only one (a unique constraint; conflicts are ignored). Decisions are
    read back to a look-back window, not from a cursor of ids: ids are taken before the
    sweep's transaction commits, so a cursor could step over one committed late."""
    since = now - dt.timedelta(hours=settings.KIPINA_NOTIFY_DECISION_LOOKBACK_HOURS)
    made = 0
    while True:
        with transaction.atomic():
            decisions = list(
                Decision.objects.filter(
                    decided_at__gte=since,
                    holdout=Decision.Holdout.NONE,
                    action__type__in=MESSAGE_ACTIONS,
                )
                .alias(notified=Exists(Notification.objects.filter(decision=OuterRef("pk"))))
                .filter(notified=False)
                .select_related("version")
                .order_by("id")[:batch_size]
            )
            if not decisions:
                break
            Notification.objects.bulk_create(
                [_from_decision(d, now) for d in decisions], ignore_conflicts=True
            )
        made += len(decisions)
    if made:
        transaction.on_commit(lambda: kick("notifications.dispatch"))
    return made


def _from_decision(decision: Decision, now: dt.datetime) -> Notification:
    return Notification(
        person_id=decision.person_id,
        topic=TOPIC_OF_KIND.get(decision.version.kind, Topic.STUDY_REMINDERS),
        template=str(decision.action.get("template", "")),
        context={
            "kind": decision.version.kind,
            "rule_id": decision.rule_id,
            "enrolment_id": decision.enrolment_id,
            "window": decision.window,
            "reasons": list(decision.reasons),
        },
        decision=decision,
        idempotency_key=f"decision:{decision.pk}",
        not_before=now,
    )


# --- The dispatcher -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Verdict:
    """What the preferences say at send time: send, defer (until `until`) or drop."""

    action: str
    reason: str = ""
    until: dt.datetime | None = None


SEND = Verdict("send")


def notification_claim(*, notification_id: int, now: dt.datetime) -> bool:
    """Take a due notification for delivery. A conditional UPDATE: of any number of
    dispatchers claiming the same notification, exactly one sees a row changed."""
    return (
        Notification.objects.filter(
            pk=notification_id, status__in=[Status.PENDING, Status.DEFERRED], not_before__lte=now
        ).update(status=Status.CLAIMED, claimed_at=now)
        == 1
    )


def notification_deliver(
    *, notification_id: int, now: dt.datetime, connection: BaseEmailBackend | None = None
) -> str | None:
    """Claim, check the preferences, render, send and record; the status it ended in, or
    None when another dispatcher has it (or it is not due). An e-mail goes through
    `connection` when given (a batch shares one: channels.email_connection)."""
    if not notification_claim(notification_id=notification_id, now=now):
        return None
    notification = Notification.objects.select_related(
        "person", "decision__rule", "decision__version"
    ).get(pk=notification_id)
    preference = selectors.preference_of(notification.person)
    verdict = _preferences_verdict(notification, preference, now)
    if verdict.action == "send":
        verdict = _release(notification, preference, now)
    if verdict.action == "drop":
        return _settle(notification, status=Status.DROPPED, reason=verdict.reason)
    if verdict.action == "defer":
        return _settle(
            notification, status=Status.DEFERRED, reason=verdict.reason, not_before=verdict.until
        )
    channel = selectors.channel_of(preference, notification.topic)
    language = selectors.language_of(preference, notification.person)
    if channel == Channel.EMAIL and not notification.person.email:
        channel = Channel.IN_APP
    if channel == Channel.IN_APP:
        return _show_in_app(notification, language, now)
    suppression = selectors.suppression_of(notification.person.email)
    if suppression is not None:
        # The person chose e-mail for this topic; the message is not moved in-app behind
        # their back, it is dropped like an opt-out (their other topics in-app still arrive).
        reason = _("the address is suppressed: %(reason)s") % {"reason": suppression.reason}
        return _settle(notification, status=Status.DROPPED, channel=Channel.EMAIL, reason=reason)
    return _send_email(notification, language, now, connection)


def _preferences_verdict(notification: Notification, preference: Any, now: dt.datetime) -> Verdict:
    person = notification.person
    zone = selectors.zone_of(preference, person)
    if selectors.has_opted_out(person_id=person.pk, topic=notification.topic):
        return Verdict("drop", _("opted out of %(topic)s") % {"topic": notification.topic})
    paused = preference.paused_until
    if paused is not None and now.astimezone(zone).date() < paused:
        return Verdict("drop", _("paused until %(day)s") % {"day": paused.isoformat()})
    decision = notification.decision
    if decision is not None and not decision_still_holds(decision=decision, now=now):
        return Verdict("drop", _("the rule's reason no longer holds"))
    end = timing.quiet_hours_end(now, zone, preference.quiet_from, preference.quiet_until)
    if end is not None:
        return Verdict("defer", _("quiet hours"), end)
    return SEND


def _release(notification: Notification, preference: Any, now: dt.datetime) -> Verdict:
    """Let the notification through, unless the person's weekly cap is reached. The lock on
    the person's row makes the count and the release one step: without it two dispatchers
    could each count two and both send the third."""
    with transaction.atomic():
        list(Person.objects.select_for_update().filter(pk=notification.person_id).values("pk"))
        if notification.topic in CAPPED_TOPICS:
            zone = selectors.zone_of(preference, notification.person)
            start, end = timing.week_bounds(now, zone)
            released = selectors.released_between(
                person_id=notification.person_id,
                topic=notification.topic,
                start=start,
                end=end,
                excluding=notification.pk,
            )
            if released >= preference.weekly_nudge_cap:
                reason = _("over the weekly cap of %(cap)d study reminders") % {
                    "cap": preference.weekly_nudge_cap
                }
                return Verdict("drop", reason)
        notification.released_at = now
        notification.save(update_fields=["released_at"])
    return SEND


def _show_in_app(notification: Notification, language: str, now: dt.datetime) -> str:
    rendered = _render(notification, language)
    if rendered is None:
        return Status.FAILED
    DeliveryAttempt.objects.create(
        notification=notification,
        number=notification.attempts + 1,
        channel=Channel.IN_APP,
        outcome=DeliveryAttempt.Outcome.SENT,
        started_at=now,
        finished_at=now,
    )
    return _settle(
        notification,
        status=Status.SENT,
        channel=Channel.IN_APP,
        sent_at=now,
        attempts=notification.attempts + 1,
        subject=rendered.subject,
        body=rendered.text,
    )


def _send_email(
    notification: Notification,
    language: str,
    now: dt.datetime,
    connection: BaseEmailBackend | None = None,
) -> str:
    paused = email_paused_until(now=now)
    if paused is not None:
        # Not the message's fault: no attempt is spent, and the provider is not asked.
        reason = _("waiting: the provider asked us to wait until %(at)s") % {
            "at": paused.isoformat(timespec="seconds")
        }
        return _settle(notification, status=Status.PENDING, reason=reason, not_before=paused)
    rendered = _render(notification, language)
    if rendered is None:
        return Status.FAILED
    number = notification.attempts + 1
    # Committed before the provider is called: if the worker dies during the call, the
    # `started` attempt tells the stale-claim sweep that an e-mail may have gone out.
    attempt = DeliveryAttempt.objects.create(
        notification=notification, number=number, channel=Channel.EMAIL, started_at=now
    )
    Notification.objects.filter(pk=notification.pk).update(attempts=number)
    link = unsubscribe_url(person_id=notification.person_id, topic=notification.topic)
    sent = email_send(
        to=notification.person.email,
        rendered=rendered,
        idempotency_key=notification.idempotency_key,
        category=notification.topic,
        unsubscribe_url=link,
        connection=connection,
    )
    attempt.outcome = sent.outcome
    attempt.status_code = sent.status_code
    attempt.provider_response = sent.response
    attempt.error = sent.error
    attempt.finished_at = timezone.now()
    attempt.save(
        update_fields=["outcome", "status_code", "provider_response", "error", "finished_at"]
    )
    common = {"channel": Channel.EMAIL, "subject": rendered.subject, "body": rendered.text}
    if sent.outcome == DeliveryAttempt.Outcome.SENT:
        return _settle(notification, status=Status.SENT, sent_at=now, reason="", **common)
    if sent.outcome == DeliveryAttempt.Outcome.RETRY:
        return _retry_or_fail(notification, number, sent, now, common)
    return _settle(notification, status=Status.FAILED, reason=sent.error, **common)


def _retry_or_fail(
    notification: Notification,
    number: int,
    sent: SendOutcome,
    now: dt.datetime,
    common: dict[str, Any],
) -> str:
    if number >= settings.KIPINA_NOTIFY_MAX_ATTEMPTS:
        reason = _("gave up after %(count)d attempts: %(error)s") % {
            "count": number,
            "error": sent.error,
        }
        return _settle(notification, status=Status.FAILED, reason=reason, **common)
    delay = timing.backoff_seconds(
        number,
        base=settings.KIPINA_NOTIFY_BACKOFF_SECONDS,
        ceiling=settings.KIPINA_NOTIFY_BACKOFF_MAX_SECONDS,
    )
    if sent.retry_after:
        # Retry-After counts from the answer, which came later than the claim's `now`.
        answered = timezone.now()
        email_pause(until=answered + dt.timedelta(seconds=sent.retry_after), now=answered)
    delay = max(delay, sent.retry_after or 0.0)
    return _settle(
        notification,
        status=Status.PENDING,
        reason=_("retrying: %(error)s") % {"error": sent.error},
        not_before=now + dt.timedelta(seconds=delay),
        **common,
    )


# SendGrid rate-limits the account (its v3 API answers 429 with the time the limit resets):
# until then every send would be refused, and the refusals count against the limit too.
EMAIL_PAUSE_KEY = "notifications:email-paused-until"


def email_pause(*, until: dt.datetime, now: dt.datetime) -> None:
    """Hold all e-mail until `until` (a Retry-After). A pause that ends later is kept: two
    workers refused at once leave the longer wait."""
    current = email_paused_until(now=now)
    if current is not None and current >= until:
        return
    # The entry outlives the pause by a little, and a clock read stale by a worker is harmless.
    lifetime = int((until - now).total_seconds()) + 2
    try:
        cache.set(EMAIL_PAUSE_KEY, until.timestamp(), timeout=lifetime)
    except Exception:  # the cache is down: the refused message still waits its own backoff
        logger.warning("could not record the provider's pause: the cache is unreachable")


def email_paused_until(*, now: dt.datetime) -> dt.datetime | None:
    """When the provider's pause ends, or None when e-mail may go.

    An unreachable cache (Redis down) counts as no pause: raising here would leave a claimed
    notification stuck until stale-claim recovery, and a send the provider refuses again
    only sets its own backoff."""
    try:
        until = cache.get(EMAIL_PAUSE_KEY)
    except Exception:
        logger.warning("could not read the provider's pause: the cache is unreachable")
        return None
    if until is None or until <= now.timestamp():
        return None
    return dt.datetime.fromtimestamp(until, tz=dt.UTC)


def _render(notification: Notification, language: str) -> Any:
    link = unsubscribe_url(person_id=notification.person_id, topic=notification.topic)
    try:
        return notification_render(notification, language=language, unsubscribe_url=link)
    except TemplateDoesNotExist as missing:
        logger.error("notification %s has no template: %s", notification.pk, missing)
        _settle(notification, status=Status.FAILED, reason=f"no template: {missing}")
        return None


def _settle(notification: Notification, *, status: str, **fields: Any) -> str:
    """Leave the claimed state. Conditional on still being claimed, so that a dispatcher
    whose claim was recovered as stale cannot overwrite what happened since."""
    fields.setdefault("reason", "")
    Notification.objects.filter(pk=notification.pk, status=Status.CLAIMED).update(
        status=status, **fields
    )
    return status


def notifications_recover_stale(*, now: dt.datetime) -> int:
    """Claims older than the task time limit belong to dead workers. One that died before
    calling the provider is simply due again; one that died during the call may have sent
    the e-mail, so it is failed with the reason rather than risk a second copy (the
    provider's events, carrying our id, can tell later whether it arrived)."""
    cutoff = now - dt.timedelta(seconds=settings.KIPINA_NOTIFY_STALE_CLAIM_SECONDS)
    stale = Notification.objects.filter(status=Status.CLAIMED, claimed_at__lt=cutoff)
    mid_send = DeliveryAttempt.objects.filter(
        notification=OuterRef("pk"), outcome=DeliveryAttempt.Outcome.STARTED
    )
    with transaction.atomic():
        interrupted = list(stale.filter(Exists(mid_send)).values_list("pk", flat=True))
        failed = stale.filter(pk__in=interrupted).update(
            status=Status.FAILED,
            reason=_("the worker stopped during the send; not sent again, to avoid a duplicate"),
        )
        # SendGrid may have reported the e-mail before its claim was found stale: those
        # events were folded while it was still claimed, so fold them again now it has
        # failed, and it is marked sent like one whose events come later.
        reported = EmailEvent.objects.filter(notification_id__in=interrupted)
        delivery_state_update(
            notification_ids=set(reported.values_list("notification_id", flat=True))
        )
    again = stale.update(status=Status.PENDING, reason=_("the worker stopped before sending"))
    return failed + again


# --- The inbox and unsubscribing ------------------------------------------------------------------


def notification_mark_read(
    *, notification: Notification, read: bool, now: dt.datetime
) -> Notification:
    if read and notification.read_at is None:
        notification.read_at = now
    elif not read:
        notification.read_at = None
    notification.save(update_fields=["read_at"])
    return notification


def notifications_mark_all_read(
    *, person_id: int, now: dt.datetime, up_to: int | None = None
) -> int:
    """Mark the person's unread inbox read; with `up_to`, only notifications up to that id,
    so one that arrived after the person's screen was drawn stays unread."""
    unread = selectors.inbox_of(person_id=person_id).filter(read_at=None)
    if up_to is not None:
        unread = unread.filter(pk__lte=up_to)
    return unread.update(read_at=now)


def topic_unsubscribe(*, person_id: int, topic: str) -> bool:
    """Opt the person out of the topic (a second time changes nothing); True if new."""
    _, created = TopicOptOut.objects.get_or_create(person_id=person_id, topic=topic)
    return created


# Preference fields a preference_update may set (the rest of the row is bookkeeping).
PREFERENCE_FIELDS = frozenset(
    {
        "language",
        "time_zone",
        "quiet_from",
        "quiet_until",
        "weekly_nudge_cap",
        "paused_until",
        "summary_frequency",
    }
)
SUMMARY_FREQUENCIES = frozenset({"weekly", "monthly"})


@transaction.atomic
def preference_update(
    *,
    person_id: int,
    opted_out: Iterable[str] | None = None,
    channels: dict[str, str] | None = None,
    **fields: Any,
) -> Preference:
    """Set the person's preferences, all or nothing. `opted_out` (when given) is the whole
    set of topics opted out of: TopicOptOut rows are added and removed to match, so the rules
    and the dispatcher keep reading the one source. `channels` is merged into the saved ones.
    Other keyword arguments are Preference fields (PREFERENCE_FIELDS). The input is expected
    to be validated already (serializers.PreferenceUpdateSerializer)."""
    unknown = set(fields) - PREFERENCE_FIELDS
    if unknown:
        raise TypeError(f"not preference fields: {sorted(unknown)}")
    if channels is not None and not (
        set(channels) <= set(Topic.values) and set(channels.values()) <= set(Channel.values)
    ):
        raise ValueError("unknown topic or channel")
    if fields.get("summary_frequency", "weekly") not in SUMMARY_FREQUENCIES:
        raise ValueError("summary_frequency must be weekly or monthly")
    wanted = None if opted_out is None else set(opted_out)
    if wanted is not None and not wanted <= set(Topic.values):
        raise ValueError("unknown topic")
    preference, _created = Preference.objects.select_for_update().get_or_create(person_id=person_id)
    for name, value in fields.items():
        setattr(preference, name, value)
    if channels is not None:
        preference.channels = {**(preference.channels or {}), **channels}
    preference.save()
    if wanted is not None:
        TopicOptOut.objects.filter(person_id=person_id).exclude(topic__in=wanted).delete()
        have = set(TopicOptOut.objects.filter(person_id=person_id).values_list("topic", flat=True))
        TopicOptOut.objects.bulk_create(
            [TopicOptOut(person_id=person_id, topic=topic) for topic in sorted(wanted - have)],
            ignore_conflicts=True,
        )
    return preference


# --- SendGrid's Event Webhook -------------------------------------------------------------------

# Events after which no more e-mail goes to the address. A bounce of type "blocked" is the
# receiving server refusing for now (SendGrid lists it under blocks, not bounces), so it is not.
SUPPRESSING_EVENTS = frozenset({"bounce", "spamreport", "unsubscribe", "group_unsubscribe"})
# SendGrid's reasons for a drop that mean the address itself is lost to us; other drops
# ("Invalid SMTPAPI header", "Spam Content", quota) are about the message or the account.
SUPPRESSING_DROPS = frozenset(
    {"Bounced Address", "Invalid", "Spam Reporting Address", "Unsubscribed Address"}
)


@transaction.atomic
def email_webhook_accept(
    *, digest: str, signed_at: dt.datetime, events: Sequence[SendGridEvent], now: dt.datetime
) -> int | None:
    """Accept one verified webhook call: the number of new events, or None when the same
    signed message was accepted before (a replay). The receipt and the events commit together,
    so a call that fails midway can be delivered again."""
    tolerance = dt.timedelta(seconds=settings.SENDGRID_WEBHOOK_TOLERANCE_SECONDS)
    # Older receipts are not needed: the timestamp check alone refuses their messages now.
    WebhookReceipt.objects.filter(signed_at__lt=now - 2 * tolerance).delete()
    try:
        # The unique digest: of two concurrent deliveries of one message, the second waits
        # for the first to commit and then fails here.
        with transaction.atomic():
            WebhookReceipt.objects.create(digest=digest, signed_at=signed_at)
    except IntegrityError:
        return None
    return email_events_record(events=events, now=now)


@transaction.atomic
def email_events_record(*, events: Sequence[SendGridEvent], now: dt.datetime) -> int:
    """Keep each event once (SendGrid retries batches; sg_event_id is unique), linked to its
    notification by our kipina_id, and suppress the addresses that must get no more e-mail.
    Unknown event types are kept like the rest. The number of new events."""
    keys = {event.kipina_id for event in events if event.kipina_id}
    notification_ids = dict(
        Notification.objects.filter(among("idempotency_key", keys, "text")).values_list(
            "idempotency_key", "pk"
        )
    )
    ids = {event.sg_event_id for event in events}
    known = set(
        EmailEvent.objects.filter(among("sg_event_id", ids, "text")).values_list(
            "sg_event_id", flat=True
        )
    )
    fresh: dict[str, SendGridEvent] = {}
    for event in events:
        if event.sg_event_id not in known:
            fresh.setdefault(event.sg_event_id, event)
    # ignore_conflicts: a concurrent post of the same batch may insert between the read and here.
    EmailEvent.objects.bulk_create(
        [
            EmailEvent(
                sg_event_id=event.sg_event_id,
                event=event.event,
                email=event.email,
                occurred_at=dt.datetime.fromtimestamp(event.timestamp, tz=dt.UTC),
                kipina_id=event.kipina_id,
                notification_id=notification_ids.get(event.kipina_id),
                payload=event.model_dump(mode="json"),
                received_at=now,
            )
            for event in fresh.values()
        ],
        ignore_conflicts=True,
    )
    suppressions: dict[str, str] = {}
    for event in events:
        reason = _suppression_reason(event)
        if reason and event.email.strip():
            suppressions.setdefault(event.email.strip().lower(), reason)
    # The first reason stays: a later unsubscribe does not rewrite why a bounce stopped mail.
    Suppression.objects.bulk_create(
        [Suppression(email=email, reason=reason) for email, reason in suppressions.items()],
        ignore_conflicts=True,
    )
    touched = {
        notification_ids[e.kipina_id] for e in fresh.values() if e.kipina_id in notification_ids
    }
    delivery_state_update(notification_ids=touched)
    return len(fresh)


# SendGrid's event names -> how far the e-mail got; a higher rank is further. A bounce or a
# drop ends the road: an open reported after a bounce does not undo it.
PROVIDER_RANKS: dict[str, tuple[int, str]] = {
    "processed": (1, ProviderState.PROCESSED),
    "deferred": (2, ProviderState.DEFERRED),
    "delivered": (3, ProviderState.DELIVERED),
    "open": (4, ProviderState.OPENED),
    "click": (5, ProviderState.CLICKED),
    "bounce": (6, ProviderState.BOUNCED),
    "dropped": (6, ProviderState.DROPPED),
}
# Events that prove the e-mail reached the recipient's server.
ARRIVAL_EVENTS = frozenset({"delivered", "open", "click"})


@dataclass(frozen=True)
class DeliveryState:
    provider_state: str
    delivered_at: dt.datetime | None
    opened_at: dt.datetime | None
    clicked_at: dt.datetime | None
    bounced_at: dt.datetime | None
    arrived_at: dt.datetime | None
    first_event_at: dt.datetime | None


def delivery_state_of(events: Iterable[tuple[str, dt.datetime]]) -> DeliveryState:
    """Fold (event, occurred_at) pairs, in any order and with repeats, into one state: each
    time is the earliest of its kind and the state the furthest reached. The same events in
    another order, or once more, give the same state, so the webhook never moves it back."""
    first: dict[str, dt.datetime] = {}
    for name, at in events:
        if name not in first or at < first[name]:
            first[name] = at
    reached = [(*PROVIDER_RANKS[name], at) for name, at in first.items() if name in PROVIDER_RANKS]
    # Of a bounce and a drop (the same rank), the later one.
    furthest = max(reached, key=lambda row: (row[0], row[2]))[1] if reached else ""
    bounced = [first[name] for name in ("bounce", "dropped") if name in first]
    arrived = [first[name] for name in ARRIVAL_EVENTS if name in first]
    return DeliveryState(
        provider_state=furthest,
        delivered_at=first.get("delivered"),
        opened_at=first.get("open"),
        clicked_at=first.get("click"),
        bounced_at=min(bounced, default=None),
        arrived_at=min(arrived, default=None),
        first_event_at=min(first.values(), default=None),
    )


def delivery_state_update(*, notification_ids: Iterable[int]) -> None:
    """Bring each notification's delivery fields in line with all of its events. Recomputed
    from the stored events rather than stepped per event: under the row lock (taken in id
    order, so two batches cannot deadlock) the fold sees every event committed before it,
    and a concurrent batch that waits for the lock folds again with its own events added.

    An e-mail failed without knowing whether it went out (the worker stopped during the send,
    or the retries gave up after timeouts) is marked sent once SendGrid reports it arrived,
    with the reason saying so."""
    ids = sorted(notification_ids)
    if not ids:
        return
    locked = Notification.objects.select_for_update().filter(pk__in=ids).order_by("pk")
    events: dict[int, list[tuple[str, dt.datetime]]] = {pk: [] for pk in ids}
    for notification_id, name, at in EmailEvent.objects.filter(notification_id__in=ids).values_list(
        "notification_id", "event", "occurred_at"
    ):
        events[notification_id].append((name, at))
    for notification in locked:
        state = delivery_state_of(events[notification.pk])
        _delivery_state_save(notification, state)


DELIVERY_FIELDS = ["provider_state", "delivered_at", "opened_at", "clicked_at", "bounced_at"]


def _delivery_state_save(notification: Notification, state: DeliveryState) -> None:
    for name in DELIVERY_FIELDS:
        setattr(notification, name, getattr(state, name))
    fields = list(DELIVERY_FIELDS)
    arrived = state.arrived_at
    # Only e-mail has SendGrid events. A claim recovered as stale never had its channel set.
    if arrived is not None and notification.status == Status.FAILED:
        notification.status = Status.SENT
        notification.channel = Channel.EMAIL
        notification.sent_at = state.first_event_at
        notification.reason = " ".join(
            [
                notification.reason,
                _("SendGrid reported it delivered at %(at)s, so it is marked sent.")
                % {"at": arrived.isoformat(timespec="seconds")},
            ]
        ).strip()
        fields += ["status", "channel", "sent_at", "reason"]
    notification.save(update_fields=fields)


def _suppression_reason(event: SendGridEvent) -> str:
    extra = event.model_extra or {}
    if event.event == "bounce" and extra.get("type") != "blocked":
        detail = str(extra.get("reason") or "").strip()
        return f"bounce: {detail}"[:300] if detail else "bounce"
    if event.event == "dropped" and extra.get("reason") in SUPPRESSING_DROPS:
        return f"dropped: {extra['reason']}"
    if event.event in SUPPRESSING_EVENTS - {"bounce"}:
        return event.event
    return ""
