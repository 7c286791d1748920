from django.contrib import admin

from backend.admin import ReadOnlyAdmin
from engagement.progress.models import EnrolmentProgress, ProgressEvent, UnmatchedAgent


@admin.register(EnrolmentProgress)
class EnrolmentProgressAdmin(ReadOnlyAdmin):
    list_display = ["enrolment", "percent", "milestones_done", "last_active_at", "completed_at"]
    list_select_related = ["enrolment__learner", "enrolment__pathway"]
    search_fields = ["enrolment__learner__family_name", "enrolment__pathway__title_en"]
    list_filter = ["enrolment__pathway"]


@admin.register(ProgressEvent)
class ProgressEventAdmin(ReadOnlyAdmin):
    list_display = ["kind", "enrolment", "milestone", "occurred_at", "created_at", "retracted_at"]
    list_select_related = ["enrolment__learner", "enrolment__pathway", "milestone"]
    list_filter = ["kind"]
    date_hierarchy = "created_at"


@admin.register(UnmatchedAgent)
class UnmatchedAgentAdmin(ReadOnlyAdmin):
    """Actors no person is linked to yet: link one under People → xAPI identities, and its
    statements are projected on the next run."""

    list_display = ["agent_key", "statements_seen", "first_seen_at", "last_seen_at"]
    search_fields = ["agent_key"]
    ordering = ["-statements_seen"]
