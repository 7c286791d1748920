"""The record that an erasure happened, kept without the personal data it removed."""

import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class ErasureRecord(models.Model):
    """One person erased: when, at whose request, and how many rows of each table were
    deleted or changed. A random id, not the person's: nothing here names them or links
    back to them (GDPR Art. 5(2): the controller shows it complied, without the data)."""

    erasure_id = models.UUIDField(_("erasure id"), default=uuid.uuid4, unique=True, editable=False)
    erased_at = models.DateTimeField(_("erased at"))
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("requested by"),
    )
    # {"app.Model": rows}; "(pseudonymised)" and the like mark rows changed, not deleted.
    counts = models.JSONField(_("rows per table"), default=dict)

    class Meta:
        ordering = ["-erased_at"]
        verbose_name = _("erasure record")
        verbose_name_plural = _("erasure records")

    def __str__(self) -> str:
        return f"erasure {self.erasure_id} at {self.erased_at:%Y-%m-%d %H:%M}"
