"""Query-parameter filters of the directory API and the catalogue page (django-filter)."""

from typing import Any

from django.db.models import Q, QuerySet
from django.utils.translation import gettext_lazy as _

# django-filter ships no type stubs (pyproject's mypy overrides do not list it yet).
from django_filters import rest_framework as filters

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
from engagement.network.selectors import (
    pathways_in_language,
    pathways_with_provider,
    pathways_with_skill,
)


def _text_search(*fields: str) -> Any:
    def search(queryset: QuerySet[Any], name: str, value: str) -> QuerySet[Any]:
        condition = Q()
        for field in fields:
            condition |= Q(**{f"{field}__icontains": value.strip()})
        return queryset.filter(condition)

    return search


class OrganisationFilter(filters.FilterSet):
    q = filters.CharFilter(
        method=_text_search("name_en", "name_fi", "name_sv", "slug", "business_id"),
        label=_("name, slug or business id contains"),
    )

    class Meta:
        model = Organisation
        fields = ["kind"]


class PersonFilter(filters.FilterSet):
    q = filters.CharFilter(
        method=_text_search("given_name", "family_name", "email"),
        label=_("name or e-mail contains"),
    )
    role = filters.ChoiceFilter(
        field_name="roles__kind", choices=Role.Kind.choices, distinct=True, label=_("holds a role")
    )
    organisation = filters.CharFilter(
        field_name="roles__organisation__slug", distinct=True, label=_("has a role at (slug)")
    )

    class Meta:
        model = Person
        fields = ["language"]


class RoleFilter(filters.FilterSet):
    organisation = filters.CharFilter(field_name="organisation__slug", label=_("organisation slug"))

    class Meta:
        model = Role
        fields = ["person", "kind"]


class IdentityFilter(filters.FilterSet):
    class Meta:
        model = XapiIdentity
        fields = ["person", "kind"]


class SkillFilter(filters.FilterSet):
    q = filters.CharFilter(
        method=_text_search("uri", "label_en", "label_fi", "label_sv"),
        label=_("URI or label contains"),
    )

    class Meta:
        model = EscoSkill
        fields: list[str] = []


class PathwayFilter(filters.FilterSet):
    skill = filters.CharFilter(method="filter_skill", label=_("ESCO URI, or text of a label"))
    provider = filters.CharFilter(method="filter_provider", label=_("provider slug"))
    language = filters.CharFilter(method="filter_language", label=_("teaching language code"))

    class Meta:
        model = Pathway
        fields = ["is_published", "eqf_level"]

    def filter_skill(self, queryset: QuerySet[Pathway], name: str, value: str) -> QuerySet[Pathway]:
        return pathways_with_skill(queryset, value)

    def filter_provider(
        self, queryset: QuerySet[Pathway], name: str, value: str
    ) -> QuerySet[Pathway]:
        return pathways_with_provider(queryset, value)

    def filter_language(
        self, queryset: QuerySet[Pathway], name: str, value: str
    ) -> QuerySet[Pathway]:
        return pathways_in_language(queryset, value)


class CatalogueFilter(PathwayFilter):
    """The public catalogue's search: text, skill, provider, EQF level, language, effort."""

    q = filters.CharFilter(
        method=_text_search(
            "title_en",
            "title_fi",
            "title_sv",
            "description_en",
            "description_fi",
            "description_sv",
        ),
        label=_("Search"),
    )
    eqf_level = filters.NumberFilter(label=_("EQF level"))
    eqf_min = filters.NumberFilter(field_name="eqf_level", lookup_expr="gte", label=_("EQF from"))
    eqf_max = filters.NumberFilter(field_name="eqf_level", lookup_expr="lte", label=_("EQF to"))
    effort_min = filters.NumberFilter(
        field_name="effort_hours", lookup_expr="gte", label=_("Effort at least (hours)")
    )
    effort_max = filters.NumberFilter(
        field_name="effort_hours", lookup_expr="lte", label=_("Effort at most (hours)")
    )

    class Meta:
        model = Pathway
        fields: list[str] = []


class MilestoneFilter(filters.FilterSet):
    pathway = filters.CharFilter(field_name="pathway__slug", label=_("pathway slug"))
    provider = filters.CharFilter(field_name="provider__slug", label=_("provider slug"))

    class Meta:
        model = Milestone
        fields: list[str] = []


class ActivityFilter(filters.FilterSet):
    pathway = filters.CharFilter(field_name="milestone__pathway__slug", label=_("pathway slug"))

    class Meta:
        model = MilestoneActivity
        fields = ["milestone"]


class EnrolmentFilter(filters.FilterSet):
    pathway = filters.CharFilter(field_name="pathway__slug", label=_("pathway slug"))
    sponsor = filters.CharFilter(field_name="sponsor__slug", label=_("sponsor slug"))
    cohort = filters.NumberFilter(field_name="cohorts", label=_("cohort id"))
    started_after = filters.DateFilter(field_name="started_on", lookup_expr="gte")
    started_before = filters.DateFilter(field_name="started_on", lookup_expr="lte")

    class Meta:
        model = Enrolment
        fields = ["status", "learner"]


class SharedEnrolmentFilter(filters.FilterSet):
    pathway = filters.CharFilter(field_name="pathway__slug", label=_("pathway slug"))
    employer = filters.CharFilter(method="filter_employer", label=_("employer slug"))

    class Meta:
        model = Enrolment
        fields = ["status"]

    def filter_employer(
        self, queryset: QuerySet[Enrolment], name: str, value: str
    ) -> QuerySet[Enrolment]:
        shared = Consent.objects.filter(revoked_at=None, employer__slug=value)
        return queryset.filter(id__in=shared.values("enrolment_id"))


class CohortFilter(filters.FilterSet):
    provider = filters.CharFilter(field_name="provider__slug", label=_("provider slug"))
    teacher = filters.NumberFilter(field_name="teachers", label=_("teacher's person id"))

    class Meta:
        model = Cohort
        fields: list[str] = []


class ConsentFilter(filters.FilterSet):
    employer = filters.CharFilter(field_name="employer__slug", label=_("employer slug"))
    active = filters.BooleanFilter(field_name="revoked_at", lookup_expr="isnull")

    class Meta:
        model = Consent
        fields = ["enrolment"]
