"""Admin screens of the network directory. Forms check the directory's rules (the same
functions the services use), so the admin cannot store what the API would refuse."""

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.db import models
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

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
from engagement.network.services import (
    DirectoryError,
    consent_revoke,
    identity_key,
    role_misfit,
)
from engagement.privacy.admin import erase_people
from learning_records.models import lookup_hash

PROVIDERS = {"kind__in": Organisation.PROVIDER_KINDS}
# Django 6 assumes https for scheme-less URLs typed into forms; so do we, already.
URL_FIELDS: dict[type[models.Field[Any, Any]], dict[str, Any]] = {
    models.URLField: {"assume_scheme": "https"}
}
COMPANIES = {"kind": Organisation.Kind.COMPANY}


# --- Forms --------------------------------------------------------------------------------


class RoleForm(forms.ModelForm[Role]):
    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        organisation, kind = cleaned.get("organisation"), cleaned.get("kind")
        if organisation is not None and kind:
            reason = role_misfit(role_kind=kind, organisation_kind=organisation.kind)
            if reason is not None:
                raise forms.ValidationError(f"{organisation}: {reason}")
        return cleaned


class IdentityForm(forms.ModelForm[XapiIdentity]):
    """The agent key is derived from the identifier, as the LRS indexes statements."""

    home_page = forms.URLField(
        label=_("home page"),
        required=False,
        assume_scheme="https",
        help_text=_("the LMS's homePage, for accounts"),
    )

    class Meta:
        model = XapiIdentity
        fields = ["person", "kind", "value", "home_page"]

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if cleaned.get("kind") and cleaned.get("value"):
            try:
                key = identity_key(cleaned["kind"], cleaned["value"], cleaned.get("home_page", ""))
            except DirectoryError as error:
                raise forms.ValidationError(str(error)) from None
            taken = XapiIdentity.objects.filter(agent_key=key).exclude(pk=self.instance.pk)
            if taken.exists():
                raise forms.ValidationError(_("This identity belongs to another person."))
            self.instance.agent_key = key
        return cleaned


class ActivityForm(forms.ModelForm[MilestoneActivity]):
    """The IRI's hash (the index key the projector matches by) is computed, not typed."""

    class Meta:
        model = MilestoneActivity
        fields = ["milestone", "activity_iri", "verbs", "min_scaled"]

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        iri = cleaned.get("activity_iri")
        if iri:
            self.instance.activity_hash = lookup_hash(iri)
            milestone = cleaned.get("milestone") or getattr(self.instance, "milestone", None)
            if milestone is not None and milestone.pk is not None:
                same = MilestoneActivity.objects.filter(
                    milestone=milestone, activity_hash=self.instance.activity_hash, activity_iri=iri
                ).exclude(pk=self.instance.pk)
                if same.exists():
                    raise forms.ValidationError(
                        _("This activity already counts for the milestone.")
                    )
        return cleaned


class ActivityFormSet(forms.BaseInlineFormSet):
    def clean(self) -> None:
        super().clean()
        iris = [
            form.cleaned_data.get("activity_iri")
            for form in self.forms
            if form.cleaned_data and not form.cleaned_data.get("DELETE")
        ]
        if len([iri for iri in iris if iri]) != len({iri for iri in iris if iri}):
            raise forms.ValidationError(_("An activity is listed twice."))


class PersonForm(forms.ModelForm[Person]):
    def clean_email(self) -> str:
        # E-mail addresses are keys of imports and look-ups: stored in lower case.
        return str(self.cleaned_data.get("email", "")).strip().lower()


class CohortForm(forms.ModelForm[Cohort]):
    class Meta:
        model = Cohort
        fields = ["provider", "name", "teachers"]

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        provider, teachers = cleaned.get("provider"), cleaned.get("teachers")
        if provider is not None and teachers:
            teaching = set(
                Role.objects.filter(organisation=provider, kind=Role.Kind.TEACHER).values_list(
                    "person_id", flat=True
                )
            )
            outsiders = [str(teacher) for teacher in teachers if teacher.pk not in teaching]
            if outsiders:
                raise forms.ValidationError(
                    _("Not a teacher at %(provider)s: %(people)s"),
                    params={"provider": provider, "people": ", ".join(outsiders)},
                )
        return cleaned


# --- Inlines ------------------------------------------------------------------------------


class RoleInline(admin.TabularInline[Role, Any]):
    model = Role
    form = RoleForm
    extra = 0
    autocomplete_fields = ["organisation"]
    verbose_name = _("role")
    verbose_name_plural = _("roles")


class OrganisationRoleInline(RoleInline):
    """The organisation's contacts: the people with a role in it."""

    autocomplete_fields = ["person"]
    verbose_name_plural = _("people with roles (contacts)")


