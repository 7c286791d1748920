from django.db import models
from django.utils.translation import gettext_lazy as _


class Organisation(models.Model):
    """A member of the network: an education provider, a company, or the network itself.

    Each organisation is also a tenant of the LRS: its LRS clients read and write its store.
    """

    class Kind(models.TextChoices):
        NETWORK = "network", _("Network")
        UNIVERSITY = "university", _("University")
        UNIVERSITY_OF_APPLIED_SCIENCES = "uas", _("University of applied sciences")
        VOCATIONAL = "vocational", _("Vocational institution")
        COMPANY = "company", _("Company")

    slug = models.SlugField(max_length=64, unique=True)
    name_en = models.CharField(_("name (English)"), max_length=200)
    name_fi = models.CharField(_("name (Finnish)"), max_length=200, blank=True)
    name_sv = models.CharField(_("name (Swedish)"), max_length=200, blank=True)
    kind = models.CharField(max_length=16, choices=Kind.choices, default=Kind.VOCATIONAL)
    business_id = models.CharField(_("business id (Y-tunnus)"), max_length=9, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name_en"]

    def __str__(self) -> str:
        return self.name_en
