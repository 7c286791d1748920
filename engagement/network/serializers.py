"""Shapes of the directory API. Output serializers format rows; input serializers validate
requests and hand `validated_data` to a service (they never save)."""

from typing import Any

from django.contrib.auth import get_user_model
from django.core.exceptions import ObjectDoesNotExist
from django.utils.translation import gettext_lazy as _
from drf_spectacular.extensions import OpenApiSerializerFieldExtension
from drf_spectacular.plumbing import ResolvedComponent
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from backend.serializers import SlugLookupField
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
from engagement.network.selectors import PathwayOverlap
from engagement.network.validators import validate_iri, validate_language_code


def _slugs(queryset: Any, **kwargs: Any) -> SlugLookupField:
    return SlugLookupField(slug_field="slug", queryset=queryset, **kwargs)


# --- Organisations ----------------------------------------------------------------------------


class OrganisationKindField(serializers.ChoiceField):
    """The kind of an organisation (network, university, uas, vocational, company)."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(choices=Organisation.Kind.choices, **kwargs)


class OrganisationKindFieldExtension(OpenApiSerializerFieldExtension):
    """Documents OrganisationKindField as the named enum OrganisationKindEnum. Organisations,
    roles and xAPI identities all have a `kind`, and drf-spectacular cannot name the
    organisation's one by itself (it is used in several components)."""

    target_class = "engagement.network.serializers.OrganisationKindField"

    def map_serializer_field(self, auto_schema: Any, direction: Any) -> Any:
        component = ResolvedComponent(
            name="OrganisationKindEnum",
            type=ResolvedComponent.SCHEMA,
            object="OrganisationKindEnum",
            schema={
                "type": "string",
                "enum": list(Organisation.Kind.values),
                "description": "; ".join(
                    f"`{v}`: {label}" for v, label in Organisation.Kind.choices
                ),
            },
        )
        auto_schema.registry.register_on_missing(component)
        return component.ref


class OrganisationSerializer(serializers.ModelSerializer[Organisation]):
    kind = OrganisationKindField(default=Organisation.Kind.VOCATIONAL)

    class Meta:
        model = Organisation
        fields = [
            "slug", "kind", "name_en", "name_fi", "name_sv", "business_id", "website",
            "email", "phone", "created_at",
        ]  # fmt: skip
        read_only_fields = ["created_at"]


class OrganisationUpdateSerializer(OrganisationSerializer):
    class Meta(OrganisationSerializer.Meta):
        read_only_fields = ["slug", "created_at"]


# --- People, roles, identities --------------------------------------------------------------


class PersonSerializer(serializers.ModelSerializer[Person]):
    username: Any = SlugLookupField(
        source="user",
        slug_field="username",
        queryset=get_user_model().objects.all(),
        required=False,
        allow_null=True,
        help_text=_("the person's Django login (an existing user name), if they have one"),
    )

    class Meta:
        model = Person
        fields = [
            "id", "given_name", "family_name", "email", "language", "time_zone", "username",
            "created_at",
        ]  # fmt: skip
        read_only_fields = ["created_at"]
        extra_kwargs = {"email": {"required": False}}


class RoleSerializer(serializers.ModelSerializer[Role]):
    organisation = _slugs(Organisation.objects.all())

    class Meta:
        model = Role
        fields = ["id", "person", "organisation", "kind", "created_at"]
        read_only_fields = ["created_at"]
        validators: list[Any] = []  # the service makes a repeated grant idempotent


class IdentitySerializer(serializers.ModelSerializer[XapiIdentity]):
    class Meta:
        model = XapiIdentity
        fields = ["id", "person", "kind", "value", "home_page", "agent_key", "created_at"]
        read_only_fields = ["agent_key", "created_at"]


class PersonDetailSerializer(PersonSerializer):
    """A person with their roles and xAPI identities (themselves, or an administrator)."""

    roles = RoleSerializer(many=True, read_only=True)
    identities = IdentitySerializer(many=True, read_only=True)

    class Meta(PersonSerializer.Meta):
        fields = [*PersonSerializer.Meta.fields, "roles", "identities"]


# --- Skills, pathways -----------------------------------------------------------------------


class SkillSerializer(serializers.ModelSerializer[EscoSkill]):
    class Meta:
        model = EscoSkill
        fields = ["id", "uri", "label_en", "label_fi", "label_sv"]


