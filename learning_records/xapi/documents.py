"""Rules of the document resources: State, Activity Profile and Agent Profile (xAPI 1.0.3
Communication §2.2-§2.7, §3.1). ETags, conditional requests and the JSON merge."""

import hashlib
import math
import re
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from learning_records.xapi.versions import XapiVersion

JSON_MEDIA_TYPE = "application/json"
# A document nested deeper than this is still stored byte for byte, but not kept parsed.
MAX_PARSED_DEPTH = 200
# NUL, which PostgreSQL's jsonb cannot hold, and lone surrogates, which no UTF-8 can.
UNSTORABLE_TEXT = re.compile("[\x00\ud800-\udfff]")


class DocumentResource(StrEnum):
    STATE = "state"
    ACTIVITY_PROFILE = "activity_profile"
    AGENT_PROFILE = "agent_profile"


class Write(StrEnum):
    PUT = "PUT"
    POST = "POST"
    DELETE = "DELETE"


@dataclass(frozen=True)
class Conditions:
    """The request's If-Match and If-None-Match headers, as sent (None when absent)."""

    if_match: str | None = None
    if_none_match: str | None = None

    @property
    def given(self) -> bool:
        return self.if_match is not None or self.if_none_match is not None


@dataclass(frozen=True)
class Refusal:
    status: int
    message: str


def etag_of(content: bytes) -> str:
    """Communication §3.1.s4.b2: the hex SHA-1 of the document's bytes, lowercase."""
    return hashlib.sha1(content, usedforsecurity=False).hexdigest()


def quoted(etag: str) -> str:
    """Communication §3.1.s4.b4: an ETag header is enclosed in quotes."""
    return f'"{etag}"'


def is_json(content_type: str | None) -> bool:
    """True for application/json, with or without parameters (charset)."""
    return (content_type or "").split(";", 1)[0].strip().lower() == JSON_MEDIA_TYPE


def etag_listed(header: str, etag: str | None) -> bool:
    """Whether an If-Match or If-None-Match value names the current document.

    ``*`` names any existing document (RFC 2616 §14.24, §14.26). Tags are compared without
    their quotes and weakness prefix: this LRS hands out one strong tag per content, so a
    client that echoes it back in another form still means that content.
    """
    if etag is None:
        return False
    for item in header.split(","):
        tag = item.strip()
        if tag == "*":
            return True
        tag = tag.removeprefix("W/").strip('"').strip().lower()
        if tag == etag:
            return True
    return False


def concurrency_refusal(
    *,
    write: Write,
    resource: DocumentResource,
    version: XapiVersion,
    current_etag: str | None,
    conditions: Conditions,
) -> Refusal | None:
    """Why a write to one document may not go ahead, or None when it may.

    `current_etag` is None when the document does not exist. The rules differ by version,
    as ADL's conformance batteries encode them (docs/xapi-conformance.md, "Document
    concurrency"):
    - If-Match / If-None-Match are evaluated on PUT, POST and DELETE alike: a failed
      precondition is 412 (Communication §3.1.s4.b9, b11).
    - A PUT without either header to an existing document is 409 (§3.1.s4.b13), except on
      the State resource in 1.0.3, which permits PUT without concurrency headers (§3.1.s3).
    - In 1.0.3 a PUT without either header to a profile that does not exist yet is 400:
      the client MUST send one (§3.1.s3.b1), and the 1.0.3 battery expects the refusal.
    """
    if conditions.if_match is not None and not etag_listed(conditions.if_match, current_etag):
        if current_etag is None:
            return Refusal(412, "If-Match: the document does not exist")
        return Refusal(412, "If-Match: the document has changed; GET it again for its ETag")
    if conditions.if_none_match is not None and etag_listed(conditions.if_none_match, current_etag):
        return Refusal(412, "If-None-Match: the document already exists")
    if write != Write.PUT or conditions.given:
        return None
    state_103 = resource == DocumentResource.STATE and version == XapiVersion.V1_0_3
    if current_etag is not None and not state_103:
        return Refusal(
            409,
            "the document already exists: GET it to check its current state, then PUT with "
            "If-Match set to its ETag (or If-None-Match: * to create only a new document)",
        )
    profile_103 = resource != DocumentResource.STATE and version == XapiVersion.V1_0_3
    if current_etag is None and profile_103:
        return Refusal(
            400,
            "a PUT to a profile document needs an If-Match or If-None-Match header "
            "(xAPI 1.0.3 Communication §3.1); send If-None-Match: * to create it",
        )
    return None


def mergeable(document: Any) -> dict[str, Any] | None:
    """`document` when it is a JSON object that can be kept parsed and merged later, else None.

    Parsed documents are stored in the database's JSON type, which holds neither NUL
    characters (PostgreSQL's jsonb), lone surrogates (JSON allows "\\ud800", UTF-8 does
    not) nor numbers outside a double's range (Python reads 1e400 as infinity). Such a
    document is still stored byte for byte; it just cannot be merged into.
    """
    if not isinstance(document, dict):
        return None
    stack: list[tuple[Any, int]] = [(document, 1)]
    while stack:
        node, depth = stack.pop()
        if depth > MAX_PARSED_DEPTH:
            return None
        values = node.values() if isinstance(node, dict) else node
        if isinstance(node, dict) and any(UNSTORABLE_TEXT.search(key) for key in node):
            return None
        for value in values:
            if isinstance(value, (dict, list)):
                stack.append((value, depth + 1))
            elif (isinstance(value, str) and UNSTORABLE_TEXT.search(value)) or (
                isinstance(value, float) and not math.isfinite(value)
            ):
                return None
    return document


def merge(existing: dict[str, Any], posted: dict[str, Any]) -> dict[str, Any]:
    """Communication §2.2.s7: each top-level property of the posted object replaces the
    existing one whole; nested objects are not merged."""
    return {**existing, **posted}
