"""Admin: the erasure records (read only), and the "erase" action offered on people."""

from typing import Any

from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from engagement.network.models import Person
from engagement.privacy.erasure import person_erase
from engagement.privacy.models import ErasureRecord


@admin.register(ErasureRecord)
class ErasureRecordAdmin(admin.ModelAdmin[ErasureRecord]):
    list_display = ["erasure_id", "erased_at", "requested_by"]
    readonly_fields = ["erasure_id", "erased_at", "requested_by", "counts"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.action(description=_("Erase the selected people everywhere (cannot be undone)"))
def erase_people(
    modeladmin: admin.ModelAdmin[Person], request: HttpRequest, queryset: QuerySet[Person]
) -> HttpResponse | None:
    """Asks first (a confirmation page); on confirmation erases each person in a transaction
    of their own, so one failure does not undo the others."""
    if not request.user.has_perm("network.delete_person"):
        modeladmin.message_user(request, _("You may not delete people."), messages.ERROR)
        return None
    if request.POST.get("confirmed") != "yes":
        context = {
            **modeladmin.admin_site.each_context(request),
            "title": _("Erase people"),
            "people": queryset,
            "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
            "opts": modeladmin.model._meta,
        }
        return TemplateResponse(request, "privacy/erase_confirm.html", context)
    records = [
        person_erase(person_id=pk, requested_by=request.user, now=timezone.now())  # type: ignore[arg-type]
        for pk in queryset.values_list("pk", flat=True)
    ]
    done = [r for r in records if r is not None]
    message = ngettext(
        "%(count)d person erased; erasure ids: %(ids)s",
        "%(count)d people erased; erasure ids: %(ids)s",
        len(done),
    ) % {"count": len(done), "ids": ", ".join(str(r.erasure_id) for r in done)}
    modeladmin.message_user(request, message, messages.SUCCESS)
    return None
