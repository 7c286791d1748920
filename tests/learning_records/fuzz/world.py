"""The store every fuzz example starts from, and a snapshot of it to compare after a request.

Seeded ids are fixed, so generated requests can aim at what is stored: a conflicting id,
a voided target, a document to merge into or delete.
"""

import hashlib
import json
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from learning_records.models import (
    Activity,
    AttachmentContent,
    Document,
    Statement,
    StatementActivity,
    StatementAgent,
)
from tests.conftest import XapiClient
from tests.xapi_samples import (
    REGISTRATION,
    STATEMENT_ID,
    make_agent,
    make_context,
    make_statement,
)

# Low, so that bodies near the limit are cheap to build and send.
BODY_LIMIT = 8192
STATEMENTS = "/xapi/statements"
VOIDED = "http://adlnet.gov/expapi/verbs/voided"
ACTIVITY_ID = "https://lms.example.fi/course/battery-101/module/3"
AGENT = {"objectType": "Agent", "mbox": "mailto:aino@example.fi"}
PLAIN_ID = "0c6a4f3e-7d2b-4e59-8b8f-2f1b4c9a7e01"
VOIDED_ID = "0c6a4f3e-7d2b-4e59-8b8f-2f1b4c9a7e02"
VOIDING_ID = "0c6a4f3e-7d2b-4e59-8b8f-2f1b4c9a7e03"
WITH_ATTACHMENT_ID = "0c6a4f3e-7d2b-4e59-8b8f-2f1b4c9a7e04"
SEEDED_IDS = [STATEMENT_ID, PLAIN_ID, VOIDED_ID, VOIDING_ID, WITH_ATTACHMENT_ID]
ESSAY = "Akun kennojen valmistus — essee.\n".encode()
ESSAY_SHA2 = hashlib.sha256(ESSAY).hexdigest()
BOUNDARY = "kipina-fuzz-boundary"
DOCUMENT_IDS = ["progress", "bookmark", "preferences", "notes"]
# path -> (Document.kind, the id parameter)
DOCUMENT_RESOURCES = {
    "/xapi/activities/state": ("state", "stateId"),
    "/xapi/activities/profile": ("activity_profile", "profileId"),
    "/xapi/agents/profile": ("agent_profile", "profileId"),
}


def quoted_sha1(content: bytes) -> str:
    """The ETag of a document, computed here independently of the LRS's code."""
    return f'"{hashlib.sha1(content, usedforsecurity=False).hexdigest()}"'


def voiding(statement_id: str, target_id: str) -> dict[str, Any]:
    return make_statement(
        id=statement_id,
        verb={"id": VOIDED, "display": {"en-US": "voided"}},
        object={"objectType": "StatementRef", "id": target_id},
    )


def essay_attachment(**extra: Any) -> dict[str, Any]:
    return {
        "usageType": "http://id.tincanapi.com/attachment/supporting_media",
        "display": {"en-US": "Essay"},
        "contentType": "text/plain",
        "length": len(ESSAY),
        "sha2": ESSAY_SHA2,
        **extra,
    }


def multipart(
    statements: Any, parts: list[tuple[dict[str, str], bytes]], boundary: str = BOUNDARY
) -> bytes:
    """A well-formed multipart/mixed statement request (Communication §1.5.2)."""
    chunks = [
        f"--{boundary}\r\nContent-Type: application/json\r\n\r\n".encode(),
        json.dumps(statements).encode(),
    ]
    for headers, content in parts:
        head = "".join(f"{name}: {value}\r\n" for name, value in headers.items())
        chunks += [f"\r\n--{boundary}\r\n{head}\r\n".encode(), content]
    chunks.append(f"\r\n--{boundary}--\r\n".encode())
    return b"".join(chunks)


def part_headers(sha2: str = ESSAY_SHA2, content_type: str = "text/plain") -> dict[str, str]:
    return {
        "Content-Type": content_type,
        "Content-Transfer-Encoding": "binary",
        "X-Experience-API-Hash": sha2,
    }


