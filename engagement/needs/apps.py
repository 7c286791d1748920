from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class NeedsConfig(AppConfig):
    name = "engagement.needs"
    label = "needs"
    verbose_name = _("Training needs")
    default_auto_field = "django.db.models.BigAutoField"
