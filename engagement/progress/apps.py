from django.apps import AppConfig


class ProgressConfig(AppConfig):
    name = "engagement.progress"
    label = "progress"
    verbose_name = "Learner progress"
