"""Fuzzing the State, Activity Profile and Agent Profile resources (Communication §2.2-§2.7):
any method, parameters aimed at stored documents or not, any body and content type, and
random If-Match, If-None-Match and version headers.

Whatever is sent: never a 5xx, every refusal a JSON message, a refused write changes no
row, and a successful one changes the addressed document (or a state context) only.
"""

import json
from typing import Any

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from tests.learning_records.fuzz import strategies as fs
from tests.learning_records.fuzz.calls import Call
from tests.learning_records.fuzz.checks import exchange
from tests.learning_records.fuzz.conftest import FUZZ, fewer, rolled_back
from tests.learning_records.fuzz.world import ACTIVITY_ID, AGENT, BODY_LIMIT

STATE = "/xapi/activities/state"

pytestmark = pytest.mark.django_db


@FUZZ
@given(call=fs.document_calls())
@example(
    call=Call(
        "POST",
        "/xapi/activities/state",
        {"activityId": ACTIVITY_ID, "agent": json.dumps(AGENT), "stateId": "progress"},
        b'{"page": 1e400}',
        "application/json",
    )
)
def test_a_document_request_is_answered_and_writes_only_its_document(seeded, organisation, call):
    with rolled_back():
        exchange(seeded, call, organisation_id=organisation.id)


@fewer(0.5)
@given(
    method=st.sampled_from(["PUT", "POST"]),
    slack=st.integers(-40, 40),
    pad=st.sampled_from(["x", "ä", "🔋"]),
    state_id=st.sampled_from(["progress", "new"]),
)
def test_a_document_near_the_limit_is_stored_or_refused_with_413(
    seeded, organisation, method, slack, pad, state_id
):
    """The limit counts bytes, and a merge that would grow past it is 413 too (§2.2.s7)."""
    params = {"activityId": ACTIVITY_ID, "agent": json.dumps(AGENT), "stateId": state_id}
    filler = max(0, BODY_LIMIT - len(b'{"notes":""}') + slack) // len(pad.encode())
    body = _compact({"notes": pad * filler})
    call = Call(method, STATE, params, body, "application/json", {"If-Match": "*"})
    if state_id == "new":
        call = Call(method, STATE, params, body, "application/json")

    with rolled_back():
        response = exchange(seeded, call, organisation_id=organisation.id)

    merged = _compact({"page": 3, "seen": ["intro"], "notes": pad * filler})
    grows_past = method == "POST" and state_id == "progress" and len(merged) > BODY_LIMIT
    too_big = len(body) > BODY_LIMIT or grows_past
    assert response.status_code == (413 if too_big else 204), response.content


def _compact(document: dict[str, Any]) -> bytes:
    return json.dumps(document, ensure_ascii=False, separators=(",", ":")).encode()
