from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class EventsConfig(AppConfig):
    name = "engagement.events"
    label = "events"
    verbose_name = _("Network events")

    def ready(self) -> None:
        # The confirmation's .ics is computed when the e-mail is rendered (notifications has
        # a per-template hook for attachments); registering here keeps notifications free of
        # any import of this room.
        from engagement.events.ics import register_attachments

        register_attachments()