class ActivitySerializer(serializers.ModelSerializer[MilestoneActivity]):
    verbs = serializers.ListField(
        child=serializers.CharField(validators=[validate_iri]),
        min_length=1,
        help_text=_("verb IRIs whose statements count"),
    )

    class Meta:
        model = MilestoneActivity
        fields = ["id", "milestone", "activity_iri", "verbs", "min_scaled"]


class ActivityUpdateSerializer(ActivitySerializer):
    class Meta(ActivitySerializer.Meta):
        read_only_fields = ["milestone", "activity_iri"]


class NestedActivitySerializer(ActivitySerializer):
    class Meta(ActivitySerializer.Meta):
        fields = ["id", "activity_iri", "verbs", "min_scaled"]


class MilestoneSerializer(serializers.ModelSerializer[Milestone]):
    pathway = _slugs(Pathway.objects.all())
    provider = _slugs(Organisation.objects.all(), required=False, allow_null=True)
    skills = SlugLookupField(
        slug_field="uri", queryset=EscoSkill.objects.all(), many=True, required=False
    )
    activities = NestedActivitySerializer(many=True, read_only=True)

    class Meta:
        model = Milestone
        fields = [
            "id", "pathway", "position", "title_en", "title_fi", "title_sv", "provider",
            "required_count", "due_offset_days", "skills", "activities",
        ]  # fmt: skip
        validators: list[Any] = []  # the service names a taken position in its own words


class MilestoneUpdateSerializer(MilestoneSerializer):
    class Meta(MilestoneSerializer.Meta):
        read_only_fields = ["pathway"]


class NestedMilestoneSerializer(MilestoneSerializer):
    class Meta(MilestoneSerializer.Meta):
        fields = [f for f in MilestoneSerializer.Meta.fields if f != "pathway"]


class PathwaySerializer(serializers.ModelSerializer[Pathway]):
    languages = serializers.ListField(
        child=serializers.CharField(validators=[validate_language_code]),
        required=False,
        help_text=_("teaching languages as ISO 639 codes"),
    )
    skills = SlugLookupField(
        slug_field="uri", queryset=EscoSkill.objects.all(), many=True, required=False
    )
    providers = _slugs(Organisation.objects.all(), many=True, required=False)
    milestones = NestedMilestoneSerializer(many=True, read_only=True)

    class Meta:
        model = Pathway
        fields = [
            "slug", "title_en", "title_fi", "title_sv", "description_en", "description_fi",
            "description_sv", "target_audience_en", "target_audience_fi", "target_audience_sv",
            "eqf_level", "effort_hours", "languages", "skills", "providers", "is_published",
            "milestones", "created_at",
        ]  # fmt: skip
        read_only_fields = ["created_at"]


class PathwayUpdateSerializer(PathwaySerializer):
    class Meta(PathwaySerializer.Meta):
        read_only_fields = ["slug", "created_at"]


# --- Enrolments, cohorts, consents ----------------------------------------------------------


class EnrolmentSerializer(serializers.ModelSerializer[Enrolment]):
    """An enrolment in full, for its learner, their teachers and administrators."""

    pathway = _slugs(Pathway.objects.all())
    sponsor = _slugs(Organisation.objects.all(), required=False, allow_null=True)
    learner_name = serializers.CharField(source="learner.__str__", read_only=True)
    cohorts: Any = serializers.PrimaryKeyRelatedField(many=True, read_only=True)

    class Meta:
        model = Enrolment
        fields = [
            "id", "learner", "learner_name", "pathway", "started_on", "target_on", "sponsor",
            "status", "cohorts", "created_at",
        ]  # fmt: skip
        read_only_fields = ["created_at"]
        validators: list[Any] = []  # the service says who is already enrolled


class EnrolmentUpdateSerializer(EnrolmentSerializer):
    class Meta(EnrolmentSerializer.Meta):
        read_only_fields = ["learner", "pathway", "created_at"]


class SharedConsentSerializer(serializers.ModelSerializer[Consent]):
    employer: Any = serializers.SlugRelatedField(slug_field="slug", read_only=True)

    class Meta:
        model = Consent
        fields = ["employer", "given_at"]


