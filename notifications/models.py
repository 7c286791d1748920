"""Delivery preferences. (Channels, templates and deliveries arrive with the notifications
issue; opt-outs come first because the rules must respect them when they decide.)"""

from django.db import models
from django.utils.translation import gettext_lazy as _

from engagement.network.models import Person


class TopicOptOut(models.Model):
    """A person wants nothing about this topic (engagement.rules.evaluate.Topic)."""

    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="topic_opt_outs")
    topic = models.CharField(_("topic"), max_length=32)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["person", "topic"], name="opt_out_unique_topic")
        ]

    def __str__(self) -> str:
        return f"{self.person_id} opted out of {self.topic}"
