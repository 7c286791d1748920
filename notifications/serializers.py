"""Shapes of the inbox API. Input fields are strict: a JSON boolean is a boolean and an id
is a number, never the strings "yes" or "5" (a malformed request is refused, not guessed)."""

from typing import Any

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from notifications.models import Notification


class StrictBooleanField(serializers.BooleanField):
    default_error_messages = {"invalid": _("Must be true or false.")}

    def to_internal_value(self, data: Any) -> bool:
        if not isinstance(data, bool):
            self.fail("invalid")
        return data


class StrictIntegerField(serializers.IntegerField):
    default_error_messages = {"invalid": _("Must be a whole number.")}

    def to_internal_value(self, data: Any) -> int:
        if isinstance(data, bool) or not isinstance(data, int):
            self.fail("invalid")
        return int(super().to_internal_value(data))


class NotificationSerializer(serializers.ModelSerializer[Notification]):
    read = serializers.SerializerMethodField()

    class Meta:
        model = Notification
        fields = ["id", "topic", "subject", "body", "sent_at", "read_at", "read"]
        read_only_fields = fields

    def get_read(self, notification: Notification) -> bool:
        return notification.read_at is not None


class MarkReadSerializer(serializers.Serializer[Any]):
    read = StrictBooleanField(help_text=_("true marks it read, false unread again"))


class MarkAllReadSerializer(serializers.Serializer[Any]):
    up_to = StrictIntegerField(
        required=False,
        min_value=1,
        help_text=_("only notifications with this id or lower (the newest one on your screen)"),
    )


class UnreadCountSerializer(serializers.Serializer[Any]):
    unread = serializers.IntegerField()


class MarkedSerializer(serializers.Serializer[Any]):
    marked = serializers.IntegerField()
