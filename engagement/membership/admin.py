"""Administrators approve applications here, or decline them with the reason written on
each application first (the same services as the API)."""

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from engagement.membership import services
from engagement.membership.models import MembershipApplication


@admin.register(MembershipApplication)
class MembershipApplicationAdmin(admin.ModelAdmin):
    list_display = ["name_en", "kind", "business_id", "contact_email", "status", "submitted_at"]
    list_filter = ["status", "kind"]
    search_fields = ["name_en", "name_fi", "name_sv", "business_id", "contact_email"]
    readonly_fields = [
        "status",
        "submitted_at",
        "decided_by",
        "decided_at",
        "organisation",
        "lrs_client",
        "secret_shown_at",
        "decline_emailed_at",
    ]
    actions = ["approve", "decline"]

    @admin.action(description=_("Approve the selected applications"))
    def approve(self, request: HttpRequest, queryset: QuerySet[MembershipApplication]) -> None:
        for application in queryset:
            try:
                services.application_approve(
                    application_id=application.pk, decided_by=request.user, now=timezone.now()
                )
            except services.MembershipError as refusal:
                self.message_user(request, f"{application}: {refusal}", messages.ERROR)

    @admin.action(description=_("Decline the selected applications (write the reason first)"))
    def decline(self, request: HttpRequest, queryset: QuerySet[MembershipApplication]) -> None:
        for application in queryset:
            try:
                services.application_decline(
                    application_id=application.pk,
                    decided_by=request.user,
                    reason=application.decline_reason,
                    now=timezone.now(),
                )
            except services.MembershipError as refusal:
                self.message_user(request, f"{application}: {refusal}", messages.ERROR)
