"""The dashboards' forms: each POST is parsed here and refused with a 400 naming the field."""

from decimal import Decimal
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from engagement.network.models import Enrolment, Organisation, Person
from engagement.rules.evaluate import Colour

ANY_COLOUR = "all"


class MessageLearnersForm(forms.Form):
    """Whom to nudge: the cohort's learners of one light colour, or those ticked."""

    colour = forms.ChoiceField(
        label=_("Message learners who are"),
        choices=[
            (ANY_COLOUR, _("any colour")),
            (Colour.AMBER.value, _("amber")),
            (Colour.RED.value, _("red")),
            (Colour.GREEN.value, _("green")),
        ],
    )
    enrolments = forms.ModelMultipleChoiceField(
        queryset=Enrolment.objects.none(), required=False, label=_("Only these learners")
    )

    def __init__(self, *args: Any, cohort_enrolments: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Another cohort's enrolment is "not one of the available choices": refused.
        self.fields["enrolments"].queryset = cohort_enrolments  # type: ignore[attr-defined]


class BadgeShareForm(forms.Form):
    """The public badge page: on, off, or on with a new link (the old one stops working)."""

    action = forms.ChoiceField(
        choices=[("on", _("Turn on")), ("off", _("Turn off")), ("new_link", _("New link"))]
    )


class StudyPlanForm(forms.Form):
    days_per_week = forms.IntegerField(
        label=_("Days a week"), min_value=1, max_value=7, required=False
    )
    hours_per_week = forms.DecimalField(
        label=_("Hours a week"),
        min_value=Decimal("0.5"),
        max_value=Decimal("80"),
        max_digits=4,
        decimal_places=1,
        required=False,
    )

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        days, hours = cleaned.get("days_per_week"), cleaned.get("hours_per_week")
        if not self.errors and (days is None) == (hours is None):
            raise forms.ValidationError(_("Set one weekly goal: days or hours, not both."))
        return cleaned


class _EnrolmentChoice(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return str(obj.pathway.translated_title)


class ConsentGiveForm(forms.Form):
    enrolment = _EnrolmentChoice(queryset=Enrolment.objects.none(), label=_("Studies"))
    employer = forms.ModelChoiceField(
        queryset=Organisation.objects.filter(kind=Organisation.Kind.COMPANY),
        label=_("Employer"),
    )

    def __init__(self, *args: Any, person: Person, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Only the learner's own enrolments can be shared by them.
        mine = Enrolment.objects.filter(learner=person).select_related("pathway")
        self.fields["enrolment"].queryset = mine  # type: ignore[attr-defined]


class SummaryFrequencyForm(forms.Form):
    summary_frequency = forms.ChoiceField(
        label=_("Summary e-mail"),
        choices=[("weekly", _("Weekly")), ("monthly", _("Monthly"))],
    )
