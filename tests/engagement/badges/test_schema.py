"""The badges API is in the OpenAPI schema, each operation with a summary."""

import pytest
import yaml
from django.core.management import call_command

PATHS = ["/api/badges/mine/", "/api/badges/share/", "/api/badges/assertions/{uuid}/revoke/"]


@pytest.mark.django_db
def test_the_badges_api_is_documented(tmp_path, capsys):
    path = tmp_path / "schema.yml"

    call_command("spectacular", "--validate", "--file", str(path))

    assert "badges/apis.py" not in capsys.readouterr().err
    schema = yaml.safe_load(path.read_text())
    for name in PATHS:
        for operation in schema["paths"][name].values():
            assert operation.get("summary"), operation["operationId"]
