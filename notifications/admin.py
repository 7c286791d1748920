"""Admin screens of delivery. Preferences, opt-outs and suppressed addresses are support
staff's to correct on a person's request; notifications, their attempts and SendGrid's events
are a record, read-only."""

from typing import Any

from django.contrib import admin
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from backend.admin import ReadOnlyAdmin
from notifications.models import (
    DeliveryAttempt,
    EmailEvent,
    Notification,
    Preference,
    Suppression,
    TopicOptOut,
)

DELIVERY_FIELDS = ["provider_state", "delivered_at", "opened_at", "clicked_at", "bounced_at"]


@admin.register(Preference)
class PreferenceAdmin(admin.ModelAdmin[Preference]):
    list_display = ["person", "language", "time_zone", "weekly_nudge_cap", "paused_until"]
    list_filter = ["language", "paused_until"]
    search_fields = ["person__given_name", "person__family_name", "person__email"]
    raw_id_fields = ["person"]
    readonly_fields = ["updated_at"]


@admin.register(TopicOptOut)
class TopicOptOutAdmin(admin.ModelAdmin[TopicOptOut]):
    list_display = ["person", "topic", "created_at"]
    list_filter = ["topic"]
    search_fields = ["person__given_name", "person__family_name", "person__email"]
    raw_id_fields = ["person"]


class ReadOnlyInline(admin.TabularInline[Any, Any]):
    extra = 0
    can_delete = False

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


ATTEMPT_FIELDS = [
    "number",
    "channel",
    "outcome",
    "status_code",
    "error",
    "provider_response",
    "started_at",
    "finished_at",
]


class DeliveryAttemptInline(ReadOnlyInline):
    model = DeliveryAttempt
    fields = tuple(ATTEMPT_FIELDS)
    readonly_fields = ATTEMPT_FIELDS


EVENT_FIELDS = ["event", "email", "occurred_at", "sg_event_id", "payload", "received_at"]


class EmailEventInline(ReadOnlyInline):
    model = EmailEvent
    fields = tuple(EVENT_FIELDS)
    readonly_fields = EVENT_FIELDS


@admin.register(Notification)
class NotificationAdmin(ReadOnlyAdmin):
    list_display = [
        "id", "person", "topic", "template", "status", "channel", "provider_state", "not_before",
    ]  # fmt: skip
    list_filter = ["status", "provider_state", "topic", "channel"]
    search_fields = [
        "person__given_name",
        "person__family_name",
        "person__email",
        "idempotency_key",
    ]
    date_hierarchy = "created_at"
    list_select_related = ["person"]
    inlines = [DeliveryAttemptInline, EmailEventInline]
    readonly_fields = [
        "person",
        "topic",
        "template",
        "context",
        "decision",
        "idempotency_key",
        "status",
        "reason",
        "channel",
        "not_before",
        "attempts",
        "claimed_at",
        "released_at",
        "sent_at",
        "read_at",
        "subject",
        "body",
        "created_at",
        *DELIVERY_FIELDS,
    ]
    fieldsets = [
        (None, {"fields": ["person", "topic", "template", "status", "reason", "channel"]}),
        (
            _("Timing"),
            {"fields": ["not_before", "claimed_at", "released_at", "sent_at", "read_at"]},
        ),
        # What SendGrid's events reported after the hand-over (the events are listed below).
        (_("Delivery"), {"fields": tuple(DELIVERY_FIELDS)}),
        (_("Content"), {"fields": ["subject", "body", "context"]}),
        (_("Source"), {"fields": ["decision", "idempotency_key", "attempts", "created_at"]}),
    ]


@admin.register(Suppression)
class SuppressionAdmin(admin.ModelAdmin[Suppression]):
    """Deleting a row lets e-mail go to the address again (after the person fixed a full
    mailbox, say); SendGrid keeps its own suppression list, to be cleared there as well."""

    list_display = ["email", "reason", "created_at"]
    search_fields = ["email"]
    readonly_fields = ["created_at"]


@admin.register(EmailEvent)
class EmailEventAdmin(ReadOnlyAdmin):
    list_display = ["occurred_at", "event", "email", "kipina_id", "notification"]
    list_filter = ["event"]
    search_fields = ["email", "kipina_id", "sg_event_id"]
    date_hierarchy = "occurred_at"
    raw_id_fields = ["notification"]
    readonly_fields = [
        "sg_event_id",
        "event",
        "email",
        "occurred_at",
        "kipina_id",
        "notification",
        "payload",
        "received_at",
    ]
