from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PrivacyConfig(AppConfig):
    name = "engagement.privacy"
    label = "privacy"
    verbose_name = _("Privacy rights")
    default_auto_field = "django.db.models.BigAutoField"
