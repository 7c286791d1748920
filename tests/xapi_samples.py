"""Valid xAPI sample documents that tests break one field at a time.

Every builder returns a fresh dict, so a test may change it freely.
"""

import copy
import uuid
from typing import Any

REMOVE = object()
"""Pass as a value to `patched` (or an override) to delete the property."""

STATEMENT_ID = "6f1d2c6e-1b8a-4c47-9f4e-3a0c1f2b9d11"
REGISTRATION = "ec531277-b57b-4c15-8d91-d292c5b2b8f7"
SHA1 = "cd9b00a5611f94eaa7b1661edab976068e364975"
SHA2 = "495395e777cd98da653df9615d09c0fd6bb2f8d4788394cd53c56a3bfdcd848a"


def make_agent(**overrides: Any) -> dict[str, Any]:
    return _apply(
        {"objectType": "Agent", "name": "Aino Learner", "mbox": "mailto:aino@example.fi"}, overrides
    )


def make_group(**overrides: Any) -> dict[str, Any]:
    """An identified Group (mbox) with two members."""
    group = {
        "objectType": "Group",
        "name": "Cell chemistry cohort",
        "mbox": "mailto:cohort-7@example.fi",
        "member": [make_agent(), make_agent(name="Eero", mbox="mailto:eero@example.fi")],
    }
    return _apply(group, overrides)


def make_anonymous_group(**overrides: Any) -> dict[str, Any]:
    group = {
        "objectType": "Group",
        "member": [make_agent(), make_agent(mbox="mailto:eero@example.fi")],
    }
    return _apply(group, overrides)


def make_activity(**overrides: Any) -> dict[str, Any]:
    activity = {
        "objectType": "Activity",
        "id": "https://lms.example.fi/course/battery-101/module/3",
        "definition": {
            "name": {"en-US": "Cell chemistry", "fi-FI": "Kennokemia"},
            "description": {"en-US": "Lithium-ion cell basics"},
            "type": "http://adlnet.gov/expapi/activities/module",
        },
    }
    return _apply(activity, overrides)


def make_interaction(interaction_type: str = "choice", **overrides: Any) -> dict[str, Any]:
    definition: dict[str, Any] = {
        "name": {"en-US": "Which anode?"},
        "type": "http://adlnet.gov/expapi/activities/cmi.interaction",
        "interactionType": interaction_type,
        "correctResponsesPattern": ["graphite"],
    }
    components = {
        "choice": {"choices": _components("graphite", "lithium")},
        "sequencing": {"choices": _components("charge", "rest", "discharge")},
        "likert": {"scale": _components("likert_0", "likert_1")},
        "matching": {"source": _components("anode"), "target": _components("graphite")},
        "performance": {"steps": _components("assemble", "test")},
    }
    definition.update(components.get(interaction_type, {}))
    activity = {"objectType": "Activity", "id": "https://lms.example.fi/quiz/7/q/1"}
    return _apply({**activity, "definition": definition}, overrides)


def make_verb(**overrides: Any) -> dict[str, Any]:
    verb = {"id": "http://adlnet.gov/expapi/verbs/completed", "display": {"en-US": "completed"}}
    return _apply(verb, overrides)


def make_result(**overrides: Any) -> dict[str, Any]:
    result = {
        "score": {"scaled": 0.8, "raw": 8, "min": 0, "max": 10},
        "success": True,
        "completion": True,
        "response": "graphite",
        "duration": "PT12M30.5S",
        "extensions": {"https://w3id.org/xapi/cmi5/result/extensions/progress": 100},
    }
    return _apply(result, overrides)


def make_context(**overrides: Any) -> dict[str, Any]:
    context = {
        "registration": REGISTRATION,
        "instructor": make_agent(name="Opettaja", mbox="mailto:opettaja@example.fi"),
        "contextActivities": {
            "parent": [make_activity(id="https://lms.example.fi/course/battery-101")],
            "grouping": [{"id": "https://lms.example.fi/pathway/cells"}],
        },
        "platform": "Moodle",
        "language": "fi-FI",
        "extensions": {"http://id.tincanapi.com/extension/ip-address": "127.0.0.1"},
    }
    return _apply(context, overrides)


def make_attachment(**overrides: Any) -> dict[str, Any]:
    attachment = {
        "usageType": "http://adlnet.gov/expapi/attachments/signature",
        "display": {"en-US": "Signature"},
        "contentType": "text/plain; charset=ascii",
        "length": 27,
        "sha2": SHA2,
    }
    return _apply(attachment, overrides)


def make_statement(**overrides: Any) -> dict[str, Any]:
    """A valid statement: an mbox Agent completed an Activity that has a definition."""
    statement = {
        "id": STATEMENT_ID,
        "actor": make_agent(),
        "verb": make_verb(),
        "object": make_activity(),
        "timestamp": "2024-05-04T12:00:00.000Z",
    }
    return _apply(statement, overrides)


def make_substatement(**overrides: Any) -> dict[str, Any]:
    substatement = {
        "objectType": "SubStatement",
        "actor": make_agent(name="Eero", mbox="mailto:eero@example.fi"),
        "verb": make_verb(id="http://adlnet.gov/expapi/verbs/attempted"),
        "object": make_activity(),
    }
    return _apply(substatement, overrides)


def make_full_statement(**overrides: Any) -> dict[str, Any]:
    """A statement that uses every optional part: result, context, attachments, authority."""
    statement = make_statement(
        result=make_result(),
        context=make_context(),
        attachments=[make_attachment()],
        authority=make_agent(name="LMS", mbox="mailto:lms@example.fi"),
        stored="2024-05-04T12:00:01.000Z",
        version="1.0.3",
    )
    return _apply(statement, overrides)


def patched(document: dict[str, Any], path: str, value: Any) -> dict[str, Any]:
    """A deep copy of `document` with the property at dotted `path` set (or removed: REMOVE).

    Numbers in the path index arrays: ``patched(s, "context.contextActivities.parent.0.id", x)``.
    """
    result = copy.deepcopy(document)
    *parents, last = path.split(".")
    node: Any = result
    for step in parents:
        node = node[int(step)] if isinstance(node, list) else node[step]
    key: Any = int(last) if isinstance(node, list) else last
    if value is REMOVE:
        del node[key]
    else:
        node[key] = copy.deepcopy(value)
    return result


def _components(*ids: str) -> list[dict[str, Any]]:
    return [{"id": component_id, "description": {"en-US": component_id}} for component_id in ids]


def _apply(document: dict[str, Any], overrides: dict[str, Any]) -> dict[str, Any]:
    for key, value in overrides.items():
        if value is REMOVE:
            document.pop(key, None)
        else:
            document[key] = value
    return document


def new_statement(**overrides: Any) -> dict[str, Any]:
    """`make_statement` with a fresh random id: a different statement on every call."""
    return make_statement(**{"id": str(uuid.uuid4()), **overrides})
