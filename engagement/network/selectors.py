"""Reads of the network directory, with the visibility rules of DESIGN.md "Who may see what".

Every personal read goes through a `*_visible_to(viewer)` selector, so the API, the admin's
future dashboards and the dashboards room apply one set of rules:

- a learner sees their own person, enrolments and consents;
- a teacher sees the enrolments (and their learners) of the cohorts they teach, while they
  hold a teacher role at the cohort's provider;
- an employer contact sees an enrolment only while its learner's consent to that company is
  active, and then only through `enrolments_shared_with` (completion status, no activity);
- a network administrator (network_admin role in the network organisation, or a Django
  superuser) sees everything.

Visibility is computed at read time from the rows themselves (roles, cohorts, consents);
nothing is cached, so a revoked consent or role hides the data with the next read.
"""

from collections import defaultdict
from collections.abc import Collection, Iterator
from dataclasses import dataclass
from itertools import combinations, groupby
from typing import Any

from django.contrib.auth.models import AnonymousUser
from django.db.models import Exists, F, OuterRef, Prefetch, Q, QuerySet

from backend.db import among
from engagement.network.models import (
    Cohort,
    Consent,
    Enrolment,
    EscoSkill,
    Milestone,
    MilestoneActivity,
    Organisation,
    Pathway,
    Person,
    Role,
    XapiIdentity,
)

# Two pathways "mostly" teach the same skills when the Jaccard index of their ESCO skill sets
# (shared / all distinct) is at least this: e.g. 2 of 3 distinct skills, or 3 of 6.
OVERLAP_SKILL_JACCARD = 0.5


@dataclass(frozen=True)
class Viewer:
    """Who is reading: their person (None for a login without one) and whether they
    administer the network."""

    person: Person | None
    is_admin: bool

    @property
    def person_id(self) -> int | None:
        return None if self.person is None else self.person.pk


ANONYMOUS = Viewer(person=None, is_admin=False)


def _admin_role() -> Any:
    return Role.objects.filter(
        person=OuterRef("pk"),
        kind=Role.Kind.NETWORK_ADMIN,
        organisation__kind=Organisation.Kind.NETWORK,
    )


def viewer_of_user(user: Any) -> Viewer:
    """The viewer a Django user is (one query)."""
    if user is None or isinstance(user, AnonymousUser) or not user.is_authenticated:
        return ANONYMOUS
    person = Person.objects.filter(user=user).annotate(is_network_admin=Exists(_admin_role()))
    found = person.first()
    is_admin = bool(user.is_superuser or (found is not None and found.is_network_admin))
    return Viewer(person=found, is_admin=is_admin)


def viewer_of_person(person: Person) -> Viewer:
    """The viewer a person is, for reads made on their behalf (dashboards, digests)."""
    is_admin = bool(person.user is not None and person.user.is_superuser) or (
        Role.objects.filter(
            person=person,
            kind=Role.Kind.NETWORK_ADMIN,
            organisation__kind=Organisation.Kind.NETWORK,
        ).exists()
    )
    return Viewer(person=person, is_admin=is_admin)


def _taught_enrolment_ids(person_id: int) -> QuerySet[Any]:
    # One filter() call: the cohort's teacher and the teacher role refer to the same person
    # and the role is held at the cohort's own provider. A teacher listed on another
    # provider's cohort, or whose role was revoked, sees nothing through it.
    return Cohort.enrolments.through.objects.filter(
        cohort__teachers=person_id,
        cohort__provider__roles__person=person_id,
        cohort__provider__roles__kind=Role.Kind.TEACHER,
    ).values("enrolment_id")


def _shared_enrolment_ids(person_id: int) -> QuerySet[Any]:
    return Consent.objects.filter(
        revoked_at=None,
        employer__roles__person=person_id,
        employer__roles__kind=Role.Kind.EMPLOYER_CONTACT,
    ).values("enrolment_id")


def enrolments_visible_to(viewer: Viewer) -> QuerySet[Enrolment]:
    """Enrolments the viewer may see in full: their own, their cohorts', or all (admin).

    Employers are not served here: see `enrolments_shared_with`."""
    if viewer.is_admin:
        return Enrolment.objects.all()
    if viewer.person_id is None:
        return Enrolment.objects.none()
    return Enrolment.objects.filter(
        Q(learner_id=viewer.person_id) | Q(id__in=_taught_enrolment_ids(viewer.person_id))
    )


def enrolments_shared_with(viewer: Viewer) -> QuerySet[Enrolment]:
    """Enrolments shared, by an active consent, with a company the viewer is an employer
    contact of. What may be shown of them is completion and credential status only
    (Act 759/2004 §3); the rows carry `shared_consents`, the viewer's companies' consents."""
    if viewer.person_id is None:
        return Enrolment.objects.none()
    consents = Consent.objects.filter(
        revoked_at=None,
        employer__roles__person=viewer.person_id,
        employer__roles__kind=Role.Kind.EMPLOYER_CONTACT,
    ).select_related("employer")
    return Enrolment.objects.filter(
        id__in=_shared_enrolment_ids(viewer.person_id)
    ).prefetch_related(Prefetch("consents", queryset=consents, to_attr="shared_consents"))


