"""A request as xAPI means it, sent plainly or folded into the alternate request syntax
(xAPI 1.0.3 Communication §1.3)."""

from dataclasses import dataclass, field, replace
from typing import Any
from urllib.parse import urlencode

from tests.conftest import XapiClient

FORM = "application/x-www-form-urlencoded"
# Names the alternate syntax reads as headers, or as itself, from a form (§1.3.s3.b6).
FORM_NAMES = {
    "authorization",
    "x-experience-api-version",
    "content-type",
    "content-length",
    "if-match",
    "if-none-match",
    "content",
    "method",
}


@dataclass(frozen=True)
class Call:
    method: str
    path: str
    params: dict[str, str] = field(default_factory=dict)
    body: bytes = b""
    content_type: str = ""  # '' sends none
    # On top of the client's credentials and version; None leaves one of those out.
    headers: dict[str, str | None] = field(default_factory=dict)
    query: str | None = None  # a raw query string, sent instead of `params`

    def header(self, name: str) -> str | None:
        found = {key.lower(): value for key, value in self.headers.items()}
        return found.get(name.lower())


def send(lrs: XapiClient, call: Call) -> Any:
    query = call.query if call.query is not None else urlencode(call.params)
    extra: dict[str, Any] = {"QUERY_STRING": query} if query else {}
    if call.body and not call.content_type:
        # The test client always names a type for a body; a sender that names none
        # reaches the LRS as an empty header.
        extra["CONTENT_TYPE"] = ""
    elif call.content_type and not call.body:
        extra["CONTENT_TYPE"] = call.content_type  # the test client drops it for no body
    headers = {**lrs.headers, **call.headers}
    return lrs.http.generic(
        call.method,
        call.path,
        call.body,
        content_type=call.content_type,
        headers={name: value for name, value in headers.items() if value is not None},
        **extra,
    )


def sent_version(lrs: XapiClient, call: Call) -> str | None:
    if "X-Experience-API-Version" in call.headers:
        return call.headers["X-Experience-API-Version"]
    return lrs.headers["X-Experience-API-Version"]


def folded(lrs: XapiClient, call: Call, *, into_form: frozenset[str]) -> tuple[Call, Call]:
    """`call` in the alternate syntax, with the headers `into_form` names moved from the
    HTTP headers into the form; and the call the LRS should read out of it.

    The body must be UTF-8 text, since a form carries text.
    """
    form: dict[str, str] = {**call.params}
    if call.body:
        form["content"] = call.body.decode("utf-8")
    if call.content_type:
        form["Content-Type"] = call.content_type
    kept: dict[str, str | None] = {"Authorization": None, "X-Experience-API-Version": None}
    for name, value in {**lrs.headers, **call.headers}.items():
        if value is None:
            continue
        credentials = name in ("Authorization", "X-Experience-API-Version")
        if (credentials and name not in into_form) or name.lower() not in FORM_NAMES:
            kept[name] = value
        else:
            form[name] = value
    post = Call(
        "POST",
        call.path,
        body=urlencode(form).encode(),
        content_type=FORM,
        headers=kept,
        query=urlencode({"method": call.method}),
    )
    # A form's content without a Content-Type field is JSON (docs/xapi-conformance.md).
    meant_type = (call.content_type or "application/json") if call.body else ""
    return post, replace(call, content_type=meant_type)
