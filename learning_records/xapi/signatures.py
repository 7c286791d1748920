"""Signed statements (xAPI 1.0.3 Data §2.6): the JWS in a signature attachment must be a
well-formed RS256/384/512 JWS whose payload is the statement as it was before the signature
attachment was added; with an X.509 certificate in its header, the signature must verify.

jwcrypto does the JOSE work; nothing here is hand-written crypto.
"""

import base64
import json
from collections.abc import Mapping, Sequence
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives import serialization
from jwcrypto import jwk, jws
from jwcrypto.common import JWException

from learning_records.xapi.compare import statements_equivalent
from learning_records.xapi.errors import XapiValidationError
from learning_records.xapi.validate import parse_statements
from learning_records.xapi.versions import XapiVersion

SIGNATURE_USAGE = "http://adlnet.gov/expapi/attachments/signature"
# xAPI 1.0.3 Data §2.6.s4.b4.
ALGORITHMS = frozenset({"RS256", "RS384", "RS512"})


def signature_problems(
    statements: Sequence[Mapping[str, Any]],
    data_by_sha2: Mapping[str, bytes],
    *,
    version: XapiVersion,
) -> list[str]:
    """Every problem with the signatures of `statements` (parsed), each with its path."""
    problems: list[str] = []
    for index, statement in enumerate(statements):
        for position, attachment in enumerate(statement.get("attachments", [])):
            if attachment.get("usageType") != SIGNATURE_USAGE:
                continue
            problem = _problem(statement, attachment, data_by_sha2, version)
            if problem:
                problems.append(f"statement[{index}].attachments[{position}]: {problem}")
    return problems


def check_signatures(
    statements: Sequence[Mapping[str, Any]],
    data_by_sha2: Mapping[str, bytes],
    *,
    version: XapiVersion,
) -> None:
    problems = signature_problems(statements, data_by_sha2, version=version)
    if problems:
        raise XapiValidationError(problems)


def _problem(
    statement: Mapping[str, Any],
    attachment: Mapping[str, Any],
    data_by_sha2: Mapping[str, bytes],
    version: XapiVersion,
) -> str | None:
    if attachment.get("contentType") != "application/octet-stream":
        return "a signature attachment's contentType must be application/octet-stream"
    data = data_by_sha2.get(str(attachment.get("sha2", "")).lower())
    if data is None:
        return "the signature (a JWS) must be sent as a multipart part"
    token = jws.JWS()
    try:
        token.deserialize(data.decode("ascii"))
    except (JWException, UnicodeDecodeError, ValueError):
        return "the signature is not a JWS in compact serialization"
    header = token.jose_header
    algorithm = header.get("alg") if isinstance(header, dict) else None
    # A list or object is JSON too, and unhashable: ask for a string before the set.
    if not isinstance(algorithm, str) or algorithm not in ALGORITHMS:
        return "the JWS must use RS256, RS384 or RS512"
    if "x5c" in header:
        problem = _verify_with_certificate(token, header)
        if problem:
            return problem
    try:
        payload = json.loads(token.objects["payload"])
        [signed] = parse_statements(payload, version=version)
    except (ValueError, RecursionError, XapiValidationError):
        # RecursionError: json.loads on hostile nesting ('[' * 10**4).
        return "the JWS payload is not a valid JSON statement"
    if not statements_equivalent(signed, _without_signatures(statement)):
        return "the JWS payload differs from the statement it signs"
    return None


def _verify_with_certificate(token: jws.JWS, header: Mapping[str, Any]) -> str | None:
    try:
        der = base64.b64decode(header["x5c"][0], validate=True)
        public_key = x509.load_der_x509_certificate(der).public_key()
        pem = public_key.public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        )
        token.verify(jwk.JWK.from_pem(pem), alg=header["alg"])
    except (JWException, ValueError, TypeError, IndexError, KeyError):
        return "the JWS does not verify against the certificate in its x5c header"
    return None


def _without_signatures(statement: Mapping[str, Any]) -> dict[str, Any]:
    """The statement as it was signed: before its signature attachment was added."""
    unsigned = dict(statement)
    attachments = [
        a for a in statement.get("attachments", []) if a.get("usageType") != SIGNATURE_USAGE
    ]
    if attachments:
        unsigned["attachments"] = attachments
    else:
        unsigned.pop("attachments", None)
    return unsigned