class SharedEnrolmentSerializer(serializers.ModelSerializer[Enrolment]):
    """What an employer contact sees of an enrolment shared with their company: completion
    status and nothing of how the learner studies (no activities, log-ins, time on task,
    dates of activity or risk flags: Act 759/2004 §3)."""

    learner_name = serializers.CharField(source="learner.__str__", read_only=True)
    pathway: Any = serializers.SlugRelatedField(slug_field="slug", read_only=True)
    pathway_title = serializers.CharField(source="pathway.title_en", read_only=True)
    completed = serializers.SerializerMethodField()
    completed_at = serializers.SerializerMethodField()
    milestones_completed = serializers.SerializerMethodField()
    milestones_total = serializers.SerializerMethodField()
    shared_with = SharedConsentSerializer(source="shared_consents", many=True, read_only=True)

    class Meta:
        model = Enrolment
        fields = [
            "id", "learner_name", "pathway", "pathway_title", "status", "completed",
            "completed_at", "milestones_completed", "milestones_total", "shared_with",
        ]  # fmt: skip

    @staticmethod
    def _progress(enrolment: Enrolment) -> Any:
        # The projector's summary row (engagement.progress); absent until the first evidence.
        try:
            return enrolment.progress
        except ObjectDoesNotExist:
            return None

    @extend_schema_field(OpenApiTypes.BOOL)
    def get_completed(self, enrolment: Enrolment) -> bool:
        progress = self._progress(enrolment)
        return enrolment.status == Enrolment.Status.COMPLETED or (
            progress is not None and progress.completed_at is not None
        )

    # Null until the projector has seen the enrolment's first evidence.
    @extend_schema_field({"type": "string", "format": "date-time", "nullable": True})
    def get_completed_at(self, enrolment: Enrolment) -> Any:
        progress = self._progress(enrolment)
        return None if progress is None else progress.completed_at

    @extend_schema_field(OpenApiTypes.INT)
    def get_milestones_completed(self, enrolment: Enrolment) -> int:
        progress = self._progress(enrolment)
        return 0 if progress is None else progress.milestones_done

    @extend_schema_field({"type": "integer", "nullable": True})
    def get_milestones_total(self, enrolment: Enrolment) -> int | None:
        progress = self._progress(enrolment)
        return None if progress is None else progress.milestones_total


class CohortSerializer(serializers.ModelSerializer[Cohort]):
    provider = _slugs(Organisation.objects.all())
    teachers = serializers.PrimaryKeyRelatedField(
        many=True, queryset=Person.objects.all(), required=False
    )
    enrolments = serializers.PrimaryKeyRelatedField(
        many=True, queryset=Enrolment.objects.all(), required=False
    )

    class Meta:
        model = Cohort
        fields = ["id", "provider", "name", "teachers", "enrolments", "created_at"]
        read_only_fields = ["created_at"]
        validators: list[Any] = []  # the service names a taken cohort name


class CohortUpdateSerializer(CohortSerializer):
    class Meta(CohortSerializer.Meta):
        read_only_fields = ["provider", "created_at"]


class ConsentSerializer(serializers.ModelSerializer[Consent]):
    employer: Any = serializers.SlugRelatedField(slug_field="slug", read_only=True)
    is_active = serializers.BooleanField(read_only=True)

    class Meta:
        model = Consent
        fields = ["id", "enrolment", "employer", "given_at", "revoked_at", "is_active"]


