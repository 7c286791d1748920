from functools import partial
from typing import Any

from django.contrib import admin, messages
from django.db import transaction
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from engagement.events.models import Event, Registration
from engagement.events.services import event_activity_iri
from engagement.events.tasks import events_invite


class RegistrationInline(admin.TabularInline[Registration, Event]):
    model = Registration
    extra = 0
    fields = ("person", "status", "position", "registered_at", "attended_at")
    readonly_fields = fields
    can_delete = False

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        # Seats are taken through the services (capacity, waiting list, xAPI), not here.
        return False


@admin.register(Event)
class EventAdmin(admin.ModelAdmin[Event]):
    list_display = ["title_en", "kind", "organiser", "starts_at", "capacity", "is_published"]
    list_filter = ["kind", "audience", "is_published"]
    search_fields = ["title_en", "title_fi", "title_sv"]
    autocomplete_fields = ["organiser", "pathways", "skills"]
    readonly_fields = ["uuid", "activity_iri", "created_at"]
    inlines = [RegistrationInline]
    actions = ["send_invitations"]

    def save_model(self, request: HttpRequest, obj: Event, form: Any, change: bool) -> None:
        if not obj.activity_iri:
            obj.activity_iri = event_activity_iri(event_uuid=obj.uuid)
        super().save_model(request, obj, form, change)

    @admin.action(description=_("Send invitations to the audience"))
    def send_invitations(self, request: HttpRequest, queryset: QuerySet[Event]) -> None:
        published = list(queryset.filter(is_published=True).values_list("pk", flat=True))
        for event_id in published:
            transaction.on_commit(partial(events_invite.delay, event_id))
        count = len(published)
        self.message_user(
            request,
            ngettext(
                "Invitations of %(count)d event are on their way.",
                "Invitations of %(count)d events are on their way.",
                count,
            )
            % {"count": count},
            messages.SUCCESS,
        )


@admin.register(Registration)
class RegistrationAdmin(admin.ModelAdmin[Registration]):
    list_display = ["event", "person", "status", "position", "attended_at"]
    list_filter = ["status"]
    search_fields = ["person__family_name", "person__email", "event__title_en"]
    raw_id_fields = ["event", "person", "attendance_marked_by"]
    readonly_fields = ["requested_at", "registered_at", "attended_at", "attendance_marked_by"]
