"""Selector: a learner's next concrete step on an enrolment, for the nudges to name and link.

The step is the first unfinished milestone of the pathway (by position; one the projection has
not marked completed) and its first activity without a qualifying statement yet, named as the
milestone's provider's LMS defined it (the LRS's canonical definition, when there is one). The
link goes straight to that activity when its IRI is a web address (partner LMSs use their own
URLs as activity ids), else to the pathway in the public catalogue.
"""

from dataclasses import dataclass
from urllib.parse import urlencode, urlsplit

from django.conf import settings
from django.urls import reverse

from engagement.network.models import Enrolment, Milestone, MilestoneActivity
from engagement.progress.models import MilestoneProgress, Qualification
from learning_records.selectors import activity_get


@dataclass(frozen=True)
class NextStep:
    milestone: str  # its title in the reader's language
    activity_iri: str  # "" when every activity of the milestone is done (or it has none)
    activity_name: str  # "" when the LMS gave the activity no name
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
    name = ""
    if iri and milestone.provider_id is not None:
        # The provider's LMS reports into the provider's own store (its LRS tenant).
        found = activity_get(organisation_id=milestone.provider_id, activity_iri=iri)
        name = language_map_pick(found.get("definition", {}).get("name", {}), language)
    link = iri if is_web_address(iri) else catalogue_link(enrolment=enrolment, language=language)
    return NextStep(milestone.translated("title", language), iri, name, link)


def language_map_pick(names: object, language: str) -> str:
    """The entry of an xAPI language map (xAPI 1.0.3 §4.2.7: RFC 5646 tags as keys) for the
    reader's language: its exact tag or a regional one (fi, fi-FI), else English, else any."""
    if not isinstance(names, dict):
        return ""
    texts = {str(tag).lower(): text for tag, text in names.items() if isinstance(text, str)}
    for wanted in (language.lower(), "en"):
        for tag, text in texts.items():
            if tag == wanted or tag.startswith(f"{wanted}-"):
                return text.strip()
    return next(iter(texts.values()), "").strip()


def is_web_address(iri: str) -> bool:
    """An http(s) URL with a host: only such an IRI is a place a mail client can open."""
    parts = urlsplit(iri)
    return parts.scheme in ("http", "https") and bool(parts.netloc)


def catalogue_link(*, enrolment: Enrolment, language: str) -> str:
    """The public catalogue, searched for the pathway's title, in the reader's language."""
    query = urlencode({"q": enrolment.pathway.translated("title", language), "lang": language})
    return f"{settings.KIPINA_PUBLIC_URL}{reverse('catalogue')}?{query}"
