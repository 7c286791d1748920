"""Network events (seminars, webinars, company visits, workshops) and who registered.

Each event has a permanent activity IRI: the xAPI activity id of its "registered" and
"attended" statements, so a milestone that lists it counts attendance like any other
learning activity.
"""

import uuid

from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from engagement.network.models import EscoSkill, Organisation, Pathway, Person, Translated
from engagement.network.validators import validate_iri, validate_time_zone


class Event(Translated):
    class Kind(models.TextChoices):
        SEMINAR = "seminar", _("Seminar")
        WEBINAR = "webinar", _("Webinar")
        COMPANY_VISIT = "company_visit", _("Company visit")
        WORKSHOP = "workshop", _("Workshop")

    class Audience(models.TextChoices):
        PROVIDERS = "providers", _("Education providers")
        COMPANIES = "companies", _("Companies")
        LEARNERS = "learners", _("Learners")
        OPEN = "open", _("Open to all")

    uuid = models.UUIDField(_("public id"), default=uuid.uuid4, unique=True, editable=False)
    title_en = models.CharField(_("title (English)"), max_length=200)
    title_fi = models.CharField(_("title (Finnish)"), max_length=200, blank=True)
    title_sv = models.CharField(_("title (Swedish)"), max_length=200, blank=True)
    description_en = models.TextField(_("description (English)"), blank=True)
    description_fi = models.TextField(_("description (Finnish)"), blank=True)
    description_sv = models.TextField(_("description (Swedish)"), blank=True)
    organiser = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="events", verbose_name=_("organiser")
    )
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices)
    starts_at = models.DateTimeField(_("starts at"))
    ends_at = models.DateTimeField(_("ends at"))
    time_zone = models.CharField(
        _("time zone"), max_length=64, default="Europe/Helsinki", validators=[validate_time_zone]
    )
    online_url = models.URLField(_("online link"), blank=True)
    place = models.CharField(_("place"), max_length=300, blank=True)
    capacity = models.PositiveIntegerField(
        _("capacity"), null=True, blank=True, help_text=_("empty for unlimited")
    )
    audience = models.CharField(
        _("audience"), max_length=12, choices=Audience.choices, default=Audience.OPEN
    )
    pathways = models.ManyToManyField(
        Pathway, blank=True, related_name="events", verbose_name=_("related pathways")
    )
    skills = models.ManyToManyField(
        EscoSkill, blank=True, related_name="events", verbose_name=_("ESCO skills")
    )
    # Stored, not derived from KIPINA_PUBLIC_URL on each read: statements already in the LRS
    # name it, so a later change of the public address must not change it.
    activity_iri = models.CharField(
        _("activity IRI"), max_length=300, unique=True, validators=[validate_iri]
    )
    is_published = models.BooleanField(_("published"), default=False)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        ordering = ["starts_at", "pk"]
        verbose_name = pgettext_lazy("network event", "event")
        verbose_name_plural = _("events")
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_at__gt=F("starts_at")), name="event_ends_after_start"
            ),
            models.CheckConstraint(
                condition=~Q(online_url="", place=""), name="event_has_link_or_place"
            ),
        ]
        indexes = [models.Index(fields=["is_published", "starts_at"])]

    def __str__(self) -> str:
        return self.title_en

    @property
    def translated_title(self) -> str:
        return self.translated("title")

    @property
    def translated_description(self) -> str:
        return self.translated("description")


class Registration(models.Model):
    """One person's place at one event: a seat, a place in the waiting list, or cancelled.

    `position` orders the waiting list (set only while waitlisted). `registered_at` is when
    the person first got a seat and never moves afterwards: the xAPI "registered" statement
    carries it, so storing that statement again (a retry, a re-registration) is the same
    statement and the LRS keeps one copy."""

    class Status(models.TextChoices):
        REGISTERED = "registered", _("Registered")
        WAITLISTED = "waitlisted", _("On the waiting list")
        CANCELLED = "cancelled", _("Cancelled")

    event = models.ForeignKey(
        Event,
        on_delete=models.CASCADE,
        related_name="registrations",
        verbose_name=pgettext_lazy("network event", "event"),
    )
    person = models.ForeignKey(
        Person,
        on_delete=models.CASCADE,
        related_name="event_registrations",
        verbose_name=_("person"),
    )
    status = models.CharField(_("status"), max_length=12, choices=Status.choices)
    position = models.PositiveIntegerField(_("waiting list position"), null=True, blank=True)
    requested_at = models.DateTimeField(_("asked for a place at"))
    registered_at = models.DateTimeField(_("got a seat at"), null=True, blank=True)
    attended_at = models.DateTimeField(_("attended at"), null=True, blank=True)
    attendance_marked_by = models.ForeignKey(
        Person,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("attendance marked by"),
    )
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        ordering = ["event", "requested_at", "pk"]
        verbose_name = _("registration")
        verbose_name_plural = _("registrations")
        constraints = [
            models.UniqueConstraint(fields=["event", "person"], name="registration_unique_person")
        ]
        indexes = [models.Index(fields=["event", "status", "position"])]

    def __str__(self) -> str:
        return f"{self.person} — {self.event} ({self.get_status_display()})"
