"""Parsing of xAPI query parameters into typed values, each refusal naming its parameter."""

import base64
import binascii
import json
import uuid
from collections.abc import Iterator
from datetime import datetime
from typing import Any, TypeVar

from learning_records.http import XapiHttpError
from learning_records.selectors import Cursor
from learning_records.xapi.documents import UNSTORABLE_TEXT
from learning_records.xapi.errors import XapiValidationError
from learning_records.xapi.index import agent_key
from learning_records.xapi.timestamps import format_timestamp, parse_timestamp
from learning_records.xapi.validate import parse_agent

FORMATS = ("exact", "ids", "canonical")
T = TypeVar("T")


def reject_unknown(params: dict[str, str], allowed: set[str]) -> None:
    """xAPI 1.0.3 Communication §3.2: unknown parameters (also in another case) are a 400."""
    unknown = sorted(set(params) - allowed)
    if unknown:
        raise XapiHttpError(
            400,
            f"unknown parameter {unknown[0]!r}; this resource takes {', '.join(sorted(allowed))}",
        )


def boolean(params: dict[str, str], name: str) -> bool:
    raw = params.get(name)
    if raw is None:
        return False
    if raw not in ("true", "false"):
        raise XapiHttpError(400, f"{name} must be true or false, not {raw!r}")
    return raw == "true"


def uuid_param(params: dict[str, str], name: str) -> str | None:
    raw = params.get(name)
    if raw is None:
        return None
    try:
        return str(uuid.UUID(raw))
    except ValueError:
        raise XapiHttpError(400, f"{name} must be a UUID, not {raw!r}") from None


def timestamp_param(params: dict[str, str], name: str) -> datetime | None:
    raw = params.get(name)
    if raw is None:
        return None
    try:
        return parse_timestamp(raw)
    except ValueError as exc:
        raise XapiHttpError(400, f"{name} must be an ISO 8601 timestamp: {exc}") from None


def limit_param(params: dict[str, str], *, default: int, maximum: int) -> int:
    raw = params.get("limit")
    if raw is None:
        return default
    # isdigit() alone passes '²' and other digits int() refuses.
    if not (raw.isascii() and raw.isdigit()):
        raise XapiHttpError(400, f"limit must be a non-negative whole number, not {raw!r}")
    # int() refuses more than 4300 digits; a number that long is over the maximum anyway.
    digits = raw.lstrip("0")
    value = int(digits or "0") if len(digits) <= len(str(maximum)) else maximum
    # xAPI 1.0.3 Communication §2.1.3: 0 asks for the most the server allows.
    return maximum if value == 0 else min(value, maximum)


def format_param(params: dict[str, str]) -> str:
    value = params.get("format", "exact")
    if value not in FORMATS:
        raise XapiHttpError(400, f"format must be one of {', '.join(FORMATS)}, not {value!r}")
    return value


def iri_param(params: dict[str, str], name: str) -> str | None:
    raw = params.get(name)
    if raw is None:
        return None
    if ":" not in raw or raw.startswith(":") or any(char.isspace() for char in raw):
        raise XapiHttpError(400, f"{name} must be an IRI, not {raw!r}")
    return raw


def agent_param(params: dict[str, str], name: str) -> str | None:
    """The index key of the Agent or identified Group given as JSON in `name`."""
    agent = agent_object_param(params, name)
    if agent is None:
        return None
    key = agent_key(agent)
    if key is None:
        raise XapiHttpError(
            400, f"{name} must identify an Agent or Group: an anonymous Group cannot be matched"
        )
    return key


def agent_object_param(params: dict[str, str], name: str) -> dict[str, Any] | None:
    """The valid Agent or identified Group given as JSON in `name`."""
    raw = params.get(name)
    if raw is None:
        return None
    try:
        document = json.loads(raw)
    except ValueError:
        raise XapiHttpError(400, f"{name} must be an Agent or Group as JSON") from None
    try:
        agent = parse_agent(document, param=name)
    except XapiValidationError as exc:
        raise XapiHttpError(400, f"{name} is not a valid Agent", errors=exc.errors) from None
    if any(UNSTORABLE_TEXT.search(text) for text in _texts(agent)):
        # PostgreSQL holds neither in text, and UTF-8 has no lone surrogates.
        raise XapiHttpError(400, f"{name} contains a NUL character or a lone surrogate")
    return agent


def _texts(value: Any) -> Iterator[str]:
    """Every key and string value in a parsed JSON value."""
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for key, item in value.items():
            yield key
            yield from _texts(item)
    elif isinstance(value, list):
        for item in value:
            yield from _texts(item)


def required(name: str, value: T | None) -> T:
    """`value`, or a 400 naming the parameter when the request left it out."""
    if value is None:
        raise XapiHttpError(400, f"the {name} parameter is required")
    return value


def document_id_param(params: dict[str, str], name: str) -> str | None:
    """A stateId or profileId: any non-empty string (Communication §2.3, §2.6, §2.7)."""
    raw = params.get(name)
    if raw == "":
        raise XapiHttpError(400, f"{name} must not be empty")
    return raw


def cursor_param(params: dict[str, str]) -> Cursor | None:
    raw = params.get("cursor")
    if raw is None:
        return None
    try:
        stored, _, row_id = base64.urlsafe_b64decode(raw.encode("ascii")).decode().partition("|")
        return Cursor(parse_timestamp(stored), int(row_id))
    except (ValueError, binascii.Error, UnicodeError):
        raise XapiHttpError(
            400, "cursor is not one this LRS gave out; follow the more link as it is"
        ) from None


def cursor_token(cursor: Cursor) -> str:
    raw = f"{format_timestamp(cursor.stored)}|{cursor.row_id}"
    return base64.urlsafe_b64encode(raw.encode()).decode("ascii")
