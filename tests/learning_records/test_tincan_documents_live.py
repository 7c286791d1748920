"""The real tincan client (TinCanPython, xAPI 1.0.3) with the document resources of a live
server: what an LMS storing bookmarks and preferences sees.

Two habits of the library shape these tests: save_state sends no concurrency headers (the
1.0.3 State resource allows that), and it never reads the ETag of a response, so a client
that wants to update a profile takes the ETag from the HTTP response itself.
"""

import hashlib
import json
import urllib.request
from base64 import b64encode
from datetime import UTC, datetime, timedelta
from urllib.parse import urlencode

import pytest
from tincan import Activity, Agent, RemoteLRS
from tincan.documents import ActivityProfileDocument, AgentProfileDocument, StateDocument

from engagement.network.services import organisation_get_or_create
from learning_records.services import lrs_client_create

pytestmark = [pytest.mark.live, pytest.mark.django_db(transaction=True)]

KEY, SECRET = "tincan-documents", "tincan-documents-secret"
ACTIVITY = Activity(id="https://moodle.savonia.example/mod/scorm/view.php?id=7")
AGENT = Agent(mbox="mailto:aino.virtanen@example.com", name="Aino Virtanen")
FINNISH = "Kirjanmerkki: ”Litiumioniakun kennot — sivu 4”, äöå ÄÖÅ 🔋".encode()


@pytest.fixture
def remote(live_server) -> RemoteLRS:
    organisation, _ = organisation_get_or_create(name="Tincan Documents UAS", kind="uas")
    lrs_client_create(organisation=organisation, name="tincan", key=KEY, secret=SECRET)
    return RemoteLRS(
        endpoint=f"{live_server.url}/xapi/", username=KEY, password=SECRET, version="1.0.3"
    )


def succeeded(response):
    assert response.success, (response.response.status, response.data)
    return response.content


def etag_of(content: bytes) -> str:
    return f'"{hashlib.sha1(content, usedforsecurity=False).hexdigest()}"'


def raw(live_server, method: str, path: str, params: dict, body: bytes = b"", **headers: str):
    """A plain HTTP request, for what tincan cannot send or read (If-None-Match, ETag)."""
    request = urllib.request.Request(  # noqa: S310 (the live test server)
        f"{live_server.url}/xapi/{path}?{urlencode(params)}",
        data=body or None,
        method=method,
        headers={
            "Authorization": "Basic " + b64encode(f"{KEY}:{SECRET}".encode()).decode(),
            "X-Experience-API-Version": "1.0.3",
            "Content-Type": "application/json",
            **headers,
        },
    )
    with urllib.request.urlopen(request) as response:  # noqa: S310 (the live test server)
        return response.status, dict(response.headers), response.read()


def state(state_id: str, content: bytes, content_type: str) -> StateDocument:
    return StateDocument(
        id=state_id,
        activity=ACTIVITY,
        agent=AGENT,
        content=bytearray(content),
        content_type=content_type,
    )


def test_it_saves_retrieves_and_deletes_a_state(remote):
    bookmark = b'{"bookmark": "page-4"}'
    succeeded(remote.save_state(state("bookmark", bookmark, "application/json")))

    stored = succeeded(remote.retrieve_state(ACTIVITY, AGENT, "bookmark"))
    assert bytes(stored.content) == bookmark

    succeeded(remote.delete_state(state("bookmark", b"", "text/plain")))
    assert remote.retrieve_state(ACTIVITY, AGENT, "bookmark").response.status == 404


def test_it_overwrites_a_state_saved_again_without_concurrency_headers(remote):
    """xAPI 1.0.3 Communication §3.1.s3: the State resource permits PUT without them."""
    succeeded(remote.save_state(state("location", b"page-1", "text/plain")))

    succeeded(remote.save_state(state("location", b"page-2", "text/plain")))

    assert bytes(succeeded(remote.retrieve_state(ACTIVITY, AGENT, "location")).content) == b"page-2"


def test_it_keeps_the_bytes_tincan_sent_for_finnish_text(remote, live_server):
    """TinCanPython decodes a document to text and http.client sends text as Latin-1, so
    "ä" goes over the wire as one byte. The LRS keeps exactly those bytes."""
    text = "Kirjanmerkki: sivu 4, äöå ÄÖÅ"
    succeeded(remote.save_state(state("note", text.encode(), "text/plain; charset=iso-8859-1")))

    params = {"activityId": ACTIVITY.id, "agent": AGENT.to_json("1.0.3"), "stateId": "note"}
    _, headers, content = raw(live_server, "GET", "activities/state", params)

    assert content == text.encode("latin-1")
    assert headers["Content-Type"] == "text/plain; charset=iso-8859-1"


