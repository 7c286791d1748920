"""Fuzzing POST and PUT /statements: any JSON, any bytes, statements broken a field at a
time, mixed batches, wrong content types, bodies near the limit and deeply nested ones.

Whatever is sent: never a 5xx, every refusal a JSON message, and a batch stored whole or
not at all (Communication §2.1.2: the LRS stores every statement of a batch or none).
"""

import json
from typing import Any

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from tests.learning_records.fuzz import checks
from tests.learning_records.fuzz import strategies as fs
from tests.learning_records.fuzz.calls import Call
from tests.learning_records.fuzz.conftest import FUZZ, fewer, rolled_back
from tests.learning_records.fuzz.world import BODY_LIMIT, STATEMENTS, snapshot
from tests.xapi_samples import make_statement

pytestmark = pytest.mark.django_db

JSON_TYPES = st.sampled_from(["application/json", "application/json; charset=utf-8"])


def exchange(lrs: Any, organisation: Any, call: Call, sent: list[Any] | None = None) -> Any:
    with rolled_back():
        return checks.exchange(lrs, call, organisation_id=organisation.id, sent=sent)


@FUZZ
@given(body=fs.json_bodies(), version=fs.VERSIONS, content_type=JSON_TYPES)
def test_any_json_is_stored_whole_or_refused(seeded, organisation, body, version, content_type):
    headers = {"X-Experience-API-Version": version}
    exchange(
        seeded,
        organisation,
        Call("POST", STATEMENTS, body=body, content_type=content_type, headers=headers),
    )


@FUZZ
@given(body=st.binary(max_size=300), method=st.sampled_from(["POST", "PUT"]), uuid=st.uuids())
def test_random_bytes_are_refused_cleanly(seeded, organisation, body, method, uuid):
    params = {"statementId": str(uuid)} if method == "PUT" else {}
    exchange(seeded, organisation, Call(method, STATEMENTS, params, body, "application/json"))


@FUZZ
@given(statement=fs.statements(), version=fs.VERSIONS, ascii_only=st.booleans())
@example(
    statement=make_statement(
        result={"extensions": {"https://w3id.org/xapi/x": fs.Literal("1e400")}}
    ),
    version="1.0.3",
    ascii_only=True,
)
def test_a_statement_broken_one_field_at_a_time_is_stored_or_refused_whole(
    seeded, organisation, statement, version, ascii_only
):
    body = fs.to_bytes(fs.encode(statement, ascii_only=ascii_only))
    headers = {"X-Experience-API-Version": version}
    call = Call("POST", STATEMENTS, body=body, content_type="application/json", headers=headers)
    exchange(seeded, organisation, call, sent=[statement])


@FUZZ
@given(statement=fs.statements(), statement_id=fs.UUIDISH)
def test_a_broken_statement_put_is_stored_or_refused(seeded, organisation, statement, statement_id):
    params = {"statementId": statement_id}
    body = fs.to_bytes(fs.encode(statement))
    call = Call("PUT", STATEMENTS, params, body, "application/json")
    exchange(seeded, organisation, call, sent=[statement] if isinstance(statement, dict) else None)


@FUZZ
@given(batch=fs.BATCHES, version=st.sampled_from(["1.0.3", "2.0.0"]))
def test_a_batch_is_stored_whole_or_not_at_all_and_a_retry_changes_nothing(
    seeded, organisation, batch, version
):
    """Communication §2.1.2: a batch is stored whole or not at all; sent again with its
    ids (a client retrying), it is accepted and stores no second copy."""
    body = fs.to_bytes(fs.encode(batch))
    headers = {"X-Experience-API-Version": version}
    call = Call("POST", STATEMENTS, body=body, content_type="application/json", headers=headers)
    with rolled_back():
        first = checks.exchange(seeded, call, organisation_id=organisation.id, sent=batch)
        if first.status_code != 200 or not all("id" in statement for statement in batch):
            return
        stored = snapshot()
        again = checks.exchange(seeded, call, organisation_id=organisation.id, sent=batch)
        assert again.status_code == 200, again.content
        assert again.json() == first.json()
        checks.unchanged(stored, snapshot())


@FUZZ
@given(content_type=fs.CONTENT_TYPES, statement=fs.VALID_STATEMENTS)
def test_a_wrong_content_type_is_refused(seeded, organisation, content_type, statement):
    body = json.dumps(statement).encode()
    response = exchange(
        seeded, organisation, Call("POST", STATEMENTS, body=body, content_type=content_type)
    )
    if content_type.split(";")[0].strip().lower() != "application/json":
        assert response.status_code == 400


@fewer(0.5)
@given(
    count=st.integers(1, 12),
    slack=st.integers(-40, 40),
    pad=st.sampled_from(["x", "ä", "🔋"]),
    uuids=st.lists(st.uuids(), min_size=12, max_size=12, unique=True),
)
def test_a_body_near_the_limit_is_stored_or_refused_with_413(
    seeded, organisation, count, slack, pad, uuids
):
    """The limit counts bytes, not characters; a body over it is 413 and stores nothing."""
    batch = [make_statement(id=str(uuid)) for uuid in uuids[:count]]
    batch[0]["actor"]["name"] = ""
    size = len(json.dumps(batch, ensure_ascii=False).encode())
    filler = max(0, BODY_LIMIT - size + slack) // len(pad.encode())
    batch[0]["actor"]["name"] = pad * filler
    body = json.dumps(batch, ensure_ascii=False).encode()

    response = exchange(
        seeded, organisation, Call("POST", STATEMENTS, body=body, content_type="application/json")
    )

    assert response.status_code == (413 if len(body) > BODY_LIMIT else 200), response.content


@fewer(0.5)
@given(
    depth=st.integers(1, 3000) | st.sampled_from([60, 61, 62, 63, 64, 65, 66, 1000, 4000]),
    bracket=st.sampled_from(["[]", "{}"]),
    where=st.sampled_from(["body", "extension", "batch"]),
    uuid=st.uuids(),
)
def test_a_deep_body_is_refused_cleanly(seeded, organisation, depth, bracket, where, uuid):
    opening = "[" if bracket == "[]" else '{"k":'
    nested = opening * depth + "1" + bracket[1] * depth
    extension = {"https://w3id.org/xapi/x": 0}
    statement = json.dumps(make_statement(id=str(uuid), result={"extensions": extension}))
    body = {
        "body": nested,
        "extension": statement.replace(
            '"https://w3id.org/xapi/x": 0', f'"https://w3id.org/xapi/x": {nested}'
        ),
        "batch": f"[{statement}, {nested}]",
    }[where].encode()

    response = exchange(
        seeded, organisation, Call("POST", STATEMENTS, body=body, content_type="application/json")
    )

    # The statement validator refuses nesting past 64 levels (the extension sits at 4).
    if where == "extension" and len(body) <= BODY_LIMIT and not 55 <= depth <= 65:
        assert response.status_code == (200 if depth < 55 else 400), response.content


@FUZZ
@given(length=st.integers(-5, 2**70).map(str) | fs.HEADER_TEXT, statement=fs.VALID_STATEMENTS)
def test_a_content_length_of_any_form_is_answered(seeded, organisation, length, statement):
    body = json.dumps(statement).encode()
    # The test client reads the body up to the declared length; more than is sent would
    # stall a real server, which is no test of the LRS.
    if (
        length.strip().isascii()
        and length.strip().lstrip("+-").isdigit()
        and int(length) > len(body)
    ):
        length = str(len(body))
    call = Call(
        "POST",
        STATEMENTS,
        body=body,
        content_type="application/json",
        headers={"Content-Length": length},
    )
    exchange(seeded, organisation, call)
