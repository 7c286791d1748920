"""Shapes of the inbox API. Input fields are strict: a JSON boolean is a boolean and an id
is a number, never the strings "yes" or "5" (a malformed request is refused, not guessed)."""

import datetime as dt
import zoneinfo
from typing import Any

from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from engagement.network.models import Person
from notifications.models import Channel, Notification, Topic


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


# --- Preferences ---------------------------------------------------------------------------------


class StrictCharField(serializers.CharField):
    """Text only: a number or a boolean is refused, not turned into a string."""

    default_error_messages = {"invalid": _("Must be text.")}

    def to_internal_value(self, data: Any) -> str:
        if not isinstance(data, str):
            self.fail("invalid")
        return str(super().to_internal_value(data))


class StrictChoiceField(serializers.ChoiceField):
    """One of the choices, given as text (1 or true is not "1" or "true")."""

    default_error_messages = {"invalid_choice": _('"{input}" is not one of: {choices}.')}

    def to_internal_value(self, data: Any) -> Any:
        if data == "" and self.allow_blank:
            return ""
        if not isinstance(data, str) or data not in self.choices:
            self.fail("invalid_choice", input=data, choices=", ".join(self.choice_strings))
        return data

    @property
    def choice_strings(self) -> list[str]:
        return [str(key) for key in self.choices if key != ""]


# Described as text: the topic enum already has its name in the schema (the notification's
# topic), and a second name for the same choice set is a schema warning.
@extend_schema_field(OpenApiTypes.STR)
class TopicField(StrictChoiceField):
    def __init__(self, **kwargs: Any) -> None:
        super().__init__(choices=Topic.choices, **kwargs)


class StrictTimeField(serializers.TimeField):
    def to_internal_value(self, value: Any) -> dt.time:
        if not isinstance(value, str):
            self.fail("invalid", format="hh:mm[:ss]")
        return super().to_internal_value(value)


class StrictDateField(serializers.DateField):
    def to_internal_value(self, value: Any) -> dt.date:
        if not isinstance(value, str):
            self.fail("invalid", format="YYYY-MM-DD")
        return super().to_internal_value(value)


# The employer summary's cadence (Preference.summary_frequency; notifications.digests).
SUMMARY_FREQUENCIES = [("weekly", _("Weekly")), ("monthly", _("Monthly"))]


def _time_zone_names() -> frozenset[str]:
    return frozenset(zoneinfo.available_timezones())


class PreferenceSerializer(serializers.Serializer[Any]):
    """The signed-in person's preferences as the API shows them and takes them (PATCH: any
    subset of the fields; a field not named here is refused)."""

    opted_out = serializers.ListField(
        child=TopicField(),
        allow_empty=True,
        help_text=_("every topic you want nothing about (the whole list; the rest are on)"),
    )
    channels = serializers.DictField(
        child=StrictChoiceField(choices=Channel.choices),
        help_text=_("channel per topic; topics not named keep theirs"),
    )
    language = StrictChoiceField(
        choices=[("", _("the directory's")), *Person.Language.choices],
        allow_blank=True,
        help_text=_("fi, sv or en; blank follows your directory entry"),
    )
    time_zone = StrictCharField(
        allow_blank=True,
        max_length=64,
        help_text=_("an IANA zone name such as Europe/Helsinki; blank follows the directory"),
    )
    quiet_from = StrictTimeField(help_text=_("quiet hours start (equal times: no quiet hours)"))
    quiet_until = StrictTimeField(help_text=_("quiet hours end"))
    weekly_nudge_cap = StrictIntegerField(
        min_value=0, max_value=14, help_text=_("study reminders a week at most")
    )
    paused_until = StrictDateField(
        allow_null=True, help_text=_("nothing is sent before this day; null for no pause")
    )
    summary_frequency = StrictChoiceField(
        choices=SUMMARY_FREQUENCIES,
        help_text=_("employer contacts: the staff progress summary weekly or monthly"),
    )

    def to_internal_value(self, data: Any) -> Any:
        if isinstance(data, dict):
            unknown = sorted(str(key) for key in data if key not in self.fields)
            if unknown:
                raise serializers.ValidationError(
                    {key: [_("Not a preference field.")] for key in unknown}
                )
        return super().to_internal_value(data)

    def validate_opted_out(self, topics: list[str]) -> list[str]:
        if len(set(topics)) != len(topics):
            raise serializers.ValidationError(_("A topic is named twice."))
        return topics

    def validate_channels(self, channels: dict[str, str]) -> dict[str, str]:
        unknown = sorted(topic for topic in channels if topic not in Topic.values)
        if unknown:
            raise serializers.ValidationError(
                _("Unknown topic: %(topics)s.") % {"topics": ", ".join(unknown)}
            )
        return channels

    def validate_time_zone(self, name: str) -> str:
        if name and name not in _time_zone_names():
            raise serializers.ValidationError(
                _('"%(name)s" is not an IANA time zone name.') % {"name": name}
            )
        return name
