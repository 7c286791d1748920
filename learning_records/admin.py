from typing import Any

from django.contrib import admin

from learning_records.models import (
    Activity,
    Document,
    LrsClient,
    Statement,
    StatementRetention,
)


@admin.register(LrsClient)
class LrsClientAdmin(admin.ModelAdmin[LrsClient]):
    list_display = ["name", "key", "organisation", "is_active", "created_at"]
    list_filter = ["is_active", "organisation"]
    search_fields = ["name", "key"]
    # The secret is set with the create_lrs_client command and shown once; the hash is no
    # use to anyone reading this page.
    exclude = ["secret_hash"]
    readonly_fields = ["key", "created_at"]


@admin.register(Statement)
class StatementAdmin(admin.ModelAdmin[Statement]):
    """Read-only: a stored statement is immutable (xAPI); voiding is done with a statement."""

    list_display = ["statement_id", "organisation", "verb_iri", "actor_key", "stored", "voided"]
    list_filter = ["voided", "organisation"]
    search_fields = ["=statement_id", "actor_key", "verb_iri", "object_activity_iri"]
    date_hierarchy = "stored"
    list_select_related = ["organisation"]
    show_full_result_count = False

    def has_add_permission(self, request: object) -> bool:
        return False

    def has_change_permission(self, request: object, obj: object = None) -> bool:
        return False

    def has_delete_permission(self, request: object, obj: object = None) -> bool:
        return False


class _ReadOnlyAdmin(admin.ModelAdmin[Any]):
    """Documents and canonical activities change through the xAPI resources only."""

    def has_add_permission(self, request: object) -> bool:
        return False

    def has_change_permission(self, request: object, obj: object = None) -> bool:
        return False


@admin.register(Document)
class DocumentAdmin(_ReadOnlyAdmin):
    list_display = ["document_id", "kind", "organisation", "content_type", "updated"]
    list_filter = ["kind", "organisation"]
    search_fields = ["=document_id", "activity_iri", "agent_key"]
    exclude = ["content", "parsed"]
    list_select_related = ["organisation"]
    show_full_result_count = False


@admin.register(Activity)
class ActivityAdmin(_ReadOnlyAdmin):
    list_display = ["activity_iri", "organisation", "updated"]
    list_filter = ["organisation"]
    search_fields = ["activity_iri"]
    list_select_related = ["organisation"]
    show_full_result_count = False


@admin.register(StatementRetention)
class StatementRetentionAdmin(admin.ModelAdmin[StatementRetention]):
    """How long each organisation's statements are kept; the nightly beat task applies it."""

    list_display = ["organisation", "statement_retention_days", "updated_at"]
    list_select_related = ["organisation"]
    search_fields = ["organisation__name_en", "organisation__slug"]
    readonly_fields = ["updated_at"]

    def get_readonly_fields(self, request: object, obj: object = None) -> list[str]:
        # The organisation is the row's key: a policy moves to another one by a new row.
        return [*self.readonly_fields, "organisation"] if obj else self.readonly_fields
