"""multipart/mixed bodies of statement requests and responses (xAPI 1.0.3 Communication §1.5.2).

A small strict reader rather than the standard library's e-mail parser: that parser is
built to repair malformed mail, while an LRS must refuse a malformed request with a reason,
and must keep attachment bytes exactly as sent.
"""

import secrets
from collections.abc import Sequence
from dataclasses import dataclass

from learning_records.http import XapiHttpError

# RFC 2046 §5.1.1: a boundary is 1 to 70 characters.
_MAX_BOUNDARY = 70


@dataclass(frozen=True)
class Part:
    headers: dict[str, str]  # names in lower case
    content: bytes

    @property
    def content_type(self) -> str:
        return self.headers.get("content-type", "").split(";", 1)[0].strip().lower()


def boundary_of(content_type: str) -> bytes:
    for parameter in content_type.split(";")[1:]:
        name, _, value = parameter.strip().partition("=")
        if name.strip().lower() == "boundary":
            value = value.strip().strip('"')
            if 0 < len(value) <= _MAX_BOUNDARY:
                return value.encode("ascii", errors="replace")
    raise XapiHttpError(400, "Content-Type multipart/mixed needs a boundary parameter (RFC 2046)")


def parse(body: bytes, content_type: str) -> list[Part]:
    """The parts of a multipart body, in order; preamble and epilogue are dropped."""
    delimiter = b"\r\n--" + boundary_of(content_type)
    sections = (b"\r\n" + body).split(delimiter)
    parts: list[Part] = []
    for section in sections[1:]:
        if section.startswith(b"--"):
            return parts
        line_end = section.find(b"\r\n")
        if line_end == -1 or section[:line_end].strip(b" \t"):
            raise XapiHttpError(400, "a multipart boundary line is not followed by CRLF")
        parts.append(_part(section[line_end + 2 :], len(parts)))
    raise XapiHttpError(400, "the multipart body has no closing boundary")


def _part(section: bytes, index: int) -> Part:
    if section.startswith(b"\r\n"):
        return Part({}, section[2:])
    header_end = section.find(b"\r\n\r\n")
    if header_end == -1:
        raise XapiHttpError(400, f"multipart part {index} has no blank line after its headers")
    headers: dict[str, str] = {}
    for line in section[:header_end].split(b"\r\n"):
        name, colon, value = line.partition(b":")
        if not colon or not name.strip():
            raise XapiHttpError(400, f"multipart part {index} has a malformed header line")
        headers[name.strip().decode("latin-1").lower()] = value.strip().decode("latin-1")
    return Part(headers, section[header_end + 4 :])


def build(json_body: bytes, attachments: Sequence[tuple[str, str, bytes]]) -> tuple[bytes, str]:
    """A multipart/mixed response body: the JSON first, then (sha2, content type, bytes) parts.
    Returns the body and its Content-Type header value."""
    boundary = secrets.token_hex(16)
    chunks = [
        f"--{boundary}\r\nContent-Type: application/json\r\n\r\n".encode(),
        json_body,
    ]
    for sha2, content_type, content in attachments:
        chunks.append(
            f"\r\n--{boundary}\r\nContent-Type: {content_type}\r\n"
            f"Content-Transfer-Encoding: binary\r\nX-Experience-API-Hash: {sha2}\r\n\r\n".encode()
        )
        chunks.append(content)
    chunks.append(f"\r\n--{boundary}--\r\n".encode())
    return b"".join(chunks), f"multipart/mixed; boundary={boundary}"
