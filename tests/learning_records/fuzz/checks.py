"""The properties every answer and every write of the LRS must have, whatever it was sent."""

import hashlib
import json
import uuid
from dataclasses import fields
from typing import Any

from hypothesis import event

from learning_records.xapi.index import agent_key
from tests.learning_records.fuzz.calls import Call, send, sent_version
from tests.learning_records.fuzz.world import (
    DOCUMENT_RESOURCES,
    STATEMENTS,
    VOIDED,
    DocumentKey,
    Store,
    snapshot,
)

VERSIONS = {"1.0.3", "2.0.0"}
# Version headers whose answer is certain (Communication §3.3: any 1.0.x is 1.0.3) ...
NEGOTIATED = {
    "1.0": "1.0.3",
    "1.0.0": "1.0.3",
    "1.0.3": "1.0.3",
    "1.0.9": "1.0.3",
    "2.0": "2.0.0",
    "2.0.0": "2.0.0",
    "2.0.1": "2.0.0",
}
# ... and those that must be refused. Other text is only checked to get one of VERSIONS.
REFUSED_VERSIONS = {"", "0.95", "3.0.0", "1.0.03"}


def answered(response: Any, *, method: str, version: str | None) -> None:
    """No 5xx; the version header on every answer, in the asked version when it succeeds;
    every refusal a JSON object with a non-empty message."""
    status = response.status_code
    event(f"{method} {status}")  # --hypothesis-show-statistics shows what the inputs reached
    assert status < 500, f"{status}: {response.content[:500]!r}"
    answer = response.get("X-Experience-API-Version")
    assert answer in VERSIONS, f"X-Experience-API-Version: {answer!r}"
    if version is not None and version.strip() in NEGOTIATED and status < 400:
        assert answer == NEGOTIATED[version.strip()]
    if version is None or version.strip() in REFUSED_VERSIONS:
        assert status >= 400, f"version {version!r} was accepted"
    if 400 <= status < 500 and method != "HEAD":
        assert response["Content-Type"].startswith("application/json"), response["Content-Type"]
        body = json.loads(response.content)
        message = body.get("message") if isinstance(body, dict) else None
        assert isinstance(message, str), body
        assert message.strip(), body


def unchanged(before: Store, after: Store) -> None:
    for part in fields(Store):
        assert getattr(after, part.name) == getattr(before, part.name), f"{part.name} changed"


def statements_stored(
    before: Store,
    after: Store,
    *,
    ids: list[str],
    organisation_id: int,
    sent: list[Any] | None = None,
) -> None:
    """A stored batch: each id in the answer is stored, nothing else is new, no stored
    statement changed but for the voided flag of a target of a new voiding statement."""
    stored = {(organisation_id, statement_id) for statement_id in ids}
    new = set(after.statements) - set(before.statements)
    assert set(before.statements) <= set(after.statements), "a statement was removed"
    assert stored <= set(after.statements), "an answered id is not stored"
    assert new <= stored, f"rows stored that the answer does not name: {new - stored}"
    if sent is not None:
        _as_sent(after, sent, ids, new)
    new_payloads = [after.payload(key) for key in new]
    voided_now = {
        payload["object"]["id"].lower()
        for payload in new_payloads
        if payload["verb"]["id"] == VOIDED
    }
    for key, (was_voided, payload) in before.statements.items():
        is_voided, now = after.statements[key]
        assert now == payload, f"statement {key} was rewritten"
        if is_voided != was_voided:
            assert key[0] == organisation_id, f"{key} voided"
            assert key[1] in voided_now, f"{key} voided"
    new_ids = {uuid.UUID(statement_id) for _, statement_id in new}
    for rows in ("agent_rows", "activity_rows"):
        added = getattr(after, rows) - getattr(before, rows)
        assert getattr(before, rows) <= getattr(after, rows)
        assert {row[0] for row in added} <= new_ids, f"{rows} of old statements"
    _attachments_of(before, after, new_payloads, organisation_id)
    assert after.documents == before.documents
    mentioned = _strings(new_payloads)
    for key, definition in after.activities.items():
        if before.activities.get(key) != definition:
            assert key[0] == organisation_id, f"activity {key}"
            assert key[1] in mentioned, f"activity {key}"


def _as_sent(after: Store, sent: list[Any], ids: list[str], new: set[tuple[int, str]]) -> None:
    """The answer names the statements in the order sent, and a new row keeps who did what
    as sent (the LRS normalises objects and context only). A statement already stored in
    an equivalent form keeps its first copy."""
    assert len(ids) == len(sent)
    rows = {key[1]: key for key in new}
    for statement, statement_id in zip(sent, ids, strict=True):
        if "id" in statement:  # stored under the id it carries, not another
            assert isinstance(statement["id"], str), statement["id"]
            assert statement_id == statement["id"].lower()
        if statement_id in rows:
            payload = after.payload(rows[statement_id])
            assert (payload["actor"], payload["verb"]) == (statement["actor"], statement["verb"])


