"""What the storage layer indexes a statement by (the filters of Communication §2.1.3).

Input is a statement as parse_statements returns it (valid, contextActivities as arrays).
"""

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from learning_records.xapi.agents import IFIS


@dataclass(frozen=True)
class StatementKeys:
    actor_key: str | None
    verb_iri: str
    object_activity_iri: str | None
    object_agent_key: str | None
    object_statement_id: str | None
    registration: str | None
    agents: frozenset[str]
    related_agents: frozenset[str]
    activities: frozenset[str]
    related_activities: frozenset[str]


def agent_key(agent: Mapping[str, Any]) -> str | None:
    """``objectType|ifi|value`` for an Agent or identified Group; None for an anonymous Group.

    The domain of an mbox and a SHA-1 hex digest are case-insensitive (Data §2.3.1.b7,
    §2.4.2.3.s4.b1), so both are lowercased; openid and account are kept as sent.
    """
    object_type = agent.get("objectType") or "Agent"
    for ifi in IFIS:
        if ifi in agent:
            return f"{object_type}|{ifi}|{_ifi_value(ifi, agent[ifi])}"
    return None


def statement_keys(statement: Mapping[str, Any]) -> StatementKeys:
    target = statement["object"]
    target_type = target.get("objectType")
    context = statement.get("context") or {}
    is_activity = target_type in (None, "Activity")
    is_agent = target_type in ("Agent", "Group")
    return StatementKeys(
        actor_key=agent_key(statement["actor"]),
        verb_iri=statement["verb"]["id"],
        object_activity_iri=target["id"] if is_activity else None,
        object_agent_key=agent_key(target) if is_agent else None,
        object_statement_id=target["id"].lower() if target_type == "StatementRef" else None,
        registration=context["registration"].lower() if "registration" in context else None,
        agents=frozenset(_keys(_agents(statement))),
        related_agents=frozenset(_keys(_related_agents(statement))),
        activities=frozenset([target["id"]] if is_activity else ()),
        related_activities=frozenset(_related_activities(statement)),
    )


def _ifi_value(ifi: str, value: Any) -> str:
    if ifi == "account":
        return f"{value['homePage']}|{value['name']}"
    if ifi == "mbox":
        local, _, domain = value.rpartition("@")
        return f"{local}@{domain.lower()}"
    return str(value.lower() if ifi == "mbox_sha1sum" else value)


def _keys(agents: Iterator[Mapping[str, Any]]) -> Iterator[str]:
    # Communication §2.1.3 (agent): a Group matches when one of its members matches, so each
    # member is indexed next to its Group; an anonymous Group contributes its members only.
    for agent in agents:
        key = agent_key(agent)
        if key is not None:
            yield key
        for member in agent.get("member", ()):
            member_key = agent_key(member)
            if member_key is not None:
                yield member_key


def _agents(statement: Mapping[str, Any]) -> Iterator[Mapping[str, Any]]:
    """The agent filter: Actor or Object (Communication §2.1.3.s1.table1.row3)."""
    yield statement["actor"]
    if statement["object"].get("objectType") in ("Agent", "Group"):
        yield statement["object"]


def _related_agents(statement: Mapping[str, Any]) -> Iterator[Mapping[str, Any]]:
    """related_agents: Actor, Object, Authority, Instructor, Team, the same in a SubStatement
    (Communication §2.1.3.s1.table1.row8), and 2.0's contextAgents and contextGroups."""
    yield from _agents(statement)
    if "authority" in statement:
        yield statement["authority"]
    context = statement.get("context") or {}
    for name in ("instructor", "team"):
        if name in context:
            yield context[name]
    for context_agent in context.get("contextAgents", ()):
        yield context_agent["agent"]
    for context_group in context.get("contextGroups", ()):
        yield context_group["group"]
    if statement["object"].get("objectType") == "SubStatement":
        yield from _related_agents(statement["object"])


def _related_activities(statement: Mapping[str, Any]) -> Iterator[str]:
    """related_activities: Object, context activities, the same in a SubStatement (row7)."""
    target = statement["object"]
    if target.get("objectType") in (None, "Activity"):
        yield target["id"]
    context = statement.get("context") or {}
    for activities in (context.get("contextActivities") or {}).values():
        for activity in [activities] if isinstance(activities, Mapping) else activities:
            yield activity["id"]
    if target.get("objectType") == "SubStatement":
        yield from _related_activities(target)
