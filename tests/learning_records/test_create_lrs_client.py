"""manage.py create_lrs_client: how operators connect an LMS."""

import base64
import io

import pytest
from django.core.management import CommandError, call_command
from django.test import Client

from engagement.network.models import Organisation
from learning_records.models import LrsClient

pytestmark = pytest.mark.django_db


def create(*args: str) -> str:
    out = io.StringIO()
    call_command("create_lrs_client", *args, stdout=out)
    return out.getvalue()


def test_it_creates_the_organisation_and_prints_credentials_that_work():
    output = create("Moodle of Savonia", "--organisation", "Savonia UAS")

    key = output.split("key:")[1].split()[0]
    secret = output.split("secret:")[1].split()[0]
    client = LrsClient.objects.get(key=key)
    assert client.organisation == Organisation.objects.get(slug="savonia-uas")
    assert secret not in client.secret_hash
    token = base64.b64encode(f"{key}:{secret}".encode()).decode()
    response = Client().get(
        "/xapi/statements",
        headers={"Authorization": f"Basic {token}", "X-Experience-API-Version": "1.0.3"},
    )
    assert response.status_code == 200


def test_it_reuses_an_existing_organisation():
    create("Moodle", "--organisation", "Savonia UAS", "--key", "moodle")
    output = create("H5P", "--organisation", "Savonia UAS", "--key", "h5p")

    assert Organisation.objects.count() == 1
    assert "Created organisation" not in output


def test_it_takes_a_given_key_secret_and_scopes():
    create(
        "Reporting",
        "--organisation",
        "Valmet",
        "--key",
        "reports",
        "--secret",
        "s3cret-value",
        "--scopes",
        "statements/read",
    )

    client = LrsClient.objects.get(key="reports")
    assert client.scopes == ["statements/read"]


def test_it_refuses_a_key_that_exists():
    create("Moodle", "--organisation", "Savonia UAS", "--key", "moodle")

    with pytest.raises(CommandError, match="already exists"):
        create("Other", "--organisation", "Savonia UAS", "--key", "moodle")
    assert LrsClient.objects.count() == 1


def test_it_refuses_an_unknown_scope():
    with pytest.raises(CommandError, match="invalid choice"):
        create("Moodle", "--organisation", "Savonia UAS", "--scopes", "everything")
