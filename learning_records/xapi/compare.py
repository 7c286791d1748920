"""Statement Comparison (xAPI 1.0.3 Data §2.3.1.s9): is a re-sent statement the same one?

Used for "same id, same content: accepted; different content: 409". Compare statements as
parse_statements returns them, so that both sides carry the same normalisations.

Differences that the immutability exceptions (§2.3.1) could have caused are ignored:
- stored, authority and version, which the LRS sets, and id and timestamp when one side lacks
  them (the LRS fills them in);
- Activity definitions and Verb displays, which are not part of the statement (b2, b3);
- timestamps serialised in another zone or truncated to milliseconds (b4, Data §4.5.s1.b7);
- the order of a Group's members (b5); the case of case-insensitive values (b7): UUIDs, the
  domain of an mbox, SHA-1 hex digests, language tags;
- duration digits beyond 0.01 s (Data §4.6.s1.b5; ADL v2_0 4.2.7 "Duration"), so also
  trailing zeros of the seconds ("PT1.50S" is "PT1.5S");
- a single contextActivities object against a one-element array (Data §2.4.6.2.s4.b3), and an
  omitted objectType against its default (Activity for objects, Agent for actors).
Everything else counts, including a duration written differently (§2.3.1.b8).
"""

import json
import re
from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from learning_records.xapi.timestamps import parse_timestamp

_SET_BY_LRS = ("stored", "authority", "version")
_FILLED_BY_LRS = ("id", "timestamp")
_SECONDS = re.compile(r"(\d+)[.,](\d*)S$")


def statements_equivalent(a: Mapping[str, Any], b: Mapping[str, Any]) -> bool:
    left, right = _statement(a), _statement(b)
    for key in _FILLED_BY_LRS:
        if key not in left or key not in right:
            left.pop(key, None)
            right.pop(key, None)
    for key in _SET_BY_LRS:
        left.pop(key, None)
        right.pop(key, None)
    return left == right


def _statement(statement: Mapping[str, Any]) -> dict[str, Any]:
    comparable = {key: _json(value) for key, value in statement.items()}
    if "id" in statement:
        comparable["id"] = statement["id"].lower()
    if "timestamp" in statement:
        comparable["timestamp"] = _instant(statement["timestamp"])
    comparable["actor"] = _agent(statement["actor"])
    comparable["verb"] = statement["verb"]["id"]
    comparable["object"] = _object(statement["object"])
    if "result" in statement and "duration" in statement["result"]:
        comparable["result"]["duration"] = _duration(statement["result"]["duration"])
    if "context" in statement:
        comparable["context"] = _context(statement["context"])
    if "attachments" in statement:
        comparable["attachments"] = [_attachment(item) for item in statement["attachments"]]
    return comparable


def _duration(duration: str) -> str:
    """`duration` with its seconds to 0.01 s: "PT1.2345S", "PT1.23S", "PT1.230S" are one."""
    return _SECONDS.sub(lambda match: _hundredths(match[1], match[2]), duration)


def _hundredths(whole: str, fraction: str) -> str:
    fraction = fraction[:2].rstrip("0")
    return f"{whole}.{fraction}S" if fraction else f"{whole}S"


def _instant(timestamp: str) -> Any:
    moment = parse_timestamp(timestamp)
    return moment.replace(microsecond=moment.microsecond // 1000 * 1000)


def _agent(agent: Mapping[str, Any]) -> dict[str, Any]:
    comparable = {key: _json(value) for key, value in agent.items()}
    comparable["objectType"] = agent.get("objectType") or "Agent"
    if "mbox" in agent:
        local, _, domain = agent["mbox"].rpartition("@")
        comparable["mbox"] = f"{local}@{domain.lower()}"
    if "mbox_sha1sum" in agent:
        comparable["mbox_sha1sum"] = agent["mbox_sha1sum"].lower()
    if "member" in agent:
        members = (_agent(member) for member in agent["member"])
        comparable["member"] = sorted(json.dumps(member, sort_keys=True) for member in members)
    return comparable


def _object(target: Mapping[str, Any]) -> dict[str, Any]:
    object_type = target.get("objectType") or "Activity"
    if object_type == "Activity":
        return {"objectType": "Activity", "id": target["id"]}
    if object_type == "StatementRef":
        return {"objectType": object_type, "id": target["id"].lower()}
    if object_type == "SubStatement":
        return _statement(target)
    return _agent(target)


def _context(context: Mapping[str, Any]) -> dict[str, Any]:
    comparable = {key: _json(value) for key, value in context.items()}
    for name in ("instructor", "team"):
        if name in context:
            comparable[name] = _agent(context[name])
    if "registration" in context:
        comparable["registration"] = context["registration"].lower()
    if "statement" in context:
        comparable["statement"] = _object(context["statement"])
    if "language" in context:
        comparable["language"] = context["language"].lower()
    if "contextActivities" in context:
        comparable["contextActivities"] = {
            key: [_object(activity) for activity in _as_list(value)]
            for key, value in context["contextActivities"].items()
        }
    for name, part in (("contextAgents", "agent"), ("contextGroups", "group")):
        if name in context:
            comparable[name] = [{**_json(item), part: _agent(item[part])} for item in context[name]]
    return comparable


def _attachment(attachment: Mapping[str, Any]) -> dict[str, Any]:
    comparable = {key: _json(value) for key, value in attachment.items()}
    for name in ("display", "description"):
        if name in attachment:
            comparable[name] = {tag.lower(): text for tag, text in attachment[name].items()}
    return comparable


def _json(value: Any) -> Any:
    """`value` with booleans told apart from the numbers 1 and 0, which Python equates, and
    numbers compared by their decimal value.

    PostgreSQL's jsonb keeps the decimal that json.dumps wrote (7.205759403792169e+16) and
    gives it back in full (72057594037921690), which Python reads as an int that no longer
    equals the float: a retried statement would be a 409.
    """
    if isinstance(value, bool):
        return ("boolean", value)
    if isinstance(value, float):
        return Decimal(repr(value))  # repr is what json.dumps writes
    if isinstance(value, int):
        return Decimal(value)
    if isinstance(value, Mapping):
        return {key: _json(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_json(item) for item in value]
    return value


def _as_list(value: Any) -> list[Any]:
    return [value] if isinstance(value, Mapping) else list(value)
