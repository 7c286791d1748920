"""Compact JSON text of statements, written fast.

orjson writes the same compact UTF-8 JSON as `json.dumps(..., ensure_ascii=False,
separators=(",", ":"))` several times faster (bench-ingest writes every statement once for
COPY, and every statement query answers with a page of them). What it refuses, the standard
library writes: integers beyond 64 bits (xAPI extensions may hold any JSON number) and
lone surrogates (a refusal may quote one the request sent), which become `\\u` escapes.
"""

import json
from typing import Any

import orjson


def json_bytes(value: Any) -> bytes:
    try:
        return orjson.dumps(value)
    except (orjson.JSONEncodeError, TypeError):
        text = json.dumps(value, ensure_ascii=False, separators=(",", ":"))
        return text.encode("utf-8", "backslashreplace")


def json_text(value: Any) -> str:
    return json_bytes(value).decode("utf-8")
