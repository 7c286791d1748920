"""Matching attachment parts of a multipart statement request to the statements' attachment
objects (xAPI 1.0.3 Communication §1.5.2), by SHA-2 and no other way."""

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from learning_records.http import XapiHttpError
from learning_records.multipart import Part

# xAPI 1.0.3 Communication §1.5.2.s4.b4: SHA-256, SHA-384 or SHA-512, told apart by length.
_SHA2_BY_HEX_LENGTH = {64: hashlib.sha256, 96: hashlib.sha384, 128: hashlib.sha512}
# AttachmentContent.content_type holds this much.
_MAX_CONTENT_TYPE = 255


@dataclass(frozen=True)
class AttachmentData:
    sha2: str
    content_type: str
    content: bytes


def declared_attachments(statements: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
    """Every attachment object of the statements, sub-statements included."""
    found: list[dict[str, Any]] = []
    for statement in statements:
        found.extend(statement.get("attachments", []))
        target = statement.get("object", {})
        if target.get("objectType") == "SubStatement":
            found.extend(target.get("attachments", []))
    return found


def match_parts(
    statements: Sequence[dict[str, Any]], parts: Sequence[Part] | None
) -> dict[str, AttachmentData]:
    """The attachment data of a request, keyed by sha2; refuses what the spec refuses.

    `parts` is None for an application/json request, else the multipart parts after the
    first (statements) part.
    """
    declared = declared_attachments(statements)
    if parts is None:
        missing = [a for a in declared if "fileUrl" not in a]
        if missing:
            raise XapiHttpError(
                400,
                "an attachment without fileUrl needs its data in a multipart/mixed request "
                f"(sha2 {missing[0].get('sha2')})",
            )
        return {}
    received: dict[str, AttachmentData] = {}
    for index, part in enumerate(parts, 1):
        data = _checked(part, index)
        received[data.sha2] = data
    wanted = {str(a["sha2"]).lower() for a in declared}
    needed = {str(a["sha2"]).lower() for a in declared if "fileUrl" not in a}
    missing_data = sorted(needed - set(received))
    if missing_data:
        raise XapiHttpError(
            400, f"no multipart part carries the attachment with sha2 {missing_data[0]}"
        )
    unexpected = sorted(set(received) - wanted)
    if unexpected:
        raise XapiHttpError(
            400, f"multipart part with hash {unexpected[0]} matches no attachment of the statements"
        )
    return received


def _checked(part: Part, index: int) -> AttachmentData:
    sha2 = part.headers.get("x-experience-api-hash", "").strip().lower()
    if not sha2:
        raise XapiHttpError(400, f"multipart part {index} has no X-Experience-API-Hash header")
    encoding = part.headers.get("content-transfer-encoding", "").strip().lower()
    if encoding != "binary":
        raise XapiHttpError(
            400,
            f"multipart part {index} needs Content-Transfer-Encoding: binary, "
            f"not {encoding or 'none'!r}",
        )
    content_type = part.content_type or "application/octet-stream"
    if len(content_type) > _MAX_CONTENT_TYPE or not (
        content_type.isascii() and content_type.isprintable()
    ):
        # Kept in a 255-character column; PostgreSQL refuses longer text and NUL outright.
        raise XapiHttpError(
            400,
            f"multipart part {index}: Content-Type must be printable ASCII of at most "
            f"{_MAX_CONTENT_TYPE} characters",
        )
    algorithm = _SHA2_BY_HEX_LENGTH.get(len(sha2))
    if algorithm is None or algorithm(part.content).hexdigest() != sha2:
        raise XapiHttpError(
            400, f"multipart part {index}: its X-Experience-API-Hash does not match its content"
        )
    return AttachmentData(sha2, content_type, part.content)
