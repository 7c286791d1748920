from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MembershipConfig(AppConfig):
    name = "engagement.membership"
    label = "membership"
    verbose_name = _("Membership")

    def ready(self) -> None:
        # The welcome e-mail's endpoint, key and secret link are worked out when it is
        # rendered (notifications' per-template hook), so notifications imports nothing here.
        from engagement.membership.services import TEMPLATE_WELCOME, welcome_render_context
        from notifications.rendering import template_hooks_register

        template_hooks_register(template=TEMPLATE_WELCOME, context=welcome_render_context)