class IdentityInline(admin.TabularInline[XapiIdentity, Any]):
    model = XapiIdentity
    form = IdentityForm
    extra = 0
    readonly_fields = ["agent_key"]
    fields = ["kind", "value", "home_page", "agent_key"]


class MilestoneInline(admin.StackedInline[Milestone, Any]):
    model = Milestone
    extra = 0
    show_change_link = True
    fields = [
        ("position", "provider"),
        ("title_en", "title_fi", "title_sv"),
        ("required_count", "due_offset_days"),
        "criteria",
    ]
    readonly_fields = ["criteria"]
    autocomplete_fields = ["provider"]

    @admin.display(description=_("completion criteria (edit on the milestone's page)"))
    def criteria(self, milestone: Milestone) -> str:
        activities = list(milestone.activities.all())
        if not activities:
            return "—"
        needed = milestone.required_count or len(activities)
        listed = "; ".join(activity.activity_iri for activity in activities)
        return _("%(needed)d of %(total)d: %(listed)s") % {
            "needed": needed,
            "total": len(activities),
            "listed": listed,
        }


class ActivityInline(admin.TabularInline[MilestoneActivity, Any]):
    model = MilestoneActivity
    form = ActivityForm
    formset = ActivityFormSet
    extra = 1
    fields = ["activity_iri", "verbs", "min_scaled"]


class CohortEnrolmentInline(admin.TabularInline[Any, Any]):
    model = Cohort.enrolments.through
    extra = 0
    autocomplete_fields = ["enrolment"]
    verbose_name = _("enrolment in the cohort")
    verbose_name_plural = _("enrolments in the cohort")


# --- Model admins -------------------------------------------------------------------------


@admin.register(Organisation)
class OrganisationAdmin(admin.ModelAdmin[Organisation]):
    list_display = ["name_en", "slug", "kind", "business_id", "email", "phone", "created_at"]
    list_filter = ["kind"]
    search_fields = ["name_en", "name_fi", "name_sv", "business_id", "slug", "email"]
    prepopulated_fields = {"slug": ["name_en"]}
    formfield_overrides = URL_FIELDS
    fieldsets = [
        (None, {"fields": ["slug", "kind", "business_id"]}),
        (_("Name"), {"fields": ["name_en", "name_fi", "name_sv"]}),
        (_("Contact"), {"fields": ["email", "phone", "website"]}),
    ]
    inlines = [OrganisationRoleInline]


@admin.register(Person)
class PersonAdmin(admin.ModelAdmin[Person]):
    form = PersonForm
    list_display = ["__str__", "email", "language", "user", "created_at"]
    list_filter = ["language", "roles__kind"]
    search_fields = ["given_name", "family_name", "email", "identities__value"]
    raw_id_fields = ["user"]
    list_select_related = ["user"]
    inlines = [RoleInline, IdentityInline]
    actions = [erase_people]


@admin.register(Role)
class RoleAdmin(admin.ModelAdmin[Role]):
    form = RoleForm
    list_display = ["person", "organisation", "kind", "created_at"]
    list_filter = ["kind", "organisation__kind"]
    search_fields = [
        "person__given_name",
        "person__family_name",
        "person__email",
        "organisation__name_en",
    ]
    autocomplete_fields = ["person", "organisation"]
    list_select_related = ["person", "organisation"]


@admin.register(XapiIdentity)
class XapiIdentityAdmin(admin.ModelAdmin[XapiIdentity]):
    form = IdentityForm
    list_display = ["agent_key", "person", "kind", "created_at"]
    list_filter = ["kind"]
    search_fields = ["agent_key", "value", "person__email", "person__family_name"]
    autocomplete_fields = ["person"]
    readonly_fields = ["agent_key"]
    list_select_related = ["person"]


@admin.register(EscoSkill)
class EscoSkillAdmin(admin.ModelAdmin[EscoSkill]):
    formfield_overrides = URL_FIELDS
    list_display = ["label_en", "uri"]
    search_fields = ["uri", "label_en", "label_fi", "label_sv"]


@admin.register(Pathway)
class PathwayAdmin(admin.ModelAdmin[Pathway]):
    list_display = ["title_en", "slug", "eqf_level", "effort_hours", "is_published", "created_at"]
    list_filter = ["is_published", "eqf_level", "providers"]
    search_fields = ["title_en", "title_fi", "title_sv", "slug", "skills__label_en"]
    prepopulated_fields = {"slug": ["title_en"]}
    filter_horizontal = ["skills", "providers"]
    fieldsets = [
        (None, {"fields": ["slug", "is_published", ("eqf_level", "effort_hours"), "languages"]}),
        (_("Title"), {"fields": ["title_en", "title_fi", "title_sv"]}),
        (_("Description"), {"fields": ["description_en", "description_fi", "description_sv"]}),
        (
            _("Target audience"),
            {"fields": ["target_audience_en", "target_audience_fi", "target_audience_sv"]},
        ),
        (_("Skills and providers"), {"fields": ["skills", "providers"]}),
    ]
    inlines = [MilestoneInline]

    def formfield_for_manytomany(self, db_field: Any, request: HttpRequest, **kwargs: Any) -> Any:
        if db_field.name == "providers":
            kwargs["queryset"] = Organisation.objects.filter(**PROVIDERS)
        return super().formfield_for_manytomany(db_field, request, **kwargs)


