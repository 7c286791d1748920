"""Fuzzing the alternate request syntax (xAPI 1.0.3 Communication §1.3): requests of every
resource folded into POST ?method=X with a form, credentials and version in the form or
not, and forms that are simply broken.

A folded request does what the plain request would do (or is refused the same clean way);
xAPI 2.0 requests in it are refused, since 2.0 dropped it.
"""

from urllib.parse import urlencode

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tests.learning_records.fuzz import strategies as fs
from tests.learning_records.fuzz.calls import FORM, FORM_NAMES, Call, folded, send, sent_version
from tests.learning_records.fuzz.checks import answered, exchange, unchanged
from tests.learning_records.fuzz.conftest import FUZZ, rolled_back
from tests.learning_records.fuzz.world import DOCUMENT_RESOURCES, STATEMENTS, snapshot

pytestmark = pytest.mark.django_db


def _text(body: bytes) -> bool:
    try:
        body.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


@st.composite
def statement_calls(draw: st.DrawFn) -> Call:
    statement = draw(fs.VALID_STATEMENTS | fs.statements())
    body = fs.to_bytes(fs.encode(statement, ascii_only=True))
    content_type = draw(fs.mostly(st.sampled_from(["application/json", ""]), fs.CONTENT_TYPES))
    if draw(st.booleans()) and isinstance(statement.get("id"), str):
        return Call("PUT", STATEMENTS, {"statementId": statement["id"]}, body, content_type)
    return Call("POST", STATEMENTS, {}, body, content_type)


@st.composite
def foldable_calls(draw: st.DrawFn) -> Call:
    """A plain request whose parameters and body a form can carry."""
    call = draw(statement_calls() | fs.document_calls())
    params = {name: value for name, value in call.params.items() if name.lower() not in FORM_NAMES}
    headers = {**call.headers, "X-Experience-API-Version": draw(fs.VERSIONS)}
    body = call.body if _text(call.body) else b""
    return Call(call.method, call.path, params, body, call.content_type, headers)


@FUZZ
@given(
    call=foldable_calls(),
    into_form=st.sets(st.sampled_from(["Authorization", "X-Experience-API-Version"])),
)
def test_a_folded_request_does_what_the_plain_one_does(seeded, organisation, call, into_form):
    post, meant = folded(seeded, call, into_form=frozenset(into_form))
    with rolled_back():
        response = exchange(seeded, post, organisation_id=organisation.id, meant=meant)
    if (sent_version(seeded, meant) or "").strip().startswith("2.0"):
        assert response.status_code in (400, 413)  # 413 comes first: the body is not read


FORM_PIECES = st.sampled_from(
    ["content=", "Content-Type=", "X-Experience-API-Version=1.0.3", "agent=", "stateId=", "&"]
) | st.text(max_size=12)


@st.composite
def broken_forms(draw: st.DrawFn) -> Call:
    path = draw(st.sampled_from([STATEMENTS, *sorted(DOCUMENT_RESOURCES)]))
    method = draw(st.sampled_from(["GET", "PUT", "POST", "DELETE", "head"]) | fs.PARAM_TEXT)
    query = draw(
        st.sampled_from(["method=", "method=PUT&stateId=x", urlencode({"method": method})])
    )
    form = fs.to_bytes("".join(draw(st.lists(FORM_PIECES, max_size=8))))
    body = draw(st.just(form) | st.binary(max_size=40))
    content_type = draw(fs.mostly(st.just(FORM), fs.CONTENT_TYPES, 3))
    return Call("POST", path, body=body, content_type=content_type, query=query)


@FUZZ
@given(call=broken_forms())
def test_a_broken_form_is_refused_cleanly(seeded, call):
    with rolled_back():
        before = snapshot()
        response = send(seeded, call)
        # HEAD answers carry no body, refusals included (Communication §1.1).
        method = "HEAD" if "method=head" in (call.query or "").lower() else "POST"
        answered(response, method=method, version=sent_version(seeded, call))
        if response.status_code >= 400:
            unchanged(before, snapshot())
