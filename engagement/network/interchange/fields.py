"""Field rules of each kind of row: types, formats, required values and defaults.

DRF serializers are used as plain validators here (nothing is saved through them): they turn
CSV text and JSON values into Python values and say what is wrong with each field.
"""

from typing import Any

from rest_framework import serializers

from engagement.network.models import Enrolment, Organisation, Person, Role, XapiIdentity
from engagement.network.validators import (
    validate_business_id,
    validate_esco_uri,
    validate_iri,
    validate_language_code,
    validate_time_zone,
)


def _text(max_length: int | None = None, **kwargs: Any) -> serializers.CharField:
    return serializers.CharField(
        max_length=max_length, required=False, default="", allow_blank=True, **kwargs
    )


def _list(child: serializers.Field, **kwargs: Any) -> serializers.ListField:
    return serializers.ListField(child=child, required=False, default=list, **kwargs)


class _Email(serializers.EmailField):
    """E-mail addresses are keys: compared in lower case, as person_create stores them."""

    def to_internal_value(self, data: Any) -> str:
        return str(super().to_internal_value(data)).strip().lower()


def _optional_int(**kwargs: Any) -> serializers.IntegerField:
    return serializers.IntegerField(required=False, default=None, allow_null=True, **kwargs)


class OrganisationRow(serializers.Serializer[Any]):
    slug = serializers.SlugField(max_length=64)
    kind = serializers.ChoiceField(choices=Organisation.Kind.choices)
    name_en = serializers.CharField(max_length=200)
    name_fi = _text(200)
    name_sv = _text(200)
    business_id = _text(9, validators=[validate_business_id])
    website = serializers.URLField(required=False, default="", allow_blank=True)
    email = serializers.EmailField(required=False, default="", allow_blank=True)
    phone = _text(40)


class SkillRow(serializers.Serializer[Any]):
    uri = serializers.CharField(max_length=300, validators=[validate_esco_uri])
    label_en = serializers.CharField(max_length=300)
    label_fi = _text(300)
    label_sv = _text(300)


class PersonRow(serializers.Serializer[Any]):
    email = _Email()
    given_name = serializers.CharField(max_length=100)
    family_name = serializers.CharField(max_length=100)
    language = serializers.ChoiceField(choices=Person.Language.choices, default="fi")
    time_zone = serializers.CharField(
        max_length=64, default="Europe/Helsinki", validators=[validate_time_zone]
    )
    username = _text(150)


class IdentityRow(serializers.Serializer[Any]):
    person = _Email()
    kind = serializers.ChoiceField(choices=XapiIdentity.Kind.choices)
    value = serializers.CharField(max_length=500)
    home_page = serializers.URLField(required=False, default="", allow_blank=True)


class RoleRow(serializers.Serializer[Any]):
    person = _Email()
    organisation = serializers.SlugField(max_length=64)
    kind = serializers.ChoiceField(choices=Role.Kind.choices)


class PathwayRow(serializers.Serializer[Any]):
    slug = serializers.SlugField(max_length=80)
    title_en = serializers.CharField(max_length=200)
    title_fi = _text(200)
    title_sv = _text(200)
    description_en = _text()
    description_fi = _text()
    description_sv = _text()
    target_audience_en = _text(300)
    target_audience_fi = _text(300)
    target_audience_sv = _text(300)
    eqf_level = serializers.IntegerField(min_value=1, max_value=8)
    effort_hours = serializers.IntegerField(min_value=1, max_value=100_000)
    languages = _list(serializers.CharField(validators=[validate_language_code]))
    skills = _list(serializers.CharField(validators=[validate_esco_uri]))
    providers = _list(serializers.SlugField(max_length=64))
    is_published = serializers.BooleanField(default=True)


class MilestoneRow(serializers.Serializer[Any]):
    pathway = serializers.SlugField(max_length=80)
    position = serializers.IntegerField(min_value=1, max_value=32_767)
    title_en = serializers.CharField(max_length=200)
    title_fi = _text(200)
    title_sv = _text(200)
    provider = serializers.SlugField(max_length=64, required=False, default="")
    required_count = _optional_int(min_value=1, max_value=32_767)
    due_offset_days = _optional_int(min_value=0, max_value=36_500)
    skills = _list(serializers.CharField(validators=[validate_esco_uri]))


class ActivityRow(serializers.Serializer[Any]):
    pathway = serializers.SlugField(max_length=80)
    milestone = serializers.IntegerField(min_value=1, max_value=32_767)
    activity_iri = serializers.CharField(validators=[validate_iri])
    verbs = serializers.ListField(
        child=serializers.CharField(validators=[validate_iri]), min_length=1
    )
    min_scaled = serializers.FloatField(
        required=False, default=None, allow_null=True, min_value=-1.0, max_value=1.0
    )


class EnrolmentRow(serializers.Serializer[Any]):
    learner = _Email()
    pathway = serializers.SlugField(max_length=80)
    started_on = serializers.DateField()
    target_on = serializers.DateField(required=False, default=None, allow_null=True)
    sponsor = serializers.SlugField(max_length=64, required=False, default="")
    status = serializers.ChoiceField(choices=Enrolment.Status.choices, default="active")

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if attrs["target_on"] is not None and attrs["target_on"] < attrs["started_on"]:
            raise serializers.ValidationError({"target_on": "is before started_on"})
        return attrs


class CohortRow(serializers.Serializer[Any]):
    provider = serializers.SlugField(max_length=64)
    name = serializers.CharField(max_length=200)
    teachers = _list(_Email())


class CohortEnrolmentRow(serializers.Serializer[Any]):
    provider = serializers.SlugField(max_length=64)
    cohort = serializers.CharField(max_length=200)
    learner = _Email()
    pathway = serializers.SlugField(max_length=80)


class ConsentRow(serializers.Serializer[Any]):
    learner = _Email()
    pathway = serializers.SlugField(max_length=80)
    employer = serializers.SlugField(max_length=64)
    given_at = serializers.DateTimeField()
    revoked_at = serializers.DateTimeField(required=False, default=None, allow_null=True)

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if attrs["revoked_at"] is not None and attrs["revoked_at"] < attrs["given_at"]:
            raise serializers.ValidationError({"revoked_at": "is before given_at"})
        return attrs


ROW_SERIALIZERS: dict[str, type[serializers.Serializer[Any]]] = {
    "organisations": OrganisationRow,
    "skills": SkillRow,
    "people": PersonRow,
    "identities": IdentityRow,
    "roles": RoleRow,
    "pathways": PathwayRow,
    "milestones": MilestoneRow,
    "activities": ActivityRow,
    "enrolments": EnrolmentRow,
    "cohorts": CohortRow,
    "cohort_enrolments": CohortEnrolmentRow,
    "consents": ConsentRow,
}


def error_messages(errors: Any, prefix: str = "") -> list[tuple[str, str]]:
    """(field, message) pairs of a serializer's nested error structure; list items are
    named field[index]."""
    if isinstance(errors, dict):
        pairs = []
        for key, value in errors.items():
            if isinstance(key, int):
                name = f"{prefix}[{key}]"
            elif key == "non_field_errors":
                name = prefix
            else:
                name = f"{prefix}.{key}" if prefix else str(key)
            pairs += error_messages(value, name)
        return pairs
    if isinstance(errors, list):
        return [pair for item in errors for pair in error_messages(item, prefix)]
    return [(prefix, str(errors))]
