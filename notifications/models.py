"""Delivery: preferences, notifications and every attempt to deliver one.

Opt-outs came first because the rules respect them when they decide; the dispatcher checks
them again at send time (an opt-out may come between the decision and the send).
"""

import datetime as dt

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from engagement.network.models import Person


class Topic(models.TextChoices):
    """What a person can opt out of, or route to a channel. The first four are the rules'
    topics (engagement.rules.evaluate.Topic) under the same names."""

    STUDY_REMINDERS = "study_reminders", _("Study reminders")
    ACHIEVEMENTS = "achievements", _("Achievements and badges")
    TEACHER_ALERTS = "teacher_alerts", _("Teacher alerts")
    EMPLOYER_SUMMARIES = "employer_summaries", _("Employer summaries")
    DIGESTS = "digests", _("Weekly digests")
    EVENTS = "events", _("Network events")
    MEMBERSHIP = "membership", _("Network membership")


class Channel(models.TextChoices):
    EMAIL = "email", _("E-mail")
    IN_APP = "in_app", _("In the app")


class TopicOptOut(models.Model):
    """A person wants nothing about this topic (engagement.rules.evaluate.Topic)."""

    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="topic_opt_outs")
    topic = models.CharField(_("topic"), max_length=32)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["person", "topic"], name="opt_out_unique_topic")
        ]

    def __str__(self) -> str:
        return f"{self.person_id} opted out of {self.topic}"


