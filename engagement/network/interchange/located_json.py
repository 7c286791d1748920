"""JSON decoding that remembers on which line each object and each of its keys starts, so
that an import report can point at the line of a bad value.

The standard library decodes first (so malformed JSON gets its usual message with line and
column); a second pass walks the now known-good text and records the lines.
"""

import bisect
import json
import re
from typing import Any

_WHITESPACE = re.compile(r"[ \t\n\r]*")
_DECODER = json.JSONDecoder()
# Nesting the import format never needs; deeper documents are refused before the walk.
MAX_DEPTH = 32


class LocatedDict(dict[str, Any]):
    """A JSON object with the line of its opening brace and of each key."""

    line: int
    key_lines: dict[str, int]


class LocatedList(list[Any]):
    """A JSON array with the line each of its items starts on."""

    item_lines: list[int]


class JsonProblem(ValueError):
    def __init__(self, line: int, message: str) -> None:
        super().__init__(message)
        self.line = line
        self.message = message


def _refuse_constant(name: str) -> None:
    raise ValueError(f"{name} is not valid JSON")


def loads_located(text: str) -> Any:
    """The JSON value of `text`, with every object a LocatedDict; JsonProblem if it is not
    valid JSON (strictly: no NaN or Infinity, no duplicate keys) or nests too deep."""
    try:
        json.loads(text, parse_constant=_refuse_constant)
    except json.JSONDecodeError as error:
        raise JsonProblem(
            error.lineno, f"not valid JSON: {error.msg} (column {error.colno})"
        ) from None
    except (ValueError, RecursionError) as error:
        raise JsonProblem(1, f"not valid JSON: {error}") from None
    newlines = [match.start() for match in re.finditer("\n", text)]
    walker = _Walker(text, newlines)
    value, _end = walker.value(_WHITESPACE.match(text, 0).end(), 1)  # type: ignore[union-attr]
    return value


class _Walker:
    def __init__(self, text: str, newlines: list[int]) -> None:
        self.text = text
        self.newlines = newlines

    def line_at(self, index: int) -> int:
        return bisect.bisect_left(self.newlines, index) + 1

    def skip(self, index: int) -> int:
        return _WHITESPACE.match(self.text, index).end()  # type: ignore[union-attr]

    def value(self, index: int, depth: int) -> tuple[Any, int]:
        if depth > MAX_DEPTH:
            raise JsonProblem(self.line_at(index), f"nests deeper than {MAX_DEPTH} levels")
        char = self.text[index]
        if char == "{":
            return self.object(index, depth)
        if char == "[":
            return self.array(index, depth)
        return _DECODER.raw_decode(self.text, index)

    def object(self, index: int, depth: int) -> tuple[LocatedDict, int]:
        result = LocatedDict()
        result.line = self.line_at(index)
        result.key_lines = {}
        index = self.skip(index + 1)
        if self.text[index] == "}":
            return result, index + 1
        while True:
            key_line = self.line_at(index)
            key, index = json.decoder.scanstring(self.text, index + 1)  # type: ignore[attr-defined]
            if key in result:
                raise JsonProblem(key_line, f"the key {key!r} appears twice in one object")
            index = self.skip(self.skip(index) + 1)  # the colon and the space around it
            result[key], index = self.value(index, depth + 1)
            result.key_lines[key] = key_line
            index = self.skip(index)
            if self.text[index] == "}":
                return result, index + 1
            index = self.skip(index + 1)  # the comma

    def array(self, index: int, depth: int) -> tuple[LocatedList, int]:
        result = LocatedList()
        result.item_lines = []
        index = self.skip(index + 1)
        if self.text[index] == "]":
            return result, index + 1
        while True:
            result.item_lines.append(self.line_at(index))
            item, index = self.value(index, depth + 1)
            result.append(item)
            index = self.skip(index)
            if self.text[index] == "]":
                return result, index + 1
            index = self.skip(index + 1)
