"""Shapes of the rules API. Input serializers validate requests (refusing fields they do not
know) and hand `validated_data` to a service; output serializers format rows and reports."""

from collections.abc import Mapping
from decimal import Decimal
from itertools import pairwise
from typing import Any

from django.core.validators import RegexValidator
from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from backend.serializers import SlugLookupField
from engagement.network.models import Cohort, Organisation, Pathway
from engagement.rules.definitions import DefinitionError
from engagement.rules.models import Rule, RuleVersion, StudyPlan
from engagement.rules.services import rule_definition_check


class StrictInput(serializers.Serializer[Any]):
    """Refuses keys that are not writable fields: a typo (`holdout`) or a field that cannot
    change (`scope` on an update) must not be silently dropped."""

    def to_internal_value(self, data: Any) -> Any:
        if isinstance(data, Mapping):
            writable = {name for name, field in self.fields.items() if not field.read_only}
            unknown = sorted(str(key) for key in data if key not in writable)
            if unknown:
                message = _("Unknown field, or one that cannot be set here.")
                raise serializers.ValidationError({key: [message] for key in unknown})
        return super().to_internal_value(data)


def _contains_nul(value: Any) -> bool:
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, dict):
        return any(_contains_nul(key) or _contains_nul(item) for key, item in value.items())
    if isinstance(value, list):
        return any(_contains_nul(item) for item in value)
    return False


class DefinitionField(serializers.JSONField):
    """A rule definition (engagement/rules/definitions.py); each problem names its field,
    e.g. `definition.days: Input should be greater than or equal to 1`."""

    def to_internal_value(self, data: Any) -> Any:
        document = super().to_internal_value(data)
        if _contains_nul(document):
            # PostgreSQL's jsonb cannot store \u0000: refused here, or the save fails (500).
            raise serializers.ValidationError(_("The definition may not contain \\u0000."))
        rule = getattr(self.parent, "instance", None)
        try:
            rule_definition_check(rule=rule, definition=document)
        except DefinitionError as refused:
            raise serializers.ValidationError(refused.errors) from None
        return document


# --- Rules ------------------------------------------------------------------------------------

DEFINITION_HELP = _(
    'What the rule does, e.g. {"kind": "inactive", "days": 7, "action": {"type": "nudge", '
    '"template": "come_back"}}. Kinds: inactive, behind_pace, milestone_due_soon, first_steps, '
    "study_goal_at_risk, teacher_alert, employer_summary_line (swept on a schedule); "
    "milestone_completed, pathway_completed (on progress events). Actions: nudge, award_badge "
    "(event kinds only), digest_line, alert_teacher."
)


class RuleVersionSerializer(serializers.ModelSerializer[RuleVersion]):
    # Null for versions made without a login (a management command, a data migration).
    created_by: Any = serializers.SlugRelatedField(
        slug_field="username", read_only=True, allow_null=True
    )

    class Meta:
        model = RuleVersion
        fields = ["id", "number", "kind", "definition", "created_by", "created_at"]
        read_only_fields = fields


class RuleSerializer(serializers.ModelSerializer[Rule]):
    # Null unless the rule's scope is a provider or a pathway.
    provider: Any = serializers.SlugRelatedField(slug_field="slug", read_only=True, allow_null=True)
    pathway: Any = serializers.SlugRelatedField(slug_field="slug", read_only=True, allow_null=True)
    current_version = RuleVersionSerializer(read_only=True)

    class Meta:
        model = Rule
        fields = [
            "id", "name", "scope", "provider", "pathway", "cohort", "enabled", "disabled_reason",
            "holdout_share", "current_version", "created_at",
        ]  # fmt: skip
        read_only_fields = fields


