"""The statements resource's ``format`` parameter (xAPI 1.0.3 Communication §2.1.3).

Input is a stored statement (as parse_statements returns it); the result is a new dict and the
input is never modified (nested values of `exact` are shared, not copied).
"""

import re
from collections.abc import Mapping, Sequence
from typing import Any

from learning_records.xapi.activities import COMPONENT_LISTS
from learning_records.xapi.agents import IFIS

FORMATS = ("exact", "ids", "canonical")
_LANGUAGE_RANGE = re.compile(r"\*|[A-Za-z]{1,8}(?:-[A-Za-z0-9]{1,8})*")
_QUALITY = re.compile(r"\s*q\s*=\s*(0(?:\.\d{0,3})?|1(?:\.0{0,3})?)\s*", re.IGNORECASE)


def format_statement(
    statement: Mapping[str, Any], *, fmt: str, languages: Sequence[str] = ()
) -> dict[str, Any]:
    """`statement` in format `fmt`: exact, ids or canonical.

    ``ids`` keeps only what identifies Agents, Groups, Activities and Verbs (row12): objectType
    and IFI for Agents and Groups, members of an anonymous Group likewise, the id alone for
    Activities and Verbs (ADL's XAPI-00171 expects an Activity of exactly one property).
    ``canonical`` keeps one entry of each language map, chosen by `languages` (Accept-Language
    ranges in preference order, see `choose_language`) as §2.1.3.s4 asks.
    """
    if fmt == "exact":
        return dict(statement)
    if fmt == "ids":
        return _ids_statement(statement)
    if fmt == "canonical":
        return _canonical_statement(statement, languages)
    raise ValueError(f"format must be one of {', '.join(FORMATS)}, not {fmt!r}")


def parse_accept_language(header: str | None) -> list[str]:
    """The language ranges of an Accept-Language header, most preferred first (RFC 7231 §5.3.5).

    Malformed entries and ranges with q=0 are left out; equal qualities keep header order.
    """
    ranked = []
    for position, item in enumerate((header or "").split(",")):
        language_range, _, parameters = item.partition(";")
        language_range = language_range.strip()
        quality = _quality(parameters)
        if _LANGUAGE_RANGE.fullmatch(language_range) and quality:
            ranked.append((-quality, position, language_range))
    return [language_range for _, _, language_range in sorted(ranked)]


def choose_language(tags: Sequence[str], languages: Sequence[str]) -> str | None:
    """The tag of a language map to return for the ranges `languages`; None for an empty map.

    RFC 2616 §14.4 matching first (a range matches a tag equal to it or beginning with it and
    "-"), then RFC 4647 §3.4 lookup's fallback of shortening each range ("en-GB" finds "en-US"),
    then "und", then the map's first entry: a canonical map always has one language.
    """
    if not tags:
        return None
    lowered = [tag.lower() for tag in tags]
    for language_range in languages:
        if language_range == "*":
            return tags[0]
        found = _matching(tags, lowered, language_range.lower())
        if found is not None:
            return found
    for language_range in languages:
        subtags = language_range.lower().split("-")
        while len(subtags) > 1:
            subtags.pop()
            found = _matching(tags, lowered, "-".join(subtags))
            if found is not None:
                return found
    return tags[lowered.index("und")] if "und" in lowered else tags[0]


def _matching(tags: Sequence[str], lowered: list[str], language_range: str) -> str | None:
    for tag, tag_lowered in zip(tags, lowered, strict=True):
        if tag_lowered == language_range or tag_lowered.startswith(language_range + "-"):
            return tag
    return None


def _quality(parameters: str) -> float | None:
    if not parameters.strip():
        return 1.0
    match = _QUALITY.fullmatch(parameters)
    return float(match[1]) if match else None


def _ids_statement(statement: Mapping[str, Any]) -> dict[str, Any]:
    reduced = dict(statement)
    reduced["actor"] = _ids_agent(statement["actor"])
    reduced["verb"] = {"id": statement["verb"]["id"]}
    reduced["object"] = _ids_object(statement["object"])
    if "authority" in statement:
        reduced["authority"] = _ids_agent(statement["authority"])
    if "context" in statement:
        reduced["context"] = _ids_context(statement["context"])
    return reduced


def _ids_agent(agent: Mapping[str, Any]) -> dict[str, Any]:
    reduced = {key: agent[key] for key in ("objectType", *IFIS) if key in agent}
    if not any(ifi in agent for ifi in IFIS):
        # An anonymous Group is identified by its members (Communication §2.1.3.s1.table1.row12).
        reduced["member"] = [_ids_agent(member) for member in agent.get("member", ())]
    return reduced


def _ids_object(target: Mapping[str, Any]) -> dict[str, Any]:
    object_type = target.get("objectType")
    if object_type in (None, "Activity"):
        return {"id": target["id"]}
    if object_type in ("Agent", "Group"):
        return _ids_agent(target)
    if object_type == "SubStatement":
        return _ids_statement(target)
    return dict(target)


def _ids_context(context: Mapping[str, Any]) -> dict[str, Any]:
    reduced = dict(context)
    for name in ("instructor", "team"):
        if name in context:
            reduced[name] = _ids_agent(context[name])
    if "contextActivities" in context:
        reduced["contextActivities"] = {
            key: [{"id": activity["id"]} for activity in _as_list(activities)]
            for key, activities in context["contextActivities"].items()
        }
    if "contextAgents" in context:
        reduced["contextAgents"] = [
            {**item, "agent": _ids_agent(item["agent"])} for item in context["contextAgents"]
        ]
    if "contextGroups" in context:
        reduced["contextGroups"] = [
            {**item, "group": _ids_agent(item["group"])} for item in context["contextGroups"]
        ]
    return reduced


def _canonical_statement(statement: Mapping[str, Any], languages: Sequence[str]) -> dict[str, Any]:
    canonical = dict(statement)
    canonical["verb"] = _one_language(statement["verb"], ("display",), languages)
    target = statement["object"]
    if target.get("objectType") in (None, "Activity"):
        canonical["object"] = _canonical_activity(target, languages)
    elif target.get("objectType") == "SubStatement":
        canonical["object"] = _canonical_statement(target, languages)
    if "context" in statement and "contextActivities" in statement["context"]:
        activities = statement["context"]["contextActivities"]
        canonical["context"] = {
            **statement["context"],
            "contextActivities": {
                key: [_canonical_activity(activity, languages) for activity in _as_list(value)]
                for key, value in activities.items()
            },
        }
    if "attachments" in statement:
        canonical["attachments"] = [
            _one_language(attachment, ("display", "description"), languages)
            for attachment in statement["attachments"]
        ]
    return canonical


def _canonical_activity(activity: Mapping[str, Any], languages: Sequence[str]) -> dict[str, Any]:
    if "definition" not in activity:
        return dict(activity)
    definition = _one_language(activity["definition"], ("name", "description"), languages)
    for name in COMPONENT_LISTS:
        if name in definition:
            definition[name] = [
                _one_language(component, ("description",), languages)
                for component in definition[name]
            ]
    return {**activity, "definition": definition}


def _one_language(
    holder: Mapping[str, Any], names: Sequence[str], languages: Sequence[str]
) -> dict[str, Any]:
    reduced = dict(holder)
    for name in names:
        if name in holder:
            tag = choose_language(list(holder[name]), languages)
            reduced[name] = {} if tag is None else {tag: holder[name][tag]}
    return reduced


def _as_list(value: Any) -> list[Any]:
    return [value] if isinstance(value, Mapping) else list(value)
