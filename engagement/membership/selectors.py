"""Reads of membership: the public member directory and the pending applications."""

from dataclasses import dataclass

from django.db.models import Prefetch, QuerySet

from engagement.membership.models import MembershipApplication
from engagement.network.models import Milestone, Organisation, Pathway


@dataclass(frozen=True)
class Directory:
    providers: list[Organisation]
    companies: list[Organisation]


def member_directory() -> Directory:
    """Providers with the published pathways they take part in and the milestones they
    provide on them (`offered_pathways`, `offered_milestones`), and the companies: four
    queries (providers, their pathways, their milestones, companies), whatever the size."""
    published = Pathway.objects.filter(is_published=True).order_by("title_en")
    providers = Organisation.objects.filter(kind__in=Organisation.PROVIDER_KINDS).prefetch_related(
        Prefetch("pathways", queryset=published, to_attr="offered_pathways"),
        Prefetch(
            "milestones",
            queryset=Milestone.objects.filter(pathway__is_published=True)
            .select_related("pathway")
            .order_by("pathway__title_en", "position"),
            to_attr="offered_milestones",
        ),
    )
    companies = Organisation.objects.filter(kind=Organisation.Kind.COMPANY)
    return Directory(providers=list(providers), companies=list(companies))


def applications_pending() -> QuerySet[MembershipApplication]:
    return MembershipApplication.objects.filter(status=MembershipApplication.Status.PENDING)
