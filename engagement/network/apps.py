from django.apps import AppConfig


class NetworkConfig(AppConfig):
    name = "engagement.network"
    label = "network"
    verbose_name = "Network directory"
