"""The public application form."""

from django import forms
from django.utils.translation import gettext_lazy as _

from engagement.membership.models import MembershipApplication


class ApplicationForm(forms.ModelForm):
    # A honeypot: hidden from people by CSS and labelled "leave empty" for screen readers;
    # form-filling bots fill every field. A filled one is thanked and thrown away.
    fax = forms.CharField(label=_("Leave this field empty"), required=False)
    website = forms.URLField(label=_("website"), required=False, assume_scheme="https")

    class Meta:
        model = MembershipApplication
        fields = [
            "name_fi",
            "name_sv",
            "name_en",
            "kind",
            "business_id",
            "website",
            "contact_given_name",
            "contact_family_name",
            "contact_email",
            "language",
            "offer",
        ]
        widgets = {"offer": forms.Textarea(attrs={"rows": 5, "maxlength": 4000})}

    @property
    def is_bot(self) -> bool:
        return bool(self.cleaned_data.get("fax"))

    def application_data(self) -> dict[str, object]:
        return {name: self.cleaned_data[name] for name in self.Meta.fields}
