"""Canonical Activity definitions (xAPI 1.0.3 Communication §2.5, Data §2.4.4.1) and the
Person object of the Agents resource (Communication §2.4)."""

from collections.abc import Iterable, Iterator, Mapping
from typing import Any

from learning_records.xapi.activities import COMPONENT_LISTS
from learning_records.xapi.agents import IFIS

_LANGUAGE_MAPS = ("name", "description")
_INTERACTION = ("correctResponsesPattern", *COMPONENT_LISTS)


def activity_definitions(statement: Mapping[str, Any]) -> Iterator[tuple[str, dict[str, Any]]]:
    """(Activity id, definition) of every Activity in a validated statement that carries a
    definition: the object, the context activities, and the same inside a SubStatement."""
    target = statement["object"]
    target_type = target.get("objectType")
    if target_type in (None, "Activity") and target.get("definition"):
        yield target["id"], target["definition"]
    context = statement.get("context") or {}
    for activities in (context.get("contextActivities") or {}).values():
        for activity in [activities] if isinstance(activities, Mapping) else activities:
            if activity.get("definition"):
                yield activity["id"], activity["definition"]
    if target_type == "SubStatement":
        yield from activity_definitions(target)


def merge_definition(canonical: Mapping[str, Any], update: Mapping[str, Any]) -> dict[str, Any]:
    """The canonical definition with a newer one applied.

    Language maps (name, description) and extensions are merged key by key, so definitions
    sent in different languages add up (Communication §2.5, XAPI-00254); every other
    property is replaced by the newer value. A changed interactionType drops the old
    interaction properties, which belong to the old type (Data §2.4.4.1.s15).
    """
    merged = dict(canonical)
    kind = update.get("interactionType")
    if kind is not None and kind != merged.get("interactionType"):
        for name in _INTERACTION:
            merged.pop(name, None)
    for name, value in update.items():
        if (name in _LANGUAGE_MAPS or name == "extensions") and isinstance(merged.get(name), dict):
            merged[name] = {**merged[name], **value}
        else:
            merged[name] = value
    return merged


def activity_object(activity_id: str, definition: Mapping[str, Any] | None) -> dict[str, Any]:
    """The Activities resource's answer; an Activity never defined still gets its id
    (Communication §2.5.s2.b1)."""
    activity: dict[str, Any] = {"objectType": "Activity", "id": activity_id}
    if definition:
        activity["definition"] = dict(definition)
    return activity


def person_object(agent: Mapping[str, Any], names: Iterable[str] = ()) -> dict[str, Any]:
    """Communication §2.4: the Person of one Agent. Each property is an array; this LRS
    combines no identifiers across Agents, so each identifier array has one value."""
    person: dict[str, Any] = {"objectType": "Person"}
    known = list(dict.fromkeys(n for n in [agent.get("name"), *names] if isinstance(n, str) and n))
    if known:
        person["name"] = known
    for ifi in IFIS:
        if ifi in agent:
            person[ifi] = [agent[ifi]]
    return person