def contacts_with_shared_enrolments(
    person_ids: Collection[int], *, statuses: Collection[str]
) -> set[int]:
    """Those of these people to whom `enrolments_shared_with` would show at least one
    enrolment in one of `statuses`: one query for a batch. Both lookups through `roles` sit
    in one filter() call, so they hold for the same role row."""
    contacts = Consent.objects.filter(
        among("employer__roles__person_id", person_ids),
        revoked_at=None,
        employer__roles__kind=Role.Kind.EMPLOYER_CONTACT,
        enrolment__status__in=list(statuses),
    ).values_list("employer__roles__person_id", flat=True)
    return set(contacts.distinct())


def consents_visible_to(viewer: Viewer) -> QuerySet[Consent]:
    """A learner's own consents (revoked ones too: it is their history); an employer
    contact's companies' active consents; all for an administrator."""
    if viewer.is_admin:
        return Consent.objects.all()
    if viewer.person_id is None:
        return Consent.objects.none()
    return Consent.objects.filter(
        Q(enrolment__learner_id=viewer.person_id)
        | Q(id__in=_employer_consent_ids(viewer.person_id))
    )


def _employer_consent_ids(person_id: int) -> QuerySet[Any]:
    return Consent.objects.filter(
        revoked_at=None,
        employer__roles__person=person_id,
        employer__roles__kind=Role.Kind.EMPLOYER_CONTACT,
    ).values("id")


def cohorts_taught_by(person_ids: Collection[int]) -> dict[int, list[int]]:
    """Cohort ids each of these people teaches, by the rule `cohorts_visible_to` applies to
    a teacher (a cohort they teach at a provider where they hold the teacher role): one
    query for a batch; people who teach none are left out."""
    taught: dict[int, list[int]] = defaultdict(list)
    for person_id, cohort_id in (
        Cohort.objects.filter(
            among("teachers__id", person_ids),
            provider__roles__person=F("teachers"),
            provider__roles__kind=Role.Kind.TEACHER,
        )
        .values_list("teachers", "pk")
        .distinct()
        .order_by("teachers", "pk")
    ):
        taught[person_id].append(cohort_id)
    return dict(taught)


def cohorts_visible_to(viewer: Viewer) -> QuerySet[Cohort]:
    if viewer.is_admin:
        return Cohort.objects.all()
    if viewer.person_id is None:
        return Cohort.objects.none()
    return Cohort.objects.filter(
        teachers=viewer.person_id,
        provider__roles__person=viewer.person_id,
        provider__roles__kind=Role.Kind.TEACHER,
    )


def people_visible_to(viewer: Viewer) -> QuerySet[Person]:
    """Themselves, and for a teacher the learners of the cohorts they teach."""
    if viewer.is_admin:
        return Person.objects.all()
    if viewer.person_id is None:
        return Person.objects.none()
    taught = Enrolment.objects.filter(id__in=_taught_enrolment_ids(viewer.person_id))
    return Person.objects.filter(Q(pk=viewer.person_id) | Q(pk__in=taught.values("learner_id")))


def identities_visible_to(viewer: Viewer) -> QuerySet[XapiIdentity]:
    """xAPI identities tie a person to their activity stream: own ones, or an admin's."""
    if viewer.is_admin:
        return XapiIdentity.objects.all()
    if viewer.person_id is None:
        return XapiIdentity.objects.none()
    return XapiIdentity.objects.filter(person_id=viewer.person_id)


def roles_visible_to(viewer: Viewer) -> QuerySet[Role]:
    if viewer.is_admin:
        return Role.objects.all()
    if viewer.person_id is None:
        return Role.objects.none()
    return Role.objects.filter(person_id=viewer.person_id)


def pathways_visible_to(viewer: Viewer) -> QuerySet[Pathway]:
    """Published pathways, plus unpublished ones the viewer is enrolled on (or all: admin)."""
    if viewer.is_admin:
        return Pathway.objects.all()
    own = Enrolment.objects.filter(learner_id=viewer.person_id).values("pathway_id")
    return Pathway.objects.filter(Q(is_published=True) | Q(id__in=own))


# --- The public catalogue ---------------------------------------------------------------------


def catalogue_pathways() -> QuerySet[Pathway]:
    return Pathway.objects.filter(is_published=True)


def catalogue_pathways_in_full() -> QuerySet[Pathway]:
    """Published pathways with what the catalogue shows of them, in title order."""
    return (
        catalogue_pathways()
        .prefetch_related(
            "skills",
            "providers",
            Prefetch("milestones", queryset=Milestone.objects.select_related("provider")),
        )
        .order_by("title_en", "slug")
    )


def catalogue_providers() -> QuerySet[Organisation]:
    """Providers taking part in a published pathway (listed, or delivering a milestone)."""
    published = catalogue_pathways()
    return Organisation.objects.filter(
        Q(
            id__in=Pathway.providers.through.objects.filter(pathway__in=published).values(
                "organisation_id"
            )
        )
        | Q(id__in=Milestone.objects.filter(pathway__in=published).values("provider_id"))
    ).order_by("name_en")


