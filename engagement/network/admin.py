from django.contrib import admin

from engagement.network.models import Organisation


@admin.register(Organisation)
class OrganisationAdmin(admin.ModelAdmin[Organisation]):
    list_display = ["name_en", "kind", "business_id", "created_at"]
    list_filter = ["kind"]
    search_fields = ["name_en", "name_fi", "name_sv", "business_id", "slug"]
    prepopulated_fields = {"slug": ["name_en"]}
