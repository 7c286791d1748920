"""Selector: a learner's next concrete step on an enrolment, for the nudges to name and link.

The step is the first unfinished milestone of the pathway (by position; one the projection has
not marked completed) and its first activity without a qualifying statement yet. The link goes
straight to that activity when its IRI is a web address (partner LMSs use their own URLs as
activity ids), else to the pathway in the public catalogue.
"""

from dataclasses import dataclass
from urllib.parse import urlencode, urlsplit

from django.conf import settings
from django.urls import reverse

from engagement.network.models import Enrolment, Milestone, MilestoneActivity
from engagement.progress.models import MilestoneProgress, Qualification


@dataclass(frozen=True)
class NextStep:
    milestone: str  # its title in the reader's language
    activity_iri: str  # "" when every activity of the milestone is done (or it has none)
    link: str


def next_step(
    *, enrolment: Enrolment, language: str, milestone_id: int | None = None
) -> NextStep | None:
    """The next step on the enrolment, or None when every milestone is done. With
    `milestone_id`, the next step within that milestone (e.g. the one about to be due)."""
    milestones = Milestone.objects.filter(pathway_id=enrolment.pathway_id)
    if milestone_id is not None:
        milestones = milestones.filter(pk=milestone_id)
    done = MilestoneProgress.objects.filter(enrolment=enrolment, completed_at__isnull=False)
    milestone = (
        milestones.exclude(pk__in=done.values("milestone_id")).order_by("position", "pk").first()
    )
    if milestone is None:
        return None
    qualified = Qualification.objects.filter(enrolment=enrolment).values("milestone_activity_id")
    activity = (
        MilestoneActivity.objects.filter(milestone=milestone)
        .exclude(pk__in=qualified)
        .order_by("pk")
        .first()
    )
    iri = activity.activity_iri if activity else ""
    link = iri if is_web_address(iri) else catalogue_link(enrolment=enrolment, language=language)
    return NextStep(milestone.translated("title", language), iri, link)


def is_web_address(iri: str) -> bool:
    """An http(s) URL with a host: only such an IRI is a place a mail client can open."""
    parts = urlsplit(iri)
    return parts.scheme in ("http", "https") and bool(parts.netloc)


def catalogue_link(*, enrolment: Enrolment, language: str) -> str:
    """The public catalogue, searched for the pathway's title, in the reader's language."""
    query = urlencode({"q": enrolment.pathway.translated("title", language), "lang": language})
    return f"{settings.KIPINA_PUBLIC_URL}{reverse('catalogue')}?{query}"
