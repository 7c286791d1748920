from django.apps import AppConfig


class LearningRecordsConfig(AppConfig):
    name = "learning_records"
    verbose_name = "Learning records (xAPI LRS)"