class Preference(models.Model):
    """How a person wants to hear from us. A person without a row has the defaults
    (selectors.preference_of); opt-outs are TopicOptOut rows, the one place rules read them.

    Language and time zone left blank follow the person's directory entry, so that a change
    there is not shadowed by a copy here."""

    person = models.OneToOneField(Person, on_delete=models.CASCADE, related_name="preference")
    # {topic: channel}; a topic not named here goes to its default channel (DEFAULT_CHANNELS).
    channels = models.JSONField(_("channel per topic"), default=dict, blank=True)
    language = models.CharField(
        _("language"), max_length=2, choices=Person.Language.choices, blank=True
    )
    time_zone = models.CharField(_("time zone"), max_length=64, blank=True)
    quiet_from = models.TimeField(_("quiet hours from"), default=dt.time(20, 0))
    quiet_until = models.TimeField(_("quiet hours until"), default=dt.time(8, 0))
    weekly_nudge_cap = models.PositiveSmallIntegerField(
        _("study reminders a week at most"),
        default=3,
        help_text=_("shared by every rule; further reminders that week are dropped"),
    )
    summary_frequency = models.CharField(
        _("employer summary frequency"),
        max_length=8,
        choices=[("weekly", _("Weekly")), ("monthly", _("Monthly"))],
        default="weekly",
        help_text=_("how often an employer contact receives the staff progress summary"),
    )
    paused_until = models.DateField(
        _("paused until"),
        null=True,
        blank=True,
        help_text=_("nothing is sent before this day starts in the person's time zone"),
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("notification preference")
        verbose_name_plural = _("notification preferences")

    def __str__(self) -> str:
        return f"preferences of {self.person_id}"


# A new topic's channel until the person chooses one. Achievements are good news best read
# in the app; the rest is worth an e-mail.
DEFAULT_CHANNELS: dict[str, str] = {
    Topic.STUDY_REMINDERS: Channel.EMAIL,
    Topic.ACHIEVEMENTS: Channel.IN_APP,
    Topic.TEACHER_ALERTS: Channel.EMAIL,
    Topic.EMPLOYER_SUMMARIES: Channel.EMAIL,
    Topic.DIGESTS: Channel.EMAIL,
    # The welcome to a new member carries its LMS connection steps: worth an e-mail.
    Topic.MEMBERSHIP: Channel.EMAIL,
    # Invitations, confirmations (with the .ics) and reminders: a calendar file needs e-mail.
    Topic.EVENTS: Channel.EMAIL,
}


class ProviderState(models.TextChoices):
    """How far an e-mail got, as SendGrid's events report it, in the order it can only move
    forward (a bounce or drop ends it)."""

    PROCESSED = "processed", _("Accepted by SendGrid")
    DEFERRED = "deferred", _("Delivery delayed")
    DELIVERED = "delivered", _("Delivered")
    OPENED = "opened", _("Opened")
    CLICKED = "clicked", _("Link clicked")
    BOUNCED = "bounced", _("Bounced")
    DROPPED = "dropped", _("Dropped by SendGrid")


class Notification(models.Model):
    """One message to one person, from its creation to its final status.

    The states: pending (due at not_before) -> claimed (one dispatcher owns it) -> sent,
    failed or dropped; or back to pending (a transient failure, retried at not_before) or
    deferred (quiet hours, due at not_before). Only a conditional UPDATE moves pending or
    deferred to claimed, so two dispatchers never both send it."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Pending")
        CLAIMED = "claimed", _("Being delivered")
        SENT = "sent", _("Sent")
        FAILED = "failed", _("Failed")
        DROPPED = "dropped", _("Dropped")
        DEFERRED = "deferred", _("Deferred")

    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="notifications")
    topic = models.CharField(_("topic"), max_length=32, choices=Topic.choices)
    template = models.CharField(_("template"), max_length=200)
    context = models.JSONField(_("context"), default=dict, blank=True)
    decision = models.ForeignKey(
        "rules.Decision",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        help_text=_("the rule decision this notification delivers"),
    )
    idempotency_key = models.CharField(_("idempotency key"), max_length=200, unique=True)
    status = models.CharField(
        _("status"), max_length=8, choices=Status.choices, default=Status.PENDING
    )
    reason = models.TextField(_("reason"), blank=True)
    channel = models.CharField(_("channel"), max_length=8, choices=Channel.choices, blank=True)
    not_before = models.DateTimeField(_("not before"))
    attempts = models.PositiveSmallIntegerField(_("send attempts"), default=0)
    claimed_at = models.DateTimeField(null=True, blank=True)
    # When the preference checks last let it through: what the weekly cap counts.
    released_at = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)
    read_at = models.DateTimeField(_("read at"), null=True, blank=True)
    subject = models.CharField(_("subject"), max_length=300, blank=True)
    body = models.TextField(_("text"), blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    # What SendGrid's events say happened to the e-mail after we handed it over, folded from
    # every event kept for it (services.delivery_state_update): each time is the first event of
    # its kind, and the state is the furthest reached, so late or repeated events never move
    # it back.
    provider_state = models.CharField(
        _("provider state"), max_length=16, choices=ProviderState.choices, blank=True
    )
    delivered_at = models.DateTimeField(_("delivered at"), null=True, blank=True)
    opened_at = models.DateTimeField(_("first opened at"), null=True, blank=True)
    clicked_at = models.DateTimeField(_("first clicked at"), null=True, blank=True)
    bounced_at = models.DateTimeField(_("bounced or dropped at"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["decision"], name="notification_one_per_decision"),
        ]
        indexes = [
            models.Index(
                fields=["not_before"],
                condition=Q(status__in=["pending", "deferred"]),
                name="notification_due",
            ),
            models.Index(fields=["person", "topic", "released_at"], name="notification_cap"),
            models.Index(fields=["person", "channel", "status", "-id"], name="notification_inbox"),
        ]

    def __str__(self) -> str:
        return f"{self.template} to {self.person_id} ({self.status})"


class DeliveryAttempt(models.Model):
    """One try to hand a notification to a channel, written before the provider is called:
    an attempt left `started` means the worker stopped mid-send and the outcome is unknown."""

    class Outcome(models.TextChoices):
        STARTED = "started", _("Started (outcome unknown)")
        SENT = "sent", _("Accepted")
        RETRY = "retry", _("Transient failure, retried")
        FAILED = "failed", _("Permanent failure")

    notification = models.ForeignKey(
        Notification, on_delete=models.CASCADE, related_name="delivery_attempts"
    )
    number = models.PositiveSmallIntegerField()
    channel = models.CharField(max_length=8, choices=Channel.choices)
    outcome = models.CharField(max_length=8, choices=Outcome.choices, default=Outcome.STARTED)
    status_code = models.PositiveSmallIntegerField(null=True, blank=True)
    provider_response = models.TextField(blank=True)
    error = models.TextField(blank=True)
    started_at = models.DateTimeField()
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["notification", "number"]
        constraints = [
            models.UniqueConstraint(
                fields=["notification", "number"], name="delivery_attempt_unique_number"
            )
        ]

    def __str__(self) -> str:
        return f"attempt {self.number} of {self.notification_id}: {self.outcome}"


class EmailEvent(models.Model):
    """One event of SendGrid's Event Webhook, kept once (SendGrid may post an event more than
    once: its sg_event_id is unique). Linked to the notification whose idempotency key came
    back in our `kipina_id` custom arg; events of mail sent by others stay unlinked."""

    sg_event_id = models.CharField(_("SendGrid event id"), max_length=100, unique=True)
    event = models.CharField(_("event"), max_length=32)
    email = models.CharField(_("e-mail address"), max_length=254)
    occurred_at = models.DateTimeField(_("occurred at"))
    kipina_id = models.CharField(_("our id"), max_length=200, blank=True)
    notification = models.ForeignKey(
        Notification,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="email_events",
    )
    # The event as SendGrid sent it: reason, type, url, ip and the rest differ per event.
    payload = models.JSONField(_("payload"), default=dict)
    received_at = models.DateTimeField(_("received at"))

    class Meta:
        ordering = ["occurred_at", "id"]
        verbose_name = _("e-mail event")
        verbose_name_plural = _("e-mail events")

    def __str__(self) -> str:
        return f"{self.event} for {self.email} at {self.occurred_at:%Y-%m-%d %H:%M}"


class Suppression(models.Model):
    """An address no e-mail goes to: it bounced, reported spam or unsubscribed from all our
    mail. Addresses are kept lower-cased. Deleting the row lets e-mail go to it again."""

    email = models.CharField(_("e-mail address"), max_length=254, unique=True)
    reason = models.CharField(_("reason"), max_length=300)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("suppressed address")
        verbose_name_plural = _("suppressed addresses")

    def __str__(self) -> str:
        return f"{self.email} ({self.reason})"


class WebhookReceipt(models.Model):
    """A signed webhook message already accepted, kept while its timestamp is within the
    tolerance: the same message again is a replay. Keyed by the digest of what was signed
    (timestamp + body), not by the signature: an ECDSA signature has a second valid form
    (s -> n - s), so a replayer could otherwise pass with the other one."""

    digest = models.CharField(max_length=64, unique=True)
    signed_at = models.DateTimeField(db_index=True)

    def __str__(self) -> str:
        return f"webhook message {self.digest[:12]} signed at {self.signed_at:%Y-%m-%d %H:%M:%S}"