def _attachments_of(
    before: Store, after: Store, payloads: list[dict[str, Any]], organisation_id: int
) -> None:
    declared = {
        attachment["sha2"].lower()
        for payload in payloads
        for holder in (payload, payload["object"])
        for attachment in holder.get("attachments", [])
    }
    for key, (content_type, content) in after.attachments.items():
        if key in before.attachments:
            assert before.attachments[key] == (content_type, content)
            continue
        organisation, sha2 = key
        assert organisation == organisation_id, f"attachment {key}"
        assert sha2 in declared, f"attachment {key}"
        algorithm = {64: hashlib.sha256, 96: hashlib.sha384, 128: hashlib.sha512}[len(sha2)]
        assert algorithm(content).hexdigest() == sha2
        assert content_type.isascii(), content_type
        assert content_type.isprintable(), content_type
    assert set(before.attachments) <= set(after.attachments)


def _strings(value: Any) -> set[str]:
    if isinstance(value, str):
        return {value}
    items = value.values() if isinstance(value, dict) else value if isinstance(value, list) else []
    return set().union(*(_strings(item) for item in items))


def document_key(call: Call, organisation_id: int) -> tuple[DocumentKey, str]:
    """Where a successful document request wrote, and its id parameter's name."""
    kind, id_name = DOCUMENT_RESOURCES[call.path.rstrip("/")]
    agent = agent_key(json.loads(call.params["agent"])) if kind != "activity_profile" else ""
    registration = call.params.get("registration")
    key = (
        organisation_id,
        kind,
        call.params.get("activityId", "") if kind != "agent_profile" else "",
        agent or "",
        str(uuid.UUID(registration)) if registration is not None else "",
        call.params.get(id_name, ""),
    )
    return key, id_name


def document_written(before: Store, after: Store, call: Call, organisation_id: int) -> None:
    """A 2xx document write changed the addressed document as its method says, and
    nothing else: PUT stores the body, POST merges (Communication §2.2.s7), DELETE removes."""
    for part in ("statements", "attachments", "activities"):
        assert getattr(after, part) == getattr(before, part)
    key, id_name = document_key(call, organisation_id)
    if call.method == "DELETE" and id_name not in call.params:
        # Communication §2.3.s5: every state of the activity and agent (and registration).
        gone = {k for k in before.documents if k[:4] == key[:4] and key[4] in ("", k[4])}
    elif call.method == "DELETE":
        gone = {key}
    else:
        gone = set()
        content, content_type = after.documents[key][:2]
        if call.method == "POST" and key in before.documents:
            merged = {**before.documents[key][3], **json.loads(call.body.decode("utf-8-sig"))}
            assert after.documents[key][3] == merged
        else:
            assert content == call.body
            assert content_type == (call.content_type or "application/octet-stream")
        assert after.documents[key][2] == hashlib.sha1(content, usedforsecurity=False).hexdigest()
    assert not gone & set(after.documents), "a deleted document is still there"
    changed = {key} | gone
    expected = {k: v for k, v in before.documents.items() if k not in changed}
    assert {k: v for k, v in after.documents.items() if k not in changed} == expected


def exchange(
    lrs: Any,
    call: Call,
    *,
    organisation_id: int,
    sent: list[Any] | None = None,
    meant: Call | None = None,
) -> Any:
    """Send `call` and check the answer and what it did to the store: a write that
    succeeds changes what it addresses and nothing else; anything else changes nothing.

    `meant` is the request as the LRS should read it, when `call` folds it into the
    alternate syntax; `sent` the statements, when the test knows them.
    """
    meant = meant or call
    before = snapshot()
    response = send(lrs, call)
    answered(response, method=meant.method, version=sent_version(lrs, meant))
    after = snapshot()
    status, path = response.status_code, meant.path.rstrip("/")
    if path == STATEMENTS and meant.method == "POST" and status == 200:
        ids = response.json()
        statements_stored(before, after, ids=ids, organisation_id=organisation_id, sent=sent)
    elif path == STATEMENTS and meant.method == "PUT" and status == 204:
        ids = [str(uuid.UUID(meant.params["statementId"]))]
        statements_stored(before, after, ids=ids, organisation_id=organisation_id, sent=sent)
    elif path in DOCUMENT_RESOURCES and meant.method in ("PUT", "POST", "DELETE") and status < 300:
        document_written(before, after, meant, organisation_id)
    else:
        assert status >= 300 or meant.method in ("GET", "HEAD"), status
        unchanged(before, after)
    if path in DOCUMENT_RESOURCES and meant.method == "GET" and status in (200, 304):
        _read_as_stored(response, meant, before, organisation_id)
    return response


def _read_as_stored(response: Any, call: Call, store: Store, organisation_id: int) -> None:
    """A document comes back byte for byte with its SHA-1 ETag (§3.1.s4.b1); a list of ids
    is a JSON array of strings."""
    key, id_name = document_key(call, organisation_id)
    if id_name not in call.params:
        assert response.status_code == 200
        assert all(isinstance(document_id, str) for document_id in response.json())
        return
    content = store.documents[key][0]
    assert response["ETag"] == f'"{hashlib.sha1(content, usedforsecurity=False).hexdigest()}"'
    if response.status_code == 304:
        assert call.header("If-None-Match") is not None
    else:
        assert response.content == content