class ConsentGiveSerializer(serializers.Serializer[Any]):
    """A learner shares one of their own enrolments with an employer."""

    enrolment = serializers.PrimaryKeyRelatedField(
        queryset=Enrolment.objects.none(), help_text=_("one of your own enrolments")
    )
    employer = SlugLookupField(
        slug_field="slug",
        queryset=Organisation.objects.filter(kind=Organisation.Kind.COMPANY),
        help_text=_("the company's slug"),
    )

    def __init__(self, *args: Any, learner: Person | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Only the learner's own enrolments exist here: another's id reads as unknown.
        field = self.fields["enrolment"]
        field.queryset = Enrolment.objects.filter(learner=learner)  # type: ignore[attr-defined]


# --- The public catalogue -------------------------------------------------------------------


class CatalogueSkillSerializer(serializers.ModelSerializer[EscoSkill]):
    label = serializers.SerializerMethodField()  # type: ignore[assignment]

    class Meta:
        model = EscoSkill
        fields = ["uri", "label", "label_en", "label_fi", "label_sv"]

    def get_label(self, skill: EscoSkill) -> str:
        return skill.translated("label")


class CatalogueProviderSerializer(serializers.ModelSerializer[Organisation]):
    name = serializers.SerializerMethodField()
    kind = OrganisationKindField(read_only=True)

    class Meta:
        model = Organisation
        fields = ["slug", "name", "kind", "website"]

    def get_name(self, organisation: Organisation) -> str:
        return organisation.translated("name")


class CatalogueMilestoneSerializer(serializers.ModelSerializer[Milestone]):
    title = serializers.SerializerMethodField()
    provider = CatalogueProviderSerializer(read_only=True, allow_null=True)

    class Meta:
        model = Milestone
        fields = ["position", "title", "provider", "due_offset_days"]

    def get_title(self, milestone: Milestone) -> str:
        return milestone.translated("title")


class CataloguePathwaySerializer(serializers.ModelSerializer[Pathway]):
    """A published pathway as the public sees it, in the request's language (Accept-Language
    or ?lang=), with every language's text alongside."""

    title = serializers.SerializerMethodField()
    description = serializers.SerializerMethodField()
    target_audience = serializers.SerializerMethodField()
    languages = serializers.ListField(child=serializers.CharField(), read_only=True)
    skills = CatalogueSkillSerializer(many=True, read_only=True)
    providers = CatalogueProviderSerializer(many=True, read_only=True)
    milestones = CatalogueMilestoneSerializer(many=True, read_only=True)

    class Meta:
        model = Pathway
        fields = [
            "slug", "title", "description", "target_audience", "title_en", "title_fi",
            "title_sv", "description_en", "description_fi", "description_sv",
            "target_audience_en", "target_audience_fi", "target_audience_sv", "eqf_level",
            "effort_hours", "languages", "skills", "providers", "milestones",
        ]  # fmt: skip

    def get_title(self, pathway: Pathway) -> str:
        return pathway.translated("title")

    def get_description(self, pathway: Pathway) -> str:
        return pathway.translated("description")

    def get_target_audience(self, pathway: Pathway) -> str:
        return pathway.translated("target_audience")


class OverlapPathwaySerializer(serializers.ModelSerializer[Pathway]):
    title = serializers.SerializerMethodField()

    class Meta:
        model = Pathway
        fields = ["slug", "title"]

    def get_title(self, pathway: Pathway) -> str:
        return pathway.translated("title")


class OverlapSerializer(serializers.Serializer[PathwayOverlap]):
    first = OverlapPathwaySerializer()
    second = OverlapPathwaySerializer()
    reasons = serializers.SerializerMethodField(
        help_text=_(
            "shared_activities: the milestones count the same activity IRIs; "
            "skills: the ESCO skill sets' Jaccard index is at least 0.5"
        )
    )
    shared_activity_iris = serializers.ListField(child=serializers.CharField())
    shared_skills = CatalogueSkillSerializer(many=True)
    skill_jaccard = serializers.SerializerMethodField()

    @extend_schema_field(
        serializers.ListField(child=serializers.ChoiceField(["shared_activities", "skills"]))
    )
    def get_reasons(self, overlap: PathwayOverlap) -> list[str]:
        reasons = ["shared_activities"] if overlap.shares_activities else []
        return reasons + (["skills"] if overlap.skills_overlap else [])

    @extend_schema_field(OpenApiTypes.FLOAT)
    def get_skill_jaccard(self, overlap: PathwayOverlap) -> float:
        return round(overlap.skill_jaccard, 3)


# --- Import and export ----------------------------------------------------------------------


class ImportProblemSerializer(serializers.Serializer[Any]):
    file = serializers.CharField()
    line = serializers.IntegerField()
    field = serializers.CharField(help_text=_("column, or JSON path of the field"))
    message = serializers.CharField()


class ImportRefusedSerializer(serializers.Serializer[Any]):
    detail = serializers.CharField()
    problems = ImportProblemSerializer(many=True)


class ImportCountsSerializer(serializers.Serializer[Any]):
    created = serializers.IntegerField()
    updated = serializers.IntegerField()
    unchanged = serializers.IntegerField()


class ImportResultSerializer(serializers.Serializer[Any]):
    rows = serializers.IntegerField()
    dry_run = serializers.BooleanField()
    counts = serializers.DictField(child=ImportCountsSerializer())


class ImportUploadSerializer(serializers.Serializer[Any]):
    file = serializers.FileField(help_text=_("a .json document, a .zip of CSVs, or <kind>.csv"))
