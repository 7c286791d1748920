"""Admin screens of the badges room. Issuers and badge classes are edited here (a badge
image is uploaded as a PNG and checked); assertions are read-only, revoked by an action that
asks for the reason; awards for completions made before a badge class existed are an action
on the badge class. Writes that have a service go through it."""

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from backend.admin import ReadOnlyAdmin
from engagement.badges import baking, services
from engagement.badges.models import (
    Assertion,
    AwardDecision,
    BadgeClass,
    BadgeShare,
    Issuer,
    StatusListCounter,
)


@admin.register(Issuer)
class IssuerAdmin(admin.ModelAdmin[Issuer]):
    list_display = ["name_en", "organisation", "url", "email", "uuid"]
    readonly_fields = ["uuid", "created_at"]
    search_fields = ["name_en", "name_fi", "name_sv"]


class BadgeClassForm(forms.ModelForm[BadgeClass]):
    image_upload = forms.FileField(
        label=_("image (PNG)"),
        required=False,
        help_text=_("a square PNG of at most 512 KB; empty keeps the current image"),
    )
    tags = forms.JSONField(required=False, initial=list, help_text=_('e.g. ["safety", "battery"]'))

    class Meta:
        model = BadgeClass
        fields = [
            "issuer", "milestone", "pathway", "name_en", "name_fi", "name_sv",
            "description_en", "description_fi", "description_sv",
            "criteria_en", "criteria_fi", "criteria_sv", "tags",
        ]  # fmt: skip

    def clean_image_upload(self) -> bytes | None:
        upload = self.cleaned_data.get("image_upload")
        if not upload:
            return None
        data = upload.read(baking.MAX_IMAGE_BYTES + 1)
        try:
            baking.image_check(data)
        except ValueError as exc:
            raise forms.ValidationError(str(exc)) from None
        return data

    def clean_tags(self) -> list[str]:
        tags = self.cleaned_data.get("tags") or []
        if not isinstance(tags, list) or not all(isinstance(t, str) and t.strip() for t in tags):
            raise forms.ValidationError(_("Tags are a JSON list of non-empty strings."))
        return [t.strip() for t in tags]

    def save(self, commit: bool = True) -> BadgeClass:
        image = self.cleaned_data.get("image_upload")
        if image is not None:
            self.instance.image = image
        return super().save(commit=commit)


@admin.register(BadgeClass)
class BadgeClassAdmin(admin.ModelAdmin[BadgeClass]):
    form = BadgeClassForm
    list_display = ["name_en", "issuer", "milestone", "pathway", "uuid"]
    list_filter = ["issuer"]
    readonly_fields = ["uuid", "created_at"]
    search_fields = ["name_en", "name_fi", "name_sv"]
    actions = ["award_completed"]

    @admin.action(description=_("Award to everyone who already completed it"))
    def award_completed(self, request: HttpRequest, queryset: QuerySet[BadgeClass]) -> None:
        made = sum(
            services.badge_class_award_completed(badge_class=badge_class, now=timezone.now())
            for badge_class in queryset
        )
        self.message_user(
            request,
            ngettext("%(count)d badge awarded.", "%(count)d badges awarded.", made)
            % {"count": made},
            messages.SUCCESS,
        )


class RevokeForm(forms.Form):
    reason = forms.CharField(
        label=_("reason"), max_length=1000, widget=forms.Textarea(attrs={"rows": 3, "cols": 60})
    )


@admin.register(Assertion)
class AssertionAdmin(ReadOnlyAdmin):
    list_display = ["uuid", "badge_class", "recipient", "issued_at", "revoked_at"]
    list_filter = ["badge_class", ("revoked_at", admin.EmptyFieldListFilter)]
    list_select_related = ["badge_class", "recipient"]
    search_fields = ["uuid", "recipient__family_name", "recipient__email"]
    actions = ["revoke"]

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        # The revoke action needs the change permission; the fields stay read-only.
        return bool(request.user.has_perm("badges.change_assertion"))

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        return [field.name for field in Assertion._meta.fields]

    @admin.action(description=_("Revoke with a reason"), permissions=["change"])
    def revoke(self, request: HttpRequest, queryset: QuerySet[Assertion]) -> HttpResponse | None:
        form = RevokeForm(request.POST if "reason" in request.POST else None)
        if not form.is_valid():
            context = {
                **self.admin_site.each_context(request),
                "title": _("Revoke badges"),
                "assertions": queryset,
                "form": form,
                "opts": self.model._meta,
                "action_checkbox_name": ACTION_CHECKBOX_NAME,
            }
            return TemplateResponse(request, "admin/badges/revoke.html", context)
        revoked = 0
        for assertion in queryset.filter(revoked_at__isnull=True):
            services.assertion_revoke(
                assertion=assertion, reason=form.cleaned_data["reason"], now=timezone.now()
            )
            revoked += 1
        self.message_user(
            request,
            ngettext("%(count)d badge revoked.", "%(count)d badges revoked.", revoked)
            % {"count": revoked},
            messages.SUCCESS,
        )
        return None


@admin.register(AwardDecision)
class AwardDecisionAdmin(ReadOnlyAdmin):
    list_display = ["decision", "outcome", "assertion", "reason", "handled_at"]
    list_filter = ["outcome"]


@admin.register(BadgeShare)
class BadgeShareAdmin(ReadOnlyAdmin):
    list_display = ["person", "enabled", "updated_at"]
    exclude = ["link_id"]


@admin.register(StatusListCounter)
class StatusListCounterAdmin(ReadOnlyAdmin):
    list_display = ["name", "next_index"]