@admin.register(Milestone)
class MilestoneAdmin(admin.ModelAdmin[Milestone]):
    list_display = [
        "__str__",
        "pathway",
        "position",
        "provider",
        "required_count",
        "due_offset_days",
    ]
    list_filter = ["pathway", "provider"]
    search_fields = ["title_en", "title_fi", "title_sv", "pathway__title_en", "pathway__slug"]
    autocomplete_fields = ["pathway", "provider"]
    filter_horizontal = ["skills"]
    list_select_related = ["pathway", "provider"]
    inlines = [ActivityInline]


@admin.register(MilestoneActivity)
class MilestoneActivityAdmin(admin.ModelAdmin[MilestoneActivity]):
    form = ActivityForm
    list_display = ["activity_iri", "milestone", "min_scaled"]
    list_filter = ["milestone__pathway"]
    search_fields = ["activity_iri", "milestone__title_en", "milestone__pathway__slug"]
    autocomplete_fields = ["milestone"]
    list_select_related = ["milestone__pathway"]


@admin.register(Enrolment)
class EnrolmentAdmin(admin.ModelAdmin[Enrolment]):
    list_display = ["learner", "pathway", "status", "started_on", "target_on", "sponsor"]
    list_filter = ["status", "pathway", "sponsor"]
    search_fields = [
        "learner__given_name", "learner__family_name", "learner__email", "pathway__title_en",
        "pathway__slug",
    ]  # fmt: skip
    autocomplete_fields = ["learner", "pathway", "sponsor"]
    date_hierarchy = "started_on"
    list_select_related = ["learner", "pathway", "sponsor"]

    def formfield_for_foreignkey(self, db_field: Any, request: HttpRequest, **kwargs: Any) -> Any:
        if db_field.name == "sponsor":
            kwargs["queryset"] = Organisation.objects.filter(**COMPANIES)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


@admin.register(Cohort)
class CohortAdmin(admin.ModelAdmin[Cohort]):
    form = CohortForm
    list_display = ["name", "provider", "created_at"]
    list_filter = ["provider"]
    search_fields = ["name", "provider__name_en", "teachers__family_name"]
    autocomplete_fields = ["provider"]
    filter_horizontal = ["teachers"]
    list_select_related = ["provider"]
    inlines = [CohortEnrolmentInline]

    def formfield_for_foreignkey(self, db_field: Any, request: HttpRequest, **kwargs: Any) -> Any:
        if db_field.name == "provider":
            kwargs["queryset"] = Organisation.objects.filter(**PROVIDERS)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


@admin.register(Consent)
class ConsentAdmin(admin.ModelAdmin[Consent]):
    """Consent is the learner's to give; here it can be recorded (e.g. on paper) and
    revoked. A revoked consent stays as history and cannot be changed."""

    list_display = ["enrolment", "employer", "given_at", "revoked_at"]
    list_filter = [("revoked_at", admin.EmptyFieldListFilter), "employer"]
    search_fields = [
        "enrolment__learner__email",
        "enrolment__learner__family_name",
        "employer__name_en",
    ]
    autocomplete_fields = ["enrolment", "employer"]
    list_select_related = ["enrolment__learner", "enrolment__pathway", "employer"]
    actions = ["revoke"]

    def get_readonly_fields(self, request: HttpRequest, obj: Consent | None = None) -> Any:
        return ["enrolment", "employer", "given_at", "revoked_at"] if obj else ["revoked_at"]

    def get_changeform_initial_data(self, request: HttpRequest) -> dict[str, Any]:
        return {"given_at": timezone.now()}

    def formfield_for_foreignkey(self, db_field: Any, request: HttpRequest, **kwargs: Any) -> Any:
        if db_field.name == "employer":
            kwargs["queryset"] = Organisation.objects.filter(**COMPANIES)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    @admin.action(description=_("Revoke the selected consents"))
    def revoke(self, request: HttpRequest, queryset: QuerySet[Consent]) -> None:
        revoked = 0
        for consent in queryset.filter(revoked_at=None):
            consent_revoke(consent=consent)
            revoked += 1
        self.message_user(
            request,
            ngettext("%d consent revoked.", "%d consents revoked.", revoked) % revoked,
            messages.SUCCESS,
        )
