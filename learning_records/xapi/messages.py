"""pydantic errors rewritten as ``<JSON path>: <rule>`` messages.

A pydantic location mixes JSON keys with the tags of discriminated unions ("<Agent mbox>");
walking the location through the input keeps the keys and drops the tags.
"""

import json
import re
from collections.abc import Iterator, Sequence
from typing import Any

from pydantic_core import ErrorDetails

from learning_records.xapi.agents import EXACTLY_ONE_IFI, ifis_of
from learning_records.xapi.fields import PATTERN_RULES

Path = list[str | int]
_MISSING = object()
_IDENTIFIER = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_OBJECT_TYPES = ("Activity", "Agent", "Group", "StatementRef", "SubStatement")
# Data §2.4.4.3.s8.b3 (XAPI-00067..00070).
_NOT_IN_SUBSTATEMENT = frozenset(("id", "stored", "version", "authority"))
_V2_ONLY = frozenset(("contextAgents", "contextGroups"))
_TYPE_RULES = {
    "missing": "is required",
    "string_type": "must be a string",
    "bool_type": "must be true or false (a JSON boolean)",
    "int_type": "must be an integer",
    "float_type": "must be a number",
    "finite_number": "must be a finite number",
    "model_type": "must be a JSON object",
    "dict_type": "must be a JSON object",
    "list_type": "must be an array",
    "string_too_short": "must not be empty",
}


def format_path(root: str, path: Sequence[str | int]) -> str:
    parts = [root]
    for step in path:
        if isinstance(step, int):
            parts.append(f"[{step}]")
        elif _IDENTIFIER.fullmatch(step):
            parts.append(f".{step}")
        else:
            parts.append(f"[{json.dumps(step, ensure_ascii=False)}]")
    return "".join(parts)


def error_messages(errors: list[ErrorDetails], document: Any, root: str) -> list[str]:
    """One ``path: rule`` message per problem in `errors` (pydantic's, for `document`)."""
    messages = []
    for error in errors:
        location = list(error["loc"])
        is_key = bool(location) and location[-1] == "[key]"
        path, parent, node = _walk(document, location[:-1] if is_key else location)
        for subpath, rule in _rules(error, parent, node, path):
            prefix = "key " if is_key else ""
            messages.append(f"{format_path(root, [*path, *subpath])}: {prefix}{rule}")
    return messages


def union_problem(kind: str, value: Any) -> tuple[Path, str]:
    """Why `value` fits no member of the discriminated union `kind` (see agents.py)."""
    if not isinstance(value, dict):
        if kind == "context_activity":
            return [], "must be an Activity object or an array of Activity objects"
        return [], "must be a JSON object"
    if kind in ("object", "sub_object"):
        problem = _object_problem(kind, value)
        if problem is not None:
            return problem
    return _actor_problem(kind, value)


def _walk(document: Any, location: list[Any]) -> tuple[Path, Any, Any]:
    path: Path = []
    parent: Any = None
    node = document
    for step in location:
        if (isinstance(node, dict) and step in node) or (
            isinstance(node, list) and isinstance(step, int) and 0 <= step < len(node)
        ):
            parent, node = node, node[step]
        elif isinstance(step, str) and step.startswith("<") and step.endswith(">"):
            continue
        else:
            parent, node = node, _MISSING
        path.append(step)
    return path, parent, node


def _rules(error: ErrorDetails, parent: Any, node: Any, path: Path) -> Iterator[tuple[Path, str]]:
    kind = error["type"]
    context = error.get("ctx") or {}
    if kind == "xapi_rules":
        for subpath, rule in context["problems"]:
            yield _split(subpath), rule
    elif kind.startswith("xapi_union:"):
        yield union_problem(kind.removeprefix("xapi_union:"), node)
    elif kind == "extra_forbidden":
        yield [], _extra_rule(parent, path)
    else:
        yield [], _simple_rule(kind, context, error["msg"])


def _simple_rule(kind: str, context: dict[str, Any], fallback: str) -> str:
    if kind in _TYPE_RULES:
        return _TYPE_RULES[kind]
    if kind == "string_pattern_mismatch":
        return PATTERN_RULES.get(context["pattern"], fallback)
    if kind == "literal_error":
        return "must be " + str(context["expected"]).replace("'", '"')
    if kind == "too_short":
        return f"must have at least {context['min_length']} item(s)"
    if kind == "greater_than_equal":
        return f"must be at least {context['ge']}"
    if kind == "less_than_equal":
        return f"must be at most {context['le']}"
    return fallback


def _extra_rule(parent: Any, path: Path) -> str:
    key = path[-1]
    in_substatement = isinstance(parent, dict) and parent.get("objectType") == "SubStatement"
    if in_substatement and key in _NOT_IN_SUBSTATEMENT:
        return "is not allowed in a SubStatement (Data §2.4.4.3)"
    if key in _V2_ONLY:
        return "is defined by xAPI 2.0 only (send X-Experience-API-Version: 2.0.0)"
    return "is not a property xAPI defines here (property names are case-sensitive)"


def _object_problem(kind: str, value: dict[str, Any]) -> tuple[Path, str] | None:
    object_type = value.get("objectType")
    if object_type is None:
        return ["objectType"], "is required when the object is an Agent or a Group (Data §2.4.4.2)"
    if kind == "sub_object" and object_type == "SubStatement":
        return [], "a SubStatement must not contain a SubStatement (Data §2.4.4.3)"
    if object_type not in _OBJECT_TYPES:
        return ["objectType"], "must be one of " + ", ".join(f'"{name}"' for name in _OBJECT_TYPES)
    return None


def _actor_problem(kind: str, value: dict[str, Any]) -> tuple[Path, str]:
    allowed = {"agent": ("Agent",), "group": ("Group",)}.get(kind, ("Agent", "Group"))
    object_type = value.get("objectType", "Group" if kind == "group" else "Agent")
    if kind == "group" and "objectType" not in value:
        return ["objectType"], 'is required and must be "Group"'
    if object_type not in allowed:
        return ["objectType"], "must be " + " or ".join(f'"{name}"' for name in allowed)
    ifis = ifis_of(value)
    if kind == "authority" and object_type == "Group":
        return [], "must be an Agent or an anonymous Group of two Agents (Data §2.4.9)"
    if object_type == "Agent" or len(ifis) > 1:
        return [], EXACTLY_ONE_IFI
    return [], "must be an Agent or an identified Group (with one of mbox, mbox_sha1sum, ...)"


def _split(subpath: str) -> Path:
    return [int(step) if step.isdigit() else step for step in subpath.split(".")]
