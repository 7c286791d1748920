"""Every directory endpoint is in the OpenAPI schema, and the schema validates without a
warning (manage.py spectacular --validate --fail-on-warn)."""

import pytest
import yaml
from django.core.management import call_command

PATHS = [
    "/api/network/organisations/", "/api/network/organisations/{slug}/",
    "/api/network/people/", "/api/network/people/{id}/", "/api/network/people/me/",
    "/api/network/roles/", "/api/network/roles/{id}/",
    "/api/network/identities/", "/api/network/identities/{id}/",
    "/api/network/skills/", "/api/network/skills/{id}/",
    "/api/network/pathways/", "/api/network/pathways/{slug}/",
    "/api/network/milestones/", "/api/network/milestones/{id}/",
    "/api/network/activities/", "/api/network/activities/{id}/",
    "/api/network/enrolments/", "/api/network/enrolments/{id}/",
    "/api/network/shared-enrolments/", "/api/network/shared-enrolments/{id}/",
    "/api/network/cohorts/", "/api/network/cohorts/{id}/",
    "/api/network/consents/", "/api/network/consents/{id}/", "/api/network/consents/{id}/revoke/",
    "/api/network/catalogue/", "/api/network/catalogue/{slug}/", "/api/network/catalogue/overlaps/",
    "/api/network/import/", "/api/network/export/",
]  # fmt: skip


@pytest.mark.django_db
def test_it_documents_every_endpoint_in_a_schema_without_warnings(tmp_path):
    path = tmp_path / "schema.yml"

    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(path))

    schema = yaml.safe_load(path.read_text())
    missing = [p for p in PATHS if p not in schema["paths"]]
    assert missing == []
    for path_item in (schema["paths"][p] for p in PATHS):
        for operation in path_item.values():
            assert operation.get("summary") or operation.get("description"), operation[
                "operationId"
            ]
