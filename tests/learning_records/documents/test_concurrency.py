"""ETags and conditional writes on the document resources (xAPI 1.0.3 Communication §3.1),
with the rules that differ between 1.0.3 and 2.0 (docs/xapi-conformance.md)."""

import pytest

from learning_records import documents
from learning_records.models import Document
from tests.learning_records.documents.conftest import (
    ACTIVITY_PROFILE,
    AGENT_PROFILE,
    RESOURCES,
    STATE,
    address,
    call,
    create,
    quoted_sha1,
)

pytestmark = pytest.mark.django_db
WRONG = '"1111111111111111111111111111111111111111"'


@pytest.fixture(params=["1.0.3", "2.0.0"])
def client_of_version(request, lrs):
    lrs.headers["X-Experience-API-Version"] = request.param
    return lrs


def etag(lrs, resource) -> str:
    return call(lrs, "GET", address(resource))["ETag"]


@pytest.mark.parametrize("resource", RESOURCES, ids=str)
def test_it_gives_the_quoted_sha1_of_the_stored_bytes_as_etag(lrs, resource):
    """Communication §3.1.s4.b1, b2, b4 (XAPI-00322)."""
    content = b'{"b": 1,  "a": [1, 2]}'
    create(lrs, resource, content)

    response = call(lrs, "GET", address(resource))

    assert response["ETag"] == quoted_sha1(content)


# (version, resource, document exists, status of a PUT without If-Match or If-None-Match)
PUT_WITHOUT_CONDITIONS = [
    ("1.0.3", STATE, False, 204),
    ("1.0.3", STATE, True, 204),  # §3.1.s3: state conflicts are unlikely
    ("1.0.3", ACTIVITY_PROFILE, False, 400),  # §3.1.s3.b1: the client MUST send one
    ("1.0.3", ACTIVITY_PROFILE, True, 409),  # §3.1.s4.b13
    ("1.0.3", AGENT_PROFILE, False, 400),
    ("1.0.3", AGENT_PROFILE, True, 409),
    ("2.0.0", STATE, False, 204),
    ("2.0.0", STATE, True, 409),  # 2.0 applies concurrency to the State resource too
    ("2.0.0", ACTIVITY_PROFILE, False, 204),
    ("2.0.0", ACTIVITY_PROFILE, True, 409),
    ("2.0.0", AGENT_PROFILE, False, 204),
    ("2.0.0", AGENT_PROFILE, True, 409),
]


@pytest.mark.parametrize(
    ("version", "resource", "exists", "status"),
    PUT_WITHOUT_CONDITIONS,
    ids=[f"{v}-{r}-{'existing' if e else 'new'}" for v, r, e, _ in PUT_WITHOUT_CONDITIONS],
)
def test_a_put_without_conditions_follows_the_versions_rules(
    lrs, version, resource, exists, status
):
    if exists:
        create(lrs, resource, {"v": 1})
    lrs.headers["X-Experience-API-Version"] = version

    response = call(lrs, "PUT", address(resource), {"v": 2})

    assert response.status_code == status
    expected = ({"v": 2} if status == 204 else {"v": 1}) if exists or status == 204 else None
    stored = call(lrs, "GET", address(resource))
    assert (stored.json() if stored.status_code == 200 else None) == expected
    if status != 204:
        assert "If-Match" in response.json()["message"]


def test_the_409_says_how_to_resolve_the_conflict(lrs):
    """Communication §3.1.s4.b14: check the current state, then PUT with If-Match."""
    create(lrs, ACTIVITY_PROFILE, {"v": 1})

    message = call(lrs, "PUT", address(ACTIVITY_PROFILE), {"v": 2}).json()["message"]

    assert "GET it" in message
    assert "If-Match" in message


# (method, If-Match or If-None-Match header, the document exists, expected status)
CONDITIONAL_WRITES = [
    ("PUT", {"If-Match": "<etag>"}, True, 204),
    ("PUT", {"If-Match": WRONG}, True, 412),
    ("PUT", {"If-Match": "*"}, True, 204),
    ("PUT", {"If-Match": "*"}, False, 412),
    ("PUT", {"If-Match": WRONG}, False, 412),
    ("PUT", {"If-Match": f"{WRONG}, <etag>"}, True, 204),
    ("PUT", {"If-Match": "W/<etag>"}, True, 204),
    ("PUT", {"If-None-Match": "*"}, False, 204),
    ("PUT", {"If-None-Match": "*"}, True, 412),
    ("PUT", {"If-None-Match": "<etag>"}, True, 412),
    ("PUT", {"If-None-Match": WRONG}, True, 204),
    ("POST", {"If-Match": "<etag>"}, True, 204),
    ("POST", {"If-Match": WRONG}, True, 412),
    ("POST", {"If-None-Match": "*"}, True, 412),
    ("POST", {"If-None-Match": "*"}, False, 204),
    ("DELETE", {"If-Match": "<etag>"}, True, 204),
    ("DELETE", {"If-Match": WRONG}, True, 412),
    ("DELETE", {"If-Match": WRONG}, False, 412),
]


