"""The employer contact's need form and the learner's link form."""

from typing import Any

from django import forms
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from engagement.needs.models import MAX_PEOPLE, TrainingNeed
from engagement.network.models import EscoSkill, Organisation

EQF_LEVELS = [(level, str(level)) for level in range(1, 9)]


class TrainingNeedForm(forms.Form):
    company = forms.ModelChoiceField(queryset=Organisation.objects.none(), label=_("Company"))
    skills = forms.ModelMultipleChoiceField(
        queryset=EscoSkill.objects.all(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        label=_("Skills"),
    )
    new_skills = forms.CharField(
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        label=_("Other ESCO skills"),
        help_text=_("ESCO skill URIs, one a line, e.g. http://data.europa.eu/esco/skill/<uuid>"),
        max_length=4000,
    )
    people = forms.IntegerField(min_value=1, max_value=MAX_PEOPLE, label=_("How many people"))
    needed_by = forms.DateField(
        label=_("Needed by"), widget=forms.DateInput(attrs={"type": "date"})
    )
    eqf_level = forms.TypedChoiceField(
        choices=EQF_LEVELS, coerce=int, label=_("EQF level"), initial=4
    )
    description_en = forms.CharField(
        required=False, max_length=500, label=_("Description (English)")
    )
    description_fi = forms.CharField(
        required=False, max_length=500, label=_("Description (Finnish)")
    )
    description_sv = forms.CharField(
        required=False, max_length=500, label=_("Description (Swedish)")
    )

    def __init__(self, *args: Any, companies: QuerySet[Organisation], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        company_field: Any = self.fields["company"]
        company_field.queryset = companies
        if len(companies) == 1:
            company_field.initial = companies[0]

    def skill_uris(self) -> list[str]:
        chosen = [skill.uri for skill in self.cleaned_data.get("skills") or []]
        typed = (self.cleaned_data.get("new_skills") or "").split()
        return chosen + typed

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if not self.skill_uris():
            raise forms.ValidationError(_("Name at least one ESCO skill."))
        return cleaned

    def fields_of_need(self) -> dict[str, Any]:
        names = ("people", "needed_by", "eqf_level", "description_en", "description_fi")
        return {name: self.cleaned_data[name] for name in (*names, "description_sv")}

    @classmethod
    def initial_of(cls, need: TrainingNeed) -> dict[str, Any]:
        return {
            "company": need.company,
            "skills": list(need.skills.all()),
            "people": need.people,
            "needed_by": need.needed_by,
            "eqf_level": need.eqf_level,
            "description_en": need.description_en,
            "description_fi": need.description_fi,
            "description_sv": need.description_sv,
        }


class EmployerLinkForm(forms.Form):
    company = forms.ModelChoiceField(
        queryset=Organisation.objects.filter(kind=Organisation.Kind.COMPANY),
        label=_("Your employer"),
    )
