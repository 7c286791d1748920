"""What parse_statements changes in a statement, and nothing else.

Both passes copy on write: a statement that needs no change is returned as the same object,
and the caller's document is never modified.

Real-sender quirks are rewritten *before* validation (the models would refuse them); each is a
decision recorded in docs/xapi-conformance.md, "Real senders: decisions".
"""

import re
from typing import Any

_BARE_UUID = re.compile(
    "[0-9A-Fa-f]{8}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{12}"
)
_ACTIVITY_TYPES = (None, "Activity", "GroupActivity")


def normalise_sender_quirks(statement: dict[str, Any]) -> dict[str, Any]:
    """`statement` with the accepted real-sender quirks rewritten (see the module docstring)."""
    changes: dict[str, Any] = {}
    target = statement.get("object")
    if isinstance(target, dict):
        if target.get("objectType") == "SubStatement":
            fixed = normalise_sender_quirks(target)
        else:
            fixed = _activity(target)
        if fixed is not target:
            changes["object"] = fixed
    _put_changed(changes, "result", statement.get("result"), _result)
    _put_changed(changes, "context", statement.get("context"), _context)
    return {**statement, **changes} if changes else statement


def normalise_context_activities(statement: dict[str, Any]) -> dict[str, Any]:
    """Single contextActivities become one-element arrays (Data §2.4.6.2.s4.b3, XAPI-00096).

    `statement` must be valid.
    """
    changes: dict[str, Any] = {}
    target = statement["object"]
    if target.get("objectType") == "SubStatement":
        fixed = normalise_context_activities(target)
        if fixed is not target:
            changes["object"] = fixed
    context = statement.get("context") or {}
    activities = context.get("contextActivities") or {}
    if any(isinstance(value, dict) for value in activities.values()):
        wrapped = {
            key: [value] if isinstance(value, dict) else value for key, value in activities.items()
        }
        changes["context"] = {**context, "contextActivities": wrapped}
    return {**statement, **changes} if changes else statement


def _put_changed(changes: dict[str, Any], key: str, value: Any, fix: Any) -> None:
    if isinstance(value, dict):
        fixed = fix(value)
        if fixed is not value:
            changes[key] = fixed


def _activity(activity: dict[str, Any]) -> dict[str, Any]:
    if activity.get("objectType") not in _ACTIVITY_TYPES:
        return activity
    changes: dict[str, Any] = {}
    if activity.get("objectType") == "GroupActivity":
        # Open edX event-routing-backends: the multi-question problem "GroupActivity".
        changes["objectType"] = "Activity"
    activity_id = activity.get("id")
    if isinstance(activity_id, str) and _BARE_UUID.fullmatch(activity_id):
        # Open edX special exams: a bare UUID grouping id; urn:uuid is its IRI (RFC 4122 §3).
        changes["id"] = f"urn:uuid:{activity_id.lower()}"
    definition = activity.get("definition")
    if isinstance(definition, dict) and definition.get("interactionType") == "compound":
        # H5P question sets: "other" is xAPI's interactionType for anything outside the list.
        changes["definition"] = {**definition, "interactionType": "other"}
    return {**activity, **changes} if changes else activity


def _result(result: dict[str, Any]) -> dict[str, Any]:
    score = result.get("score")
    if not isinstance(score, dict) or not _same_number(score.get("min"), score.get("max")):
        return result
    # Open edX weighted_possible 0: min == max is a zero-width range that says nothing.
    trimmed = {key: value for key, value in score.items() if key not in ("min", "max")}
    return {**result, "score": trimmed}


def _same_number(low: Any, high: Any) -> bool:
    numbers = (int, float)
    return (
        isinstance(low, numbers)
        and isinstance(high, numbers)
        and not isinstance(low, bool)
        and not isinstance(high, bool)
        and low == high
    )


def _context(context: dict[str, Any]) -> dict[str, Any]:
    activities = context.get("contextActivities")
    if not isinstance(activities, dict):
        return context
    fixed = {key: _context_activity(value) for key, value in activities.items()}
    if all(fixed[key] is activities[key] for key in activities):
        return context
    return {**context, "contextActivities": fixed}


def _context_activity(value: Any) -> Any:
    if isinstance(value, dict):
        return _activity(value)
    if not isinstance(value, list):
        return value
    fixed = [_activity(item) if isinstance(item, dict) else item for item in value]
    return value if all(new is old for new, old in zip(fixed, value, strict=True)) else fixed