def seed(lrs: XapiClient) -> None:
    batch = [
        make_statement(),
        make_statement(id=PLAIN_ID, context=make_context()),
        make_statement(id=VOIDED_ID, actor=make_agent(mbox="mailto:eero@example.fi")),
        voiding(VOIDING_ID, VOIDED_ID),
    ]
    assert lrs.post(STATEMENTS, batch).status_code == 200
    with_essay = make_statement(id=WITH_ATTACHMENT_ID, attachments=[essay_attachment()])
    body = multipart(with_essay, [(part_headers(), ESSAY)])
    content_type = f"multipart/mixed; boundary={BOUNDARY}"
    assert lrs.post(STATEMENTS, body, content_type=content_type).status_code == 200
    agent = json.dumps(AGENT)
    documents = [
        (
            "/xapi/activities/state",
            {"activityId": ACTIVITY_ID, "agent": agent, "stateId": "progress"},
        ),
        (
            "/xapi/activities/state",
            {
                "activityId": ACTIVITY_ID,
                "agent": agent,
                "registration": REGISTRATION,
                "stateId": "bookmark",
            },
        ),
        ("/xapi/activities/profile", {"activityId": ACTIVITY_ID, "profileId": "preferences"}),
        ("/xapi/agents/profile", {"agent": agent, "profileId": "preferences"}),
    ]
    for path, params in documents:
        response = lrs.put(
            f"{path}?{urlencode(params)}",
            {"page": 3, "seen": ["intro"]},
            headers={"If-None-Match": "*"},
        )
        assert response.status_code == 204, response.content
    notes = {"activityId": ACTIVITY_ID, "agent": agent, "stateId": "notes"}
    response = lrs.put(
        f"/xapi/activities/state?{urlencode(notes)}", b"\x00\xffbytes", content_type="text/plain"
    )
    assert response.status_code == 204, response.content


DocumentKey = tuple[int, str, str, str, str, str]
"""(organisation id, kind, activity IRI, agent key, registration or '', document id)"""


@dataclass(frozen=True)
class Store:
    """Every row a request to the LRS could write, in a form that compares by value."""

    statements: dict[tuple[int, str], tuple[bool, str]]  # (org, id) -> (voided, payload)
    agent_rows: frozenset[tuple[Any, ...]]
    activity_rows: frozenset[tuple[Any, ...]]
    attachments: dict[tuple[int, str], tuple[str, bytes]]
    documents: dict[DocumentKey, tuple[bytes, str, str, Any, Any]]
    activities: dict[tuple[int, str], str]

    def payload(self, key: tuple[int, str]) -> dict[str, Any]:
        loaded: dict[str, Any] = json.loads(self.statements[key][1])
        return loaded


def canonical(value: Any) -> str:
    return json.dumps(value, sort_keys=True)


def snapshot() -> Store:
    return Store(
        statements={
            (organisation_id, str(statement_id)): (voided, canonical(payload))
            for organisation_id, statement_id, voided, payload in Statement.objects.values_list(
                "organisation_id", "statement_id", "voided", "payload"
            )
        },
        agent_rows=frozenset(
            StatementAgent.objects.values_list(
                "statement__statement_id", "organisation_id", "agent_key", "related_only"
            )
        ),
        activity_rows=frozenset(
            StatementActivity.objects.values_list(
                "statement__statement_id", "organisation_id", "activity_iri", "related_only"
            )
        ),
        attachments={
            (row[0], row[1]): (row[2], bytes(row[3]))
            for row in AttachmentContent.objects.values_list(
                "organisation_id", "sha2", "content_type", "content"
            )
        },
        documents={
            (
                document.organisation_id,
                document.kind,
                document.activity_iri,
                document.agent_key,
                str(document.registration or ""),
                document.document_id,
            ): (
                bytes(document.content),
                document.content_type,
                document.etag,
                document.parsed,
                document.updated,
            )
            for document in Document.objects.all()
        },
        activities={
            (organisation_id, activity_iri): canonical(definition)
            for organisation_id, activity_iri, definition in Activity.objects.values_list(
                "organisation_id", "activity_iri", "definition"
            )
        },
    )
