from django.contrib import admin

from engagement.needs.models import EmployerLink, TrainingNeed


@admin.register(TrainingNeed)
class TrainingNeedAdmin(admin.ModelAdmin[TrainingNeed]):
    list_display = ("company", "people", "eqf_level", "needed_by", "status")
    list_filter = ("status", "eqf_level")
    filter_horizontal = ("skills",)
    raw_id_fields = ("recorded_by",)


@admin.register(EmployerLink)
class EmployerLinkAdmin(admin.ModelAdmin[EmployerLink]):
    # Who works where is the learner's own; the admin lists links by company only on demand.
    list_display = ("company", "created_at", "revoked_at")
    raw_id_fields = ("person",)
