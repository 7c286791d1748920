"""Authentication (xAPI 1.0.3 Communication §4) and the version header (§3.3)."""

import base64

import pytest

from learning_records.models import Statement
from tests.xapi_samples import new_statement

pytestmark = pytest.mark.django_db

STATEMENTS = "/xapi/statements"


def test_it_refuses_a_request_without_credentials_with_401_and_a_challenge(lrs):
    response = lrs.http.post(
        STATEMENTS,
        "{}",
        content_type="application/json",
        headers={"X-Experience-API-Version": "1.0.3"},
    )

    assert response.status_code == 401
    assert response["WWW-Authenticate"].startswith("Basic")
    assert response["X-Experience-API-Version"] == "1.0.3"


@pytest.mark.parametrize(
    "authorization",
    [
        "Basic " + base64.b64encode(b"moodle-savonia:wrong").decode(),
        "Basic " + base64.b64encode(b"nobody:secret").decode(),
        "Basic !!!not-base64",
        "Bearer abc",
        "Basic " + base64.b64encode(b"no-colon").decode(),
    ],
    ids=["wrong-secret", "unknown-key", "bad-base64", "other-scheme", "no-colon"],
)
def test_it_refuses_wrong_credentials_with_401(lrs, authorization):
    response = lrs.post(STATEMENTS, new_statement(), headers={"Authorization": authorization})

    assert response.status_code == 401
    assert not Statement.objects.exists()


def test_it_refuses_an_inactive_client(lrs):
    from learning_records.models import LrsClient

    LrsClient.objects.update(is_active=False)

    assert lrs.post(STATEMENTS, new_statement()).status_code == 401


@pytest.mark.parametrize("version", [None, "0.95", "1.1.0", "3.0.0", "latest"])
def test_it_refuses_a_missing_or_unknown_version_header(lrs, version):
    headers = {**lrs.headers}
    headers.pop("X-Experience-API-Version")
    if version:
        headers["X-Experience-API-Version"] = version

    response = lrs.http.get(STATEMENTS, headers=headers)

    assert response.status_code == 400
    assert "X-Experience-API-Version" in response.json()["message"]


@pytest.mark.parametrize(
    ("asked", "answered"),
    [
        ("1.0", "1.0.3"),
        ("1.0.0", "1.0.3"),
        ("1.0.3", "1.0.3"),
        ("2.0", "2.0.0"),
        ("2.0.0", "2.0.0"),
    ],
)
def test_it_answers_in_the_version_asked_for(lrs, asked, answered):
    response = lrs.get(STATEMENTS, headers={"X-Experience-API-Version": asked})

    assert response.status_code == 200
    assert response["X-Experience-API-Version"] == answered


def test_it_lists_its_versions_at_about_without_credentials(client):
    response = client.get("/xapi/about")

    assert response.status_code == 200
    assert response.json()["version"] == ["1.0.3", "2.0.0"]
    assert response["X-Experience-API-Version"] == "2.0.0"


def test_it_refuses_a_client_without_the_write_scope(organisation):
    from tests.conftest import make_lrs_client

    _, reader = make_lrs_client(organisation, "reporting", scopes=["statements/read"])

    response = reader.post(STATEMENTS, new_statement())

    assert response.status_code == 403
    assert "statements/write" in response.json()["message"]


def test_it_shows_a_read_mine_client_only_its_own_statements(organisation, lrs):
    from tests.conftest import make_lrs_client

    _, own = make_lrs_client(
        organisation, "h5p", scopes=["statements/write", "statements/read/mine"]
    )
    [mine] = own.post(STATEMENTS, new_statement()).json()
    [theirs] = lrs.post(STATEMENTS, new_statement()).json()

    listed = [s["id"] for s in own.get(STATEMENTS).json()["statements"]]

    assert listed == [mine]
    assert own.get(STATEMENTS, {"statementId": theirs}).status_code == 404


def test_it_answers_a_request_without_a_version_in_the_configured_default(lrs, settings):
    settings.KIPINA_XAPI_DEFAULT_VERSION = "1.0.3"
    headers = {"Authorization": lrs.headers["Authorization"]}

    response = lrs.http.get(STATEMENTS, headers=headers)

    assert response.status_code == 400
    assert response["X-Experience-API-Version"] == "1.0.3"


def test_it_refuses_credentials_holding_a_nul_with_401(lrs):
    token = base64.b64encode(b"moodle\x00savonia:secret").decode()

    response = lrs.post(STATEMENTS, new_statement(), headers={"Authorization": f"Basic {token}"})

    assert response.status_code == 401