def pathways_with_skill(pathways: QuerySet[Pathway], term: str) -> QuerySet[Pathway]:
    """An ESCO URI matches exactly; any other text matches skill labels in any language."""
    term = term.strip()
    if term.startswith(("http://", "https://")):
        skills = EscoSkill.objects.filter(uri=term)
    else:
        skills = EscoSkill.objects.filter(
            Q(label_en__icontains=term) | Q(label_fi__icontains=term) | Q(label_sv__icontains=term)
        )
    return pathways.filter(
        id__in=Pathway.skills.through.objects.filter(escoskill__in=skills).values("pathway_id")
    )


def pathways_with_provider(pathways: QuerySet[Pathway], slug: str) -> QuerySet[Pathway]:
    """Pathways the provider takes part in: listed as a provider or delivering a milestone."""
    listed = Pathway.providers.through.objects.filter(organisation__slug=slug)
    delivering = Milestone.objects.filter(provider__slug=slug)
    return pathways.filter(
        Q(id__in=listed.values("pathway_id")) | Q(id__in=delivering.values("pathway_id"))
    )


def pathways_in_language(pathways: QuerySet[Pathway], code: str) -> QuerySet[Pathway]:
    # `languages` is a JSON list of validated ISO codes ([a-z]{2,3}), so the quoted code
    # matches one element exactly in the list's JSON text. JSON `contains` lookups would be
    # tidier but SQLite has none, and the embedded demo runs on SQLite.
    return pathways.filter(languages__icontains=f'"{code.strip().lower()}"')


@dataclass(frozen=True)
class PathwayOverlap:
    """Two published pathways that overlap, with the reasons."""

    first: Pathway
    second: Pathway
    shared_activity_iris: tuple[str, ...]
    shared_skills: tuple[EscoSkill, ...]
    skill_jaccard: float

    @property
    def shares_activities(self) -> bool:
        return bool(self.shared_activity_iris)

    @property
    def skills_overlap(self) -> bool:
        return self.skill_jaccard >= OVERLAP_SKILL_JACCARD


def pathway_overlaps(*, published_only: bool = True) -> list[PathwayOverlap]:
    """Pairs of pathways whose milestones count the same activity IRI, or whose ESCO skill
    sets have a Jaccard index of at least OVERLAP_SKILL_JACCARD, ordered by title.

    Both are found by streaming the criteria and skill links in key order, so memory holds
    one key's group at a time (plus the pairs found), never a whole table.
    """
    pathways = Pathway.objects.all() if not published_only else catalogue_pathways()
    by_id = {pathway.pk: pathway for pathway in pathways.prefetch_related("skills")}
    shared_iris: dict[tuple[int, int], set[str]] = {}
    for iri, holders in _groups_of(
        MilestoneActivity.objects.filter(milestone__pathway__in=by_id)
        .order_by("activity_hash", "activity_iri")
        .values_list("activity_iri", "milestone__pathway_id")
    ):
        for pair in combinations(sorted(holders), 2):
            shared_iris.setdefault(pair, set()).add(iri)
    skill_sets = {pk: {skill.pk for skill in pathway.skills.all()} for pk, pathway in by_id.items()}
    pairs_by_skill: set[tuple[int, int]] = set()
    for _skill, holders in _groups_of(
        Pathway.skills.through.objects.filter(pathway_id__in=by_id)
        .order_by("escoskill_id")
        .values_list("escoskill_id", "pathway_id")
    ):
        pairs_by_skill.update(combinations(sorted(holders), 2))
    skills_by_id = {s.pk: s for p in by_id.values() for s in p.skills.all()}
    overlaps = []
    for first, second in shared_iris.keys() | pairs_by_skill:
        common = skill_sets[first] & skill_sets[second]
        union = skill_sets[first] | skill_sets[second]
        jaccard = len(common) / len(union) if union else 0.0
        iris = shared_iris.get((first, second), set())
        if iris or jaccard >= OVERLAP_SKILL_JACCARD:
            ordered = sorted((by_id[first], by_id[second]), key=lambda p: (p.title_en, p.slug))
            overlaps.append(
                PathwayOverlap(
                    first=ordered[0],
                    second=ordered[1],
                    shared_activity_iris=tuple(sorted(iris)),
                    shared_skills=tuple(
                        sorted((skills_by_id[pk] for pk in common), key=lambda s: s.label_en)
                    ),
                    skill_jaccard=jaccard,
                )
            )
    return sorted(overlaps, key=lambda o: (o.first.title_en, o.second.title_en))


def _groups_of(rows: QuerySet[Any]) -> Iterator[tuple[Any, set[int]]]:
    """(key, set of pathway ids) per key of (key, pathway id) rows ordered by key."""
    for key, group in groupby(rows.iterator(), key=lambda row: row[0]):
        yield key, {pathway_id for _key, pathway_id in group}
