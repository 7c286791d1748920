"""Formatted string types of xAPI statements, each with the rule its error message states.

Patterns run in pydantic-core's Rust regex engine (no look-arounds), so a batch of statements
validates without a Python call per IRI; only timestamps, durations and language tags, which
need more than a pattern, call back into Python.
"""

import json
from typing import Annotated, Any

from pydantic import AfterValidator, StringConstraints
from pydantic_core import PydanticCustomError

from learning_records.xapi.languages import is_language_tag
from learning_records.xapi.timestamps import is_duration, parse_timestamp


def xapi_error(rule: str) -> PydanticCustomError:
    """A validation error whose message is `rule` as written (braces and all)."""
    return PydanticCustomError("xapi_rule", "{rule}", {"rule": rule})


def xapi_errors(problems: list[tuple[str, str]]) -> PydanticCustomError:
    """Several errors below the failing model, as (relative JSON path, rule) pairs."""
    summary = "; ".join(f"{path}: {rule}" for path, rule in problems)
    return PydanticCustomError(
        "xapi_rules", "{summary}", {"summary": summary, "problems": problems}
    )


# xAPI 1.0.3 Data §4.3 and §2.2.s4.b1.b8: an IRI needs a scheme (RFC 3987 §2.2); best-effort
# validation is allowed (§2.2.s4.b6), so the rest only excludes what RFC 3987 never allows.
_IRI_CHARS = r"[^\x00-\x20\x7F<>\"{}|\\^`]+"
IRI_PATTERN = f"^[A-Za-z][A-Za-z0-9+.-]*:{_IRI_CHARS}$"
# An IRL is an IRI meant to be dereferenced; the pattern is the same check with the scheme's
# character class written in another order, so that the two keep distinct messages.
IRL_PATTERN = f"^[A-Za-z][A-Za-z0-9.+-]*:{_IRI_CHARS}$"
# openid is a URI, not an IRI (Data §2.4.2.3): ASCII only.
URI_PATTERN = r"^[A-Za-z][A-Za-z0-9+.-]*:[!#-;=?-\[\]_a-z~]+$"
UUID_PATTERN = "^[0-9A-Fa-f]{8}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{12}$"
MBOX_PATTERN = r"^mailto:[^@\s]+@[^@\s]+$"
SHA1_PATTERN = "^[0-9A-Fa-f]{40}$"
SHA2_PATTERN = "^(?:[0-9A-Fa-f]{56}|[0-9A-Fa-f]{64}|[0-9A-Fa-f]{96}|[0-9A-Fa-f]{128})$"
MEDIA_TYPE_PATTERN = r"^[A-Za-z0-9!#$&^_.+-]+/[A-Za-z0-9!#$&^_.+-]+\s*(?:;.*)?$"
# Data §2.4.10: "1.0" or "1.0.x". A 2.0 request may also carry 2.0 statements (ADL v2_0
# battery: version.js accepts 1.0.9, XAPI-00332 round-trips "2.0.0").
VERSION_103_PATTERN = r"^1\.0(?:\.[0-9]+)?$"
VERSION_20_PATTERN = r"^[12]\.0(?:\.[0-9]+)?$"

# pattern -> the rule that a value not matching it breaks (the message after the JSON path).
PATTERN_RULES = {
    IRI_PATTERN: "must be an IRI with a scheme, e.g. https://... (Data §4.3)",
    IRL_PATTERN: "must be an IRL (a locatable IRI with a scheme, e.g. https://...)",
    URI_PATTERN: "must be a URI with a scheme",
    UUID_PATTERN: "must be a UUID in its standard string form (Data §4.4)",
    MBOX_PATTERN: 'must be a "mailto:" IRI with an e-mail address (Data §2.4.2.3)',
    SHA1_PATTERN: "must be the hex-encoded SHA-1 of a mailto IRI (Data §2.4.2.3)",
    SHA2_PATTERN: "must be the hex-encoded SHA-2 of the attachment (Data §2.4.11)",
    MEDIA_TYPE_PATTERN: "must be an Internet Media Type, e.g. text/plain (RFC 2046)",
    VERSION_103_PATTERN: 'must be "1.0" or "1.0.x" (Data §2.4.10)',
    VERSION_20_PATTERN: 'must be "1.0", "1.0.x", "2.0" or "2.0.x"',
}

Iri = Annotated[str, StringConstraints(pattern=IRI_PATTERN)]
Irl = Annotated[str, StringConstraints(pattern=IRL_PATTERN)]
Uri = Annotated[str, StringConstraints(pattern=URI_PATTERN)]
Uuid = Annotated[str, StringConstraints(pattern=UUID_PATTERN)]
Mbox = Annotated[str, StringConstraints(pattern=MBOX_PATTERN)]
Sha1 = Annotated[str, StringConstraints(pattern=SHA1_PATTERN)]
Sha2 = Annotated[str, StringConstraints(pattern=SHA2_PATTERN)]
MediaType = Annotated[str, StringConstraints(pattern=MEDIA_TYPE_PATTERN)]
Version103 = Annotated[str, StringConstraints(pattern=VERSION_103_PATTERN)]
Version20 = Annotated[str, StringConstraints(pattern=VERSION_20_PATTERN)]
NonEmpty = Annotated[str, StringConstraints(min_length=1)]


def _check_timestamp(value: str) -> str:
    try:
        parse_timestamp(value)
    except ValueError as error:
        raise xapi_error(str(error)) from None
    return value


def _check_duration(value: str) -> str:
    if not is_duration(value):
        raise xapi_error("must be an ISO 8601 duration, e.g. PT1H30M5.25S (Data §4.6)")
    return value


def _check_language_tag(value: str) -> str:
    if not is_language_tag(value):
        raise xapi_error(f"{json.dumps(value)} is not an RFC 5646 language tag (Data §4.2)")
    return value


def _check_language_map(value: dict[str, str]) -> dict[str, str]:
    for tag in value:
        if not is_language_tag(tag):
            raise xapi_error(f"key {json.dumps(tag)} is not an RFC 5646 language tag (Data §4.2)")
    return value


Timestamp = Annotated[str, AfterValidator(_check_timestamp)]
Duration = Annotated[str, AfterValidator(_check_duration)]
LanguageTag = Annotated[str, AfterValidator(_check_language_tag)]
# Data §4.2: values are plain strings. An empty value is not forbidden (Open edX and H5P send
# {"en-US": ""}); see docs/xapi-conformance.md, "Real senders: decisions".
LanguageMap = Annotated[dict[str, str], AfterValidator(_check_language_map)]
# Data §4.1: extension keys are IRIs, values any JSON including null (XAPI-00119).
Extensions = dict[Iri, Any]