class RuleCreateSerializer(StrictInput):
    name = serializers.CharField(max_length=200)
    scope = serializers.ChoiceField(choices=Rule.Scope.choices, default=Rule.Scope.NETWORK)
    provider = SlugLookupField(
        slug_field="slug",
        queryset=Organisation.objects.filter(kind__in=Organisation.PROVIDER_KINDS),
        required=False,
        allow_null=True,
        help_text=_("the provider's slug (scope provider)"),
    )
    pathway = SlugLookupField(
        slug_field="slug",
        queryset=Pathway.objects.all(),
        required=False,
        allow_null=True,
        help_text=_("the pathway's slug (scope pathway)"),
    )
    cohort = serializers.PrimaryKeyRelatedField(
        queryset=Cohort.objects.all(),
        required=False,
        allow_null=True,
        help_text=_("the cohort's id (scope cohort)"),
    )
    enabled = serializers.BooleanField(default=True)
    holdout_share = serializers.FloatField(min_value=0.0, max_value=0.5, default=0.10)
    definition = DefinitionField(help_text=DEFINITION_HELP)


class RuleUpdateSerializer(StrictInput):
    """A changed definition makes a new version; the other fields change the rule itself.
    Scope and target are fixed when the rule is made (its decisions were made under them)."""

    name = serializers.CharField(max_length=200, required=False)
    enabled = serializers.BooleanField(required=False)
    holdout_share = serializers.FloatField(min_value=0.0, max_value=0.5, required=False)
    definition = DefinitionField(required=False, help_text=DEFINITION_HELP)


# --- Preview ----------------------------------------------------------------------------------


class ActedSerializer(serializers.Serializer[Any]):
    person_id = serializers.IntegerField()
    person_name = serializers.CharField()
    enrolment_id = serializers.IntegerField()
    window = serializers.CharField(help_text=_("the dedup window: one decision per window"))
    reasons = serializers.ListField(child=serializers.CharField())
    holdout = serializers.ChoiceField(
        choices=["", "rule", "global"],
        help_text=_('"" would be delivered; "rule" or "global": recorded, not delivered'),
    )


class LeftOutSerializer(serializers.Serializer[Any]):
    person_id = serializers.IntegerField()
    person_name = serializers.CharField()
    enrolment_id = serializers.IntegerField()
    reason = serializers.CharField()


class PreviewSerializer(serializers.Serializer[Any]):
    rule_id = serializers.IntegerField()
    kind = serializers.CharField()
    enabled = serializers.BooleanField()
    as_of = serializers.DateTimeField()
    candidates = serializers.IntegerField(help_text=_("learners the rule's query selects now"))
    evaluated = serializers.IntegerField(help_text=_("of them, evaluated here (capped)"))
    acts_on = ActedSerializer(many=True)
    left_out = LeftOutSerializer(many=True)
    note = serializers.CharField()


# --- Effectiveness ------------------------------------------------------------------------------


class IntervalSerializer(serializers.Serializer[Any]):
    low = serializers.FloatField()
    high = serializers.FloatField()


class ArmSerializer(serializers.Serializer[Any]):
    n = serializers.IntegerField(help_text=_("decisions whose observation window has passed"))
    successes = serializers.IntegerField()
    rate = serializers.FloatField(allow_null=True)
    interval = IntervalSerializer(allow_null=True, help_text=_("Wilson 95% interval"))


class ComparisonSerializer(serializers.Serializer[Any]):
    outcome = serializers.CharField()
    nudged = ArmSerializer()
    held_out = ArmSerializer(help_text=_("rule and global holdout together"))
    held_out_rule = ArmSerializer()
    held_out_global = ArmSerializer()
    pending = serializers.IntegerField(help_text=_("decisions still inside the window"))
    difference = serializers.FloatField(allow_null=True, help_text=_("nudged minus held out"))
    interval = IntervalSerializer(
        allow_null=True, help_text=_("Newcombe hybrid score 95% interval of the difference")
    )
    conclusive = serializers.BooleanField(help_text=_("the interval excludes zero"))
    minimum_detectable_effect = serializers.FloatField(
        allow_null=True,
        help_text=_("the smallest uplift these group sizes detect (80% power, α = 0.05)"),
    )
    statement = serializers.CharField()


class ArmCountsSerializer(serializers.Serializer[Any]):
    nudged = serializers.IntegerField()
    held_out_rule = serializers.IntegerField()
    held_out_global = serializers.IntegerField()