@pytest.mark.parametrize("resource", RESOURCES, ids=str)
@pytest.mark.parametrize(
    ("method", "conditions", "exists", "status"),
    CONDITIONAL_WRITES,
    ids=[
        f"{m}-{next(iter(c))}-{next(iter(c.values())).replace(WRONG, 'wrong')}-"
        f"{'existing' if e else 'new'}"
        for m, c, e, _ in CONDITIONAL_WRITES
    ],
)
def test_a_conditional_write_goes_ahead_only_when_its_condition_holds(
    client_of_version, resource, method, conditions, exists, status
):
    """Communication §3.1.s4.b5-b12 (XAPI-00322; the 2.0 battery's 4.1.4 for POST, DELETE)."""
    lrs = client_of_version
    current = "<no document>"
    if exists:
        create(lrs, resource, {"v": 1})
        current = etag(lrs, resource)
    before = list(Document.objects.values_list("content", flat=True))
    headers = {name: value.replace("<etag>", current) for name, value in conditions.items()}
    body = b"" if method == "DELETE" else b'{"v": 2}'

    response = call(lrs, method, address(resource), body, headers=headers)

    assert response.status_code == status, response.content
    if status == 412:
        assert list(Document.objects.values_list("content", flat=True)) == before
        assert response.json()["message"].startswith("If-")


def test_it_answers_304_to_a_get_for_the_version_the_client_has(lrs):
    create(lrs, STATE, {"v": 1})
    current = etag(lrs, STATE)

    response = call(lrs, "GET", address(STATE), headers={"If-None-Match": current})

    assert response.status_code == 304
    assert response.content == b""
    assert response["ETag"] == current


def test_a_multiple_document_delete_ignores_conditions(lrs):
    """A context's states have no one ETag to compare with."""
    create(lrs, STATE, {"v": 1})

    response = call(lrs, "DELETE", address(STATE, None), headers={"If-Match": WRONG})

    assert response.status_code == 204
    assert not Document.objects.exists()


class TestConcurrentWrites:
    """Two writers that read the same version: the second one's conditional update misses,
    it reads again and is judged against what the first wrote."""

    def interleave(self, monkeypatch, write) -> None:
        """Runs `write` once, just after the next write has read the document."""
        check = documents._check
        done: list[bool] = []

        def check_then_interleave(*args, **kwargs):
            check(*args, **kwargs)
            if not done:
                done.append(True)
                write()

        monkeypatch.setattr(documents, "_check", check_then_interleave)

    def test_the_second_if_match_put_fails_with_412(self, lrs, monkeypatch):
        create(lrs, ACTIVITY_PROFILE, {"v": 1})
        read = etag(lrs, ACTIVITY_PROFILE)
        url = address(ACTIVITY_PROFILE)
        self.interleave(
            monkeypatch, lambda: call(lrs, "PUT", url, {"v": "first"}, headers={"If-Match": read})
        )

        response = call(lrs, "PUT", url, {"v": "second"}, headers={"If-Match": read})

        assert response.status_code == 412
        assert call(lrs, "GET", url).json() == {"v": "first"}

    def test_two_merges_both_land(self, lrs, monkeypatch):
        create(lrs, STATE, {"v": 1})
        url = address(STATE)
        self.interleave(monkeypatch, lambda: call(lrs, "POST", url, {"first": True}))

        assert call(lrs, "POST", url, {"second": True}).status_code == 204

        assert call(lrs, "GET", url).json() == {"v": 1, "first": True, "second": True}

    def test_the_second_creation_fails_with_412(self, lrs, monkeypatch):
        url = address(AGENT_PROFILE)
        first = {"If-None-Match": "*"}
        self.interleave(monkeypatch, lambda: call(lrs, "PUT", url, {"v": 1}, headers=first))

        response = call(lrs, "PUT", url, {"v": 2}, headers={"If-None-Match": "*"})

        assert response.status_code == 412
        assert call(lrs, "GET", url).json() == {"v": 1}

    def test_a_delete_of_a_changed_document_is_judged_again(self, lrs, monkeypatch):
        create(lrs, STATE, {"v": 1})
        read = etag(lrs, STATE)
        url = address(STATE)
        self.interleave(monkeypatch, lambda: call(lrs, "POST", url, {"v": 2}))

        response = call(lrs, "DELETE", url, headers={"If-Match": read})

        assert response.status_code == 412
        assert call(lrs, "GET", url).json() == {"v": 2}
