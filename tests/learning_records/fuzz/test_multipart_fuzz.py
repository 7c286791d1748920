"""Fuzzing multipart/mixed statement requests (Communication §1.5.2): random boundaries,
missing CRLFs, parts with random headers, hash mismatches, truncated and spliced bodies.

A request is stored whole, statements and attachment data together, or refused with a
message and nothing stored.
"""

import base64
import hashlib
from typing import Any

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from tests.learning_records.fuzz import strategies as fs
from tests.learning_records.fuzz.calls import Call
from tests.learning_records.fuzz.checks import exchange
from tests.learning_records.fuzz.conftest import FUZZ, rolled_back
from tests.learning_records.fuzz.world import ESSAY, STATEMENTS, essay_attachment
from tests.xapi_samples import make_statement

SIGNATURE_USAGE = "http://adlnet.gov/expapi/attachments/signature"
FRESH_ID = "5d1d8a8e-64a4-4c41-9a43-6e0d7b7e8f10"

pytestmark = pytest.mark.django_db

SHA2 = {"sha256": hashlib.sha256, "sha384": hashlib.sha384, "sha512": hashlib.sha512}
# RFC 2046 §5.1.1 bchars, and characters a boundary must not have.
BOUNDARY_TEXT = st.text(
    st.sampled_from("abcXYZ0123456789'()+_,-./:=? ") | st.characters(max_codepoint=255),
    min_size=0,
    max_size=80,
)


@st.composite
def multipart_requests(draw: st.DrawFn) -> tuple[list[Any], list[tuple[dict[str, str], bytes]]]:
    """A valid request: statements declaring attachments, and a part for each."""
    files = [ESSAY, *draw(st.lists(st.binary(max_size=60), max_size=2))]
    declared, parts = [], []
    for content in files:
        sha2 = SHA2[draw(st.sampled_from(sorted(SHA2)))](content).hexdigest()
        declared.append(essay_attachment(sha2=sha2, length=len(content)))
        headers = {
            "Content-Type": draw(st.sampled_from(["text/plain", "application/octet-stream"])),
            "Content-Transfer-Encoding": "binary",
            "X-Experience-API-Hash": sha2,
        }
        parts.append((headers, content))
    statements = [make_statement(id=str(draw(st.uuids())), attachments=declared)]
    return statements, parts


def _build(statements: Any, parts: list[tuple[dict[str, str], bytes]], boundary: str) -> bytes:
    head = f"--{boundary}\r\nContent-Type: application/json\r\n\r\n"
    chunks = [fs.to_bytes(head), fs.to_bytes(fs.encode(statements))]
    for headers, content in parts:
        lines = "".join(f"{name}: {value}\r\n" for name, value in headers.items())
        chunks += [fs.to_bytes(f"\r\n--{boundary}\r\n{lines}\r\n"), content]
    chunks.append(fs.to_bytes(f"\r\n--{boundary}--\r\n"))
    return b"".join(chunks)


HEADER_NAMES = st.sampled_from(
    ["Content-Type", "Content-Transfer-Encoding", "X-Experience-API-Hash", "Content-Length"]
) | st.text(st.characters(max_codepoint=255, exclude_characters="\r\n"), max_size=20)
BREAKAGES = st.sampled_from(
    [
        "boundary",
        "header-boundary",
        "drop-crlf",
        "lf-only",
        "truncate",
        "splice",
        "part-header",
        "drop-header",
        "hash",
        "content",
        "drop-part",
        "extra-part",
        "duplicate-part",
        "preamble",
        "first-part-type",
    ]
)


def _break_part(
    draw: st.DrawFn, part: tuple[dict[str, str], bytes], breakage: str
) -> tuple[dict[str, str], bytes]:
    headers, content = dict(part[0]), part[1]
    if breakage == "part-header":
        headers[draw(HEADER_NAMES)] = draw(fs.HEADER_TEXT | st.just("a" * 300))
    elif breakage == "drop-header" and headers:
        del headers[draw(st.sampled_from(sorted(headers)))]
    elif breakage == "hash":
        sent = headers.get("X-Experience-API-Hash", "")
        headers["X-Experience-API-Hash"] = draw(
            st.sampled_from([sent.upper(), "", "0" * 64]) | st.text("0123456789abcdefXYZ")
        )
    elif breakage == "content":
        content = draw(st.binary(max_size=40))
    return headers, content


def _extra_part(content: bytes) -> tuple[dict[str, str], bytes]:
    """A well-formed part that no attachment of the statements declares."""
    return {
        "Content-Type": "text/plain",
        "Content-Transfer-Encoding": "binary",
        "X-Experience-API-Hash": hashlib.sha256(content).hexdigest(),
    }, content