def test_it_hands_tincan_utf_8_finnish_text_byte_for_byte(remote, live_server):
    """Stored over plain HTTP (tincan cannot send it), read back with tincan, which reads
    every response as UTF-8."""
    params = {"activityId": ACTIVITY.id, "agent": AGENT.to_json("1.0.3"), "stateId": "data"}
    raw(live_server, "PUT", "activities/state", params, FINNISH, **{"Content-Type": "text/plain"})

    stored = succeeded(remote.retrieve_state(ACTIVITY, AGENT, "data"))

    assert bytes(stored.content) == FINNISH


@pytest.mark.usefixtures("remote")
def test_it_returns_binary_over_http_byte_for_byte(live_server):
    params = {"activityId": ACTIVITY.id, "agent": AGENT.to_json("1.0.3"), "stateId": "binary"}
    content = bytes(range(256)) * 64
    raw(live_server, "PUT", "activities/state", params, content, **{"Content-Type": "image/png"})

    _, headers, returned = raw(live_server, "GET", "activities/state", params)

    assert returned == content
    assert (headers["Content-Type"], headers["ETag"]) == ("image/png", etag_of(content))
    assert headers["Content-Length"] == str(len(content))


def test_it_lists_state_ids_since_a_time_and_clears_them(remote):
    before = (datetime.now(UTC) - timedelta(minutes=1)).isoformat()
    for state_id in ("location", "suspend_data"):
        succeeded(remote.save_state(state(state_id, b"{}", "application/json")))

    assert sorted(succeeded(remote.retrieve_state_ids(ACTIVITY, AGENT, since=before))) == [
        "location",
        "suspend_data",
    ]
    later = (datetime.now(UTC) + timedelta(minutes=1)).isoformat()
    assert succeeded(remote.retrieve_state_ids(ACTIVITY, AGENT, since=later)) == []

    succeeded(remote.clear_state(ACTIVITY, AGENT))
    assert succeeded(remote.retrieve_state_ids(ACTIVITY, AGENT)) == []


def test_its_header_less_profile_put_is_refused_in_1_0_3(remote):
    """Communication §3.1.s3.b1: a profile PUT MUST carry If-Match or If-None-Match, and
    TinCanPython sends neither for a new document. The 400 says what to send."""
    profile = ActivityProfileDocument(
        id="preferences",
        activity=ACTIVITY,
        content=bytearray(b"{}"),
        content_type="application/json",
    )

    response = remote.save_activity_profile(profile)

    assert response.response.status == 400
    assert "If-None-Match" in json.loads(response.data)["message"]


def test_it_updates_and_deletes_an_activity_profile_with_its_etag(remote, live_server):
    params = {"activityId": ACTIVITY.id, "profileId": "grading"}
    raw(
        live_server, "PUT", "activities/profile", params, b'{"pass": 0.6}', **{"If-None-Match": "*"}
    )

    stored = succeeded(remote.retrieve_activity_profile(ACTIVITY, "grading"))
    assert json.loads(bytes(stored.content)) == {"pass": 0.6}
    _, headers, content = raw(live_server, "GET", "activities/profile", params)
    assert headers["ETag"] == etag_of(content)

    stored.etag = headers["ETag"]
    stored.content = bytearray(b'{"pass": 0.7}')
    succeeded(remote.save_activity_profile(stored))
    assert succeeded(remote.retrieve_activity_profile_ids(ACTIVITY)) == ["grading"]

    stored.etag = headers["ETag"]  # the old version: refused
    assert remote.delete_activity_profile(stored).response.status == 412
    stored.etag = etag_of(b'{"pass": 0.7}')
    succeeded(remote.delete_activity_profile(stored))
    assert succeeded(remote.retrieve_activity_profile_ids(ACTIVITY)) == []


def test_it_updates_and_deletes_an_agent_profile_with_its_etag(remote, live_server):
    params = {"agent": AGENT.to_json("1.0.3"), "profileId": "language"}
    raw(
        live_server,
        "PUT",
        "agents/profile",
        params,
        b"fi-FI",
        **{"If-None-Match": "*", "Content-Type": "text/plain"},
    )

    stored = succeeded(remote.retrieve_agent_profile(AGENT, "language"))
    assert bytes(stored.content) == b"fi-FI"

    stored.etag = etag_of(b"fi-FI")
    stored.content, stored.content_type = bytearray(b"sv-FI"), "text/plain"
    succeeded(remote.save_agent_profile(stored))
    assert bytes(succeeded(remote.retrieve_agent_profile(AGENT, "language")).content) == b"sv-FI"

    stored.etag = etag_of(b"sv-FI")
    profile = AgentProfileDocument(id="language", agent=AGENT, etag=stored.etag)
    succeeded(remote.delete_agent_profile(profile))
    assert succeeded(remote.retrieve_agent_profile_ids(AGENT)) == []
