from django.apps import AppConfig


class RulesConfig(AppConfig):
    name = "engagement.rules"
    label = "rules"
    verbose_name = "Engagement rules"
