"""xAPI request and response plumbing shared by every LRS resource.

An `XapiRequest` is the request as the spec sees it: the alternate request syntax
(xAPI 1.0.3 Communication §1.3) is unfolded here, so resources never see it.
"""

import json
import math
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl

from django.conf import settings
from django.http import HttpRequest, HttpResponse

from backend.unavailable import RETRY_AFTER_SECONDS
from learning_records.jsontext import json_bytes
from learning_records.xapi.versions import XapiVersion

# Headers a client may send as form fields in the alternate request syntax (§1.3.s3.b6).
ALTERNATE_HEADER_FIELDS = {
    "authorization",
    "x-experience-api-version",
    "content-type",
    "content-length",
    "if-match",
    "if-none-match",
}
ALTERNATE_METHODS = {"GET", "PUT", "POST", "DELETE", "HEAD"}


class XapiHttpError(Exception):
    """A refusal with an HTTP status and a message saying what is wrong."""

    def __init__(
        self,
        status: int,
        message: str,
        *,
        errors: list[str] | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.errors = errors or []
        self.headers = dict(headers or {})


@dataclass(frozen=True)
class XapiRequest:
    method: str
    path: str
    params: dict[str, str]
    headers: dict[str, str]
    body: bytes
    alternate: bool = False

    @property
    def content_type(self) -> str:
        """The media type without parameters, lower case ('' when absent)."""
        return self.headers.get("content-type", "").split(";", 1)[0].strip().lower()

    def header(self, name: str) -> str | None:
        return self.headers.get(name.lower())


def read_body(request: HttpRequest) -> bytes:
    """The request body, refused with 413 before it is read when it is over the limit."""
    limit: int = settings.KIPINA_XAPI_MAX_BODY_BYTES
    try:
        declared = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        raise XapiHttpError(400, "Content-Length is not a number") from None
    if declared > limit:
        raise XapiHttpError(413, f"the request body is {declared} bytes; the limit is {limit}")
    body = request.read(limit + 1)
    if len(body) > limit:
        raise XapiHttpError(413, f"the request body is over the limit of {limit} bytes")
    return body


def unfold(request: HttpRequest) -> XapiRequest:
    """The request as xAPI means it, with the alternate request syntax turned into a plain one."""
    headers = {name.lower(): value for name, value in request.headers.items()}
    params = _single_params(parse_qsl(request.META.get("QUERY_STRING", ""), keep_blank_values=True))
    body = read_body(request)
    if request.method != "POST" or "method" not in params:
        return XapiRequest(request.method or "GET", request.path, params, headers, body)

    # xAPI 1.0.3 Communication §1.3: POST ?method=X with headers and parameters in the form.
    method = params.pop("method").upper()
    if method not in ALTERNATE_METHODS:
        raise XapiHttpError(400, f"method={method!r} is not an xAPI method")
    if params:
        raise XapiHttpError(
            400,
            "the alternate request syntax allows no query parameter but 'method'; "
            f"send {', '.join(sorted(params))} as form fields",
        )
    if headers.get("content-type", "").split(";")[0].strip() != "application/x-www-form-urlencoded":
        raise XapiHttpError(
            400, "the alternate request syntax needs Content-Type application/x-www-form-urlencoded"
        )
    try:
        form = body.decode("utf-8")
    except UnicodeDecodeError:
        raise XapiHttpError(400, "the form body is not UTF-8") from None
    content = b""
    headers.pop("content-type")
    for name, value in _single_params(parse_qsl(form, keep_blank_values=True)).items():
        if name == "content":
            content = value.encode("utf-8")
        elif name.lower() in ALTERNATE_HEADER_FIELDS:
            headers[name.lower()] = value
        else:
            params[name] = value
    if content:
        # §1.3.s3.b10 makes the content's type a SHOULD; statements, the usual content, are JSON.
        headers.setdefault("content-type", "application/json")
    else:
        headers.pop("content-type", None)
    return XapiRequest(method, request.path, params, headers, content, alternate=True)


def _single_params(pairs: list[tuple[str, str]]) -> dict[str, str]:
    params: dict[str, str] = {}
    for name, value in pairs:
        if name in params:
            raise XapiHttpError(400, f"parameter {name!r} is given more than once")
        if "\x00" in name or "\x00" in value:
            # No xAPI parameter holds a NUL, and PostgreSQL cannot compare text with one.
            raise XapiHttpError(400, f"parameter {name!r} contains a NUL character")
        params[name] = value
    return params


def parse_json(body: bytes, *, what: str = "the request body", stored_as_json: bool = False) -> Any:
    """Strict JSON: UTF-8, no NaN or Infinity, bounded nesting.

    `stored_as_json`: the value will be kept in a JSON column (statements), so text that no
    UTF-8 or PostgreSQL JSON can hold is refused; documents are kept as bytes instead.
    """
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise XapiHttpError(400, f"{what} is not UTF-8: {exc.reason} at byte {exc.start}") from None
    if text.startswith("\ufeff"):
        text = text[1:]
    # A JSON column holds no infinity, and Python reads 1e400 as one (docs keep such bytes).
    parse_float = _finite_float if stored_as_json else float
    try:
        document = json.loads(text, parse_constant=_refuse_constant, parse_float=parse_float)
    except RecursionError:
        # The C parser guards its own stack and raises this for hostile nesting
        # ('[' * 10**6); the statement validator sets the lower limit that matters.
        raise XapiHttpError(400, f"{what} nests too deeply to be parsed") from None
    except json.JSONDecodeError as exc:
        raise XapiHttpError(
            400, f"{what} is not valid JSON: {exc.msg} (line {exc.lineno}, column {exc.colno})"
        ) from None
    except _BeyondDouble as exc:
        raise XapiHttpError(
            400,
            f"{what} holds the number {exc}, beyond a double's range, which no JSON column holds",
        ) from None
    except ValueError as exc:
        raise XapiHttpError(400, f"{what} is not valid JSON: {exc}") from None
    # Only escapes can put these into a JSON text; look further only when one is there.
    if stored_as_json and _UNSTORABLE_ESCAPE.search(text) and _has_unstorable_text(document):
        raise XapiHttpError(
            400,
            f"{what} contains U+0000 or an unpaired surrogate (\\u0000, \\ud800-\\udfff), "
            "which no UTF-8 text and no PostgreSQL JSON value can hold",
        )
    return document


_UNSTORABLE_ESCAPE = re.compile(r"\\u(?:0000|[dD][89a-fA-F])")


def _has_unstorable_text(document: Any) -> bool:
    pending = [document]
    while pending:
        value = pending.pop()
        if isinstance(value, str):
            if "\x00" in value or not _encodable(value):
                return True
        elif isinstance(value, dict):
            pending.extend(value.keys())
            pending.extend(value.values())
        elif isinstance(value, list):
            pending.extend(value)
    return False


def _encodable(value: str) -> bool:
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


class _BeyondDouble(ValueError):
    pass


def _finite_float(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):
        raise _BeyondDouble(text if len(text) <= 24 else f"{text[:20]}...")
    return value


def _refuse_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a JSON number")


def json_response(data: Any, *, status: int = 200) -> HttpResponse:
    # A refusal may quote a lone surrogate the request sent (a key in a JSON path): UTF-8
    # has no form for it, JSON's \u escape has, and json_bytes writes exactly that.
    return HttpResponse(
        json_bytes(data),
        status=status,
        content_type="application/json; charset=utf-8",
    )


def error_response(error: XapiHttpError) -> HttpResponse:
    body: dict[str, Any] = {"message": error.message}
    if error.errors:
        body["errors"] = error.errors
    response = json_response(body, status=error.status)
    for name, value in error.headers.items():
        response[name] = value
    return response


def store_unavailable() -> XapiHttpError:
    """The refusal while the database cannot be reached (backend/unavailable.py says why
    503): a sender retries after the pause, and a retried batch is stored once (its ids)."""
    return XapiHttpError(
        503,
        f"the learning record store is unavailable: its database cannot be reached; "
        f"retry in {RETRY_AFTER_SECONDS} seconds",
        headers={"Retry-After": str(RETRY_AFTER_SECONDS), "Cache-Control": "no-store"},
    )


def set_version_header(response: HttpResponse, version: XapiVersion) -> None:
    response["X-Experience-API-Version"] = str(version)