@st.composite
def broken_multipart(draw: st.DrawFn) -> tuple[bytes, str, list[Any]]:
    """A multipart statement request with none to three things broken; returns the body,
    its Content-Type and the statements."""
    statements, parts = draw(multipart_requests())
    boundary, header_boundary = "fuzz-boundary", None
    for breakage in draw(st.lists(BREAKAGES, max_size=3)):
        at = draw(st.integers(0, len(parts) - 1)) if parts else None
        if breakage == "boundary":
            boundary = draw(BOUNDARY_TEXT)
        elif breakage == "header-boundary":
            header_boundary = draw(BOUNDARY_TEXT | st.just(f'"{boundary}"'))
        elif breakage == "extra-part":
            parts.append(_extra_part(draw(st.binary(max_size=40))))
        elif at is None:
            continue
        elif breakage == "drop-part":
            parts.pop(at)
        elif breakage == "duplicate-part":
            parts.append(parts[at])
        else:
            parts[at] = _break_part(draw, parts[at], breakage)
    # PUT takes one statement; POST one or a list.
    body = _build(statements[0] if draw(st.booleans()) else statements, parts, boundary)
    for breakage in draw(st.lists(BREAKAGES, max_size=2)):
        body = _break_bytes(draw, body, breakage)
    content_type = f"multipart/mixed; boundary={header_boundary or boundary}"
    if draw(st.integers(0, 9)) == 0:
        content_type = draw(
            st.sampled_from(["multipart/mixed", "Multipart/Mixed; BOUNDARY=fuzz-boundary"])
            | fs.CONTENT_TYPES
        )
    return body, content_type, statements


def _break_bytes(draw: st.DrawFn, body: bytes, breakage: str) -> bytes:
    crlfs = [index for index in range(len(body) - 1) if body[index : index + 2] == b"\r\n"]
    if breakage == "drop-crlf" and crlfs:
        at = draw(st.sampled_from(crlfs))
        return body[:at] + body[at + 2 :]
    if breakage == "lf-only":
        return body.replace(b"\r\n", b"\n")
    if breakage == "truncate":
        return body[: draw(st.integers(0, len(body)))]
    if breakage == "splice":
        at = draw(st.integers(0, len(body)))
        return body[:at] + draw(st.binary(max_size=20)) + body[at:]
    if breakage == "preamble":
        return draw(st.binary(max_size=20)) + b"\r\n" + body + draw(st.binary(max_size=20))
    if breakage == "first-part-type":
        kind = draw(st.sampled_from([b"text/plain", b"application/json; charset=utf-8", b""]))
        return body.replace(b"Content-Type: application/json", b"Content-Type: " + kind, 1)
    return body


@FUZZ
@given(request=broken_multipart(), method=st.sampled_from(["POST", "PUT"]))
@example(
    request=(
        _build(
            [make_statement(id=FRESH_ID, attachments=[essay_attachment()])],
            [({**_extra_part(ESSAY)[0], "Content-Type": "text/plain\x00"}, ESSAY)],
            "b",
        ),
        "multipart/mixed; boundary=b",
        [],
    ),
    method="POST",
)
def test_a_multipart_request_is_stored_whole_or_refused(seeded, organisation, request, method):
    body, content_type, statements = request
    params = {}
    if method == "PUT" and statements:
        params["statementId"] = statements[0]["id"]
    call = Call(method, STATEMENTS, params, body, content_type)
    with rolled_back():
        exchange(seeded, call, organisation_id=organisation.id)


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode("ascii")


@st.composite
def signed_requests(draw: st.DrawFn) -> tuple[bytes, Any]:
    """A statement with a signature attachment whose JWS (Data §2.6) has a random header,
    payload or signature: any JSON, deep nesting, an alg of the wrong type, a broken x5c."""
    statement = make_statement(id=str(draw(st.uuids())))
    header = draw(
        st.fixed_dictionaries(
            {"alg": st.sampled_from(["RS256", "HS256", "none"]) | fs.JSON_VALUES},
            optional={"x5c": fs.JSON_VALUES | st.lists(st.binary(max_size=30).map(_b64))},
        )
    )
    depth = draw(st.integers(1, 3000))
    payload = draw(
        st.just(fs.to_bytes(fs.encode(statement)))
        | fs.json_bodies()
        | st.just(b"[" * depth + b"]" * depth)
        | st.binary(max_size=30)
    )
    token = ".".join([_b64(fs.to_bytes(fs.encode(header))), _b64(payload), _b64(b"signature")])
    jws = draw(st.just(token.encode()) | st.binary(max_size=30))
    sha2 = hashlib.sha256(jws).hexdigest()
    signature = {
        "usageType": SIGNATURE_USAGE,
        "display": {"en-US": "Signature"},
        "contentType": "application/octet-stream",
        "length": len(jws),
        "sha2": sha2,
    }
    statement["attachments"] = [signature]
    headers = {
        "Content-Type": "application/octet-stream",
        "Content-Transfer-Encoding": "binary",
        "X-Experience-API-Hash": sha2,
    }
    return _build(statement, [(headers, jws)], "fuzz-boundary"), statement


@FUZZ
@given(request=signed_requests(), version=st.sampled_from(["1.0.3", "2.0.0"]))
def test_a_signed_statement_is_stored_or_refused_cleanly(seeded, organisation, request, version):
    body, statement = request
    headers = {"X-Experience-API-Version": version}
    call = Call("POST", STATEMENTS, {}, body, "multipart/mixed; boundary=fuzz-boundary", headers)
    with rolled_back():
        exchange(seeded, call, organisation_id=organisation.id, sent=[statement])
