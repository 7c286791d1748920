"""The API's shapes of a training need. Strict: unknown fields are refused, not ignored."""

from typing import Any

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from engagement.needs.models import MAX_PEOPLE, TrainingNeed
from engagement.needs.services import MAX_SKILLS


class SkillShape(serializers.Serializer[Any]):
    uri = serializers.CharField()
    # A declared field is taken off the class by DRF, so it does not shadow Field.label.
    label = serializers.CharField(source="translated_label")  # type: ignore[assignment]


class TrainingNeedShape(serializers.ModelSerializer[TrainingNeed]):
    company: serializers.SlugRelatedField[Any] = serializers.SlugRelatedField(
        slug_field="slug", read_only=True
    )
    company_name = serializers.CharField(source="company.translated_name", read_only=True)
    skills = SkillShape(many=True, read_only=True)

    class Meta:
        model = TrainingNeed
        fields = [
            "id",
            "company",
            "company_name",
            "skills",
            "people",
            "needed_by",
            "eqf_level",
            "description_en",
            "description_fi",
            "description_sv",
            "status",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields


class StrictSerializer(serializers.Serializer[Any]):
    def to_internal_value(self, data: Any) -> Any:
        if isinstance(data, dict):
            unknown = sorted(set(data) - set(self.fields))
            if unknown:
                raise serializers.ValidationError(
                    {field: [_("Unknown field.")] for field in unknown}
                )
        return super().to_internal_value(data)


class TrainingNeedWrite(StrictSerializer):
    company = serializers.SlugField(required=False, max_length=64)
    skills = serializers.ListField(
        child=serializers.CharField(max_length=300), min_length=1, max_length=MAX_SKILLS
    )
    people = serializers.IntegerField(min_value=1, max_value=MAX_PEOPLE)
    needed_by = serializers.DateField()
    eqf_level = serializers.IntegerField(min_value=1, max_value=8)
    description_en = serializers.CharField(required=False, allow_blank=True, max_length=500)
    description_fi = serializers.CharField(required=False, allow_blank=True, max_length=500)
    description_sv = serializers.CharField(required=False, allow_blank=True, max_length=500)


class TrainingNeedChange(TrainingNeedWrite):
    status = serializers.ChoiceField(choices=TrainingNeed.Status.choices, required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs["partial"] = True
        super().__init__(*args, **kwargs)
        self.fields.pop("company")


class TeachingShape(serializers.Serializer[Any]):
    pathway_id = serializers.IntegerField()
    pathway_title = serializers.CharField()
    eqf_level = serializers.IntegerField()
    milestones = serializers.ListField(child=serializers.CharField())


class SkillCoverageShape(serializers.Serializer[Any]):
    skill_uri = serializers.CharField()
    skill_label = serializers.CharField()
    eqf_level = serializers.IntegerField()
    people_waiting = serializers.IntegerField()
    needs = serializers.IntegerField()
    is_gap = serializers.BooleanField()
    pathways = TeachingShape(many=True)
    below_level = TeachingShape(many=True)
