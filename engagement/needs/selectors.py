"""Reads of training needs, and who may read them.

- an employer contact reads and writes the needs of the companies they are a contact of;
- a network administrator and provider staff (anyone holding a role other than learner at
  an education provider) read every company's needs and the needs-vs-offer report;
- a learner reads the pathways matching the open needs of employers they linked themselves.
  No selector tells a company who linked it.
"""

from collections.abc import Iterable, Mapping
from typing import Any

from django.db.models import QuerySet
from django.utils.translation import get_language

from engagement.needs.coverage import (
    NeedRow,
    OfferRow,
    PathwayMatch,
    SkillCoverage,
    matching_pathways,
    needs_vs_offer,
)
from engagement.needs.models import EmployerLink, TrainingNeed
from engagement.network.models import Milestone, Organisation, Pathway, Person, Role


def companies_of_contact(*, person: Person | None) -> QuerySet[Organisation]:
    if person is None:
        return Organisation.objects.none()
    return Organisation.objects.filter(
        kind=Organisation.Kind.COMPANY,
        roles__person=person,
        roles__kind=Role.Kind.EMPLOYER_CONTACT,
    ).distinct()


def reads_every_need(*, person: Person | None, is_admin: bool) -> bool:
    """Network administrators and provider staff read all needs and the report."""
    if is_admin:
        return True
    return (
        person is not None
        and Role.objects.filter(person=person, organisation__kind__in=Organisation.PROVIDER_KINDS)
        .exclude(kind=Role.Kind.LEARNER)
        .exists()
    )


def needs_visible_to(*, person: Person | None, is_admin: bool) -> QuerySet[TrainingNeed]:
    if reads_every_need(person=person, is_admin=is_admin):
        needs = TrainingNeed.objects.all()
    else:
        needs = TrainingNeed.objects.filter(company__in=companies_of_contact(person=person))
    return needs.select_related("company").prefetch_related("skills")


def needs_of_contact(*, person: Person | None) -> QuerySet[TrainingNeed]:
    """The needs an employer contact may change: their companies' own."""
    return (
        TrainingNeed.objects.filter(company__in=companies_of_contact(person=person))
        .select_related("company")
        .prefetch_related("skills")
    )


def _label(row: Mapping[str, Any], prefix: str) -> str:
    language = (get_language() or "en")[:2]
    return str(row.get(f"{prefix}_{language}") or row[f"{prefix}_en"])


def _need_rows(needs: QuerySet[TrainingNeed]) -> list[NeedRow]:
    """One query: each (open need, skill) pair with the skill's labels."""
    through = TrainingNeed.skills.through.objects.filter(
        trainingneed__in=needs.filter(status=TrainingNeed.Status.OPEN)
    ).values(
        "trainingneed_id",
        "trainingneed__eqf_level",
        "trainingneed__people",
        "escoskill__uri",
        "escoskill__label_en",
        "escoskill__label_fi",
        "escoskill__label_sv",
    )
    return [
        NeedRow(
            need_id=row["trainingneed_id"],
            skill_uri=row["escoskill__uri"],
            skill_label=_label(row, "escoskill__label"),
            eqf_level=row["trainingneed__eqf_level"],
            people=row["trainingneed__people"],
        )
        for row in through
    ]


def _offer_rows(skill_uris: Iterable[str]) -> list[OfferRow]:
    """Two queries: the published pathways' own skills and their milestones' skills,
    narrowed to the skills asked for."""
    uris = sorted(set(skill_uris))
    if not uris:
        return []
    pathway_skills = Pathway.skills.through.objects.filter(
        pathway__is_published=True, escoskill__uri__in=uris
    ).values(
        "pathway_id",
        "pathway__title_en",
        "pathway__title_fi",
        "pathway__title_sv",
        "pathway__eqf_level",
        "escoskill__uri",
    )
    milestone_skills = Milestone.skills.through.objects.filter(
        milestone__pathway__is_published=True, escoskill__uri__in=uris
    ).values(
        "milestone__pathway_id",
        "milestone__pathway__title_en",
        "milestone__pathway__title_fi",
        "milestone__pathway__title_sv",
        "milestone__pathway__eqf_level",
        "milestone__title_en",
        "milestone__title_fi",
        "milestone__title_sv",
        "escoskill__uri",
    )
    rows = [
        OfferRow(
            pathway_id=row["pathway_id"],
            pathway_title=_label(row, "pathway__title"),
            eqf_level=row["pathway__eqf_level"],
            skill_uri=row["escoskill__uri"],
        )
        for row in pathway_skills
    ]
    rows += [
        OfferRow(
            pathway_id=row["milestone__pathway_id"],
            pathway_title=_label(row, "milestone__pathway__title"),
            eqf_level=row["milestone__pathway__eqf_level"],
            skill_uri=row["escoskill__uri"],
            milestone_title=_label(row, "milestone__title"),
        )
        for row in milestone_skills
    ]
    return rows


def needs_offer_report() -> list[SkillCoverage]:
    """Every company's open needs against the published pathways: three queries, however
    many needs and pathways there are."""
    needs = _need_rows(TrainingNeed.objects.all())
    return needs_vs_offer(needs, _offer_rows(need.skill_uri for need in needs))


def active_employer_links(*, person: Person) -> QuerySet[EmployerLink]:
    return EmployerLink.objects.filter(person=person, revoked_at=None).select_related("company")


def pathways_for_linked_employers(*, person: Person) -> list[PathwayMatch]:
    """Published pathways teaching a skill one of the person's linked employers needs."""
    linked = active_employer_links(person=person).values("company_id")
    needs = _need_rows(TrainingNeed.objects.filter(company__in=linked))
    return matching_pathways(needs, _offer_rows(need.skill_uri for need in needs))


def companies_to_link() -> QuerySet[Organisation]:
    return Organisation.objects.filter(kind=Organisation.Kind.COMPANY)