class EffectSerializer(serializers.Serializer[Any]):
    version = serializers.IntegerField(source="version_number", allow_null=True)
    decisions = ArmCountsSerializer()
    people = ArmCountsSerializer()
    came_back = ComparisonSerializer()
    next_milestone = ComparisonSerializer()


class EffectivenessSerializer(serializers.Serializer[Any]):
    rule_id = serializers.IntegerField()
    as_of = serializers.DateTimeField()
    method = serializers.CharField()
    versions = EffectSerializer(many=True)
    all_versions = EffectSerializer()


# --- Study plans --------------------------------------------------------------------------------

_CLOCK = RegexValidator(r"^([01]\d|2[0-3]):[0-5]\d$", _("Use 24-hour HH:MM, e.g. 18:30."))


class PreferredTimeSerializer(StrictInput):
    """{"weekday": 0-6 (Monday is 0), "from": "HH:MM", "to": "HH:MM"} in your time zone."""

    weekday = serializers.IntegerField(min_value=0, max_value=6)

    def get_fields(self) -> dict[str, serializers.Field[Any, Any, Any, Any]]:
        # "from" is a Python keyword: it cannot be a class attribute.
        fields = super().get_fields()
        fields["from"] = serializers.CharField(validators=[_CLOCK])
        fields["to"] = serializers.CharField(validators=[_CLOCK])
        return fields

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if attrs["from"] >= attrs["to"]:
            raise serializers.ValidationError(
                {"to": [_("Must be later than from (%(from)s).") % {"from": attrs["from"]}]}
            )
        return attrs


class StudyPlanSerializer(StrictInput, serializers.ModelSerializer[StudyPlan]):
    """A weekly goal (days or hours, one of them) and the times you mean to study."""

    days_per_week = serializers.IntegerField(
        min_value=1, max_value=7, required=False, allow_null=True
    )
    hours_per_week = serializers.DecimalField(
        max_digits=4,
        decimal_places=1,
        min_value=Decimal("0.5"),
        max_value=Decimal("80"),
        required=False,
        allow_null=True,
        coerce_to_string=False,
    )
    preferred_times = serializers.ListField(
        child=PreferredTimeSerializer(), required=False, max_length=28
    )

    class Meta:
        model = StudyPlan
        fields = ["days_per_week", "hours_per_week", "preferred_times", "updated_at"]
        read_only_fields = ["updated_at"]

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        days, hours = attrs.get("days_per_week"), attrs.get("hours_per_week")
        if days is None and hours is None:
            raise serializers.ValidationError(
                {"days_per_week": [_("Set one weekly goal: days_per_week or hours_per_week.")]}
            )
        if days is not None and hours is not None:
            raise serializers.ValidationError(
                {"hours_per_week": [_("Set one weekly goal, not both days and hours.")]}
            )
        overlap = _overlap(attrs.get("preferred_times", []))
        if overlap:
            raise serializers.ValidationError({"preferred_times": [overlap]})
        return attrs


def _overlap(times: list[dict[str, Any]]) -> str:
    ordered = sorted(enumerate(times), key=lambda item: (item[1]["weekday"], item[1]["from"]))
    for (i, first), (j, second) in pairwise(ordered):
        if first["weekday"] == second["weekday"] and second["from"] < first["to"]:
            return str(
                _("Items %(i)d and %(j)d overlap on weekday %(day)d.")
                % {"i": min(i, j), "j": max(i, j), "day": first["weekday"]}
            )
    return ""


# --- Traffic lights -----------------------------------------------------------------------------


class TrafficLightSerializer(serializers.Serializer[Any]):
    enrolment_id = serializers.IntegerField()
    learner_id = serializers.IntegerField()
    learner_name = serializers.CharField()
    pathway = serializers.CharField(help_text=_("the pathway's slug"))
    status = serializers.CharField(help_text=_("the enrolment's status"))
    colour = serializers.ChoiceField(choices=["green", "amber", "red"])
    reasons = serializers.ListField(
        child=serializers.CharField(), help_text=_("every reason for the colour")
    )
