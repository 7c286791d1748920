"""Validate xAPI statements and the agent query parameter: the entry points of this package."""

from typing import Any

from pydantic import TypeAdapter, ValidationError

from learning_records.xapi.agents import AgentOrIdentifiedGroup
from learning_records.xapi.errors import XapiValidationError
from learning_records.xapi.messages import error_messages, format_path
from learning_records.xapi.normalise import normalise_context_activities, normalise_sender_quirks
from learning_records.xapi.statements import Statement20, Statement103
from learning_records.xapi.versions import XapiVersion

# Deeper than any statement needs (a SubStatement's context activity's extension is ~10 levels)
# and shallow enough that no consumer's recursion runs out on a stored statement.
MAX_DEPTH = 64

# Built once: building the validators is the slow part.
_STATEMENT: dict[XapiVersion, TypeAdapter[Any]] = {
    XapiVersion.V1_0_3: TypeAdapter(Statement103),
    XapiVersion.V2_0_0: TypeAdapter(Statement20),
}
_AGENT: TypeAdapter[Any] = TypeAdapter(AgentOrIdentifiedGroup)

_NOT_A_BATCH = "must be a JSON object or an array of objects"


def parse_statements(document: object, *, version: XapiVersion) -> list[dict[str, Any]]:
    """Every statement of a parsed JSON body (one object or an array), normalised for storage.

    Raises XapiValidationError listing each problem as ``statement[3].<path>: <rule>`` (or
    ``statement.<path>`` for a single-object body). Normalisation: single contextActivities
    become arrays, and the real-sender quirks of normalise.py are rewritten.
    """
    if isinstance(document, dict):
        roots, statements = ["statement"], [document]
    elif isinstance(document, list):
        roots = [f"statement[{index}]" for index in range(len(document))]
        statements = document
    else:
        raise XapiValidationError([f"statement: {_NOT_A_BATCH}"])
    parsed, problems = [], []
    for root, statement in zip(roots, statements, strict=True):
        result, found = _parse_statement(statement, root, _STATEMENT[version])
        parsed.append(result)
        problems.extend(found)
    problems.extend(_duplicate_ids(parsed, roots))
    if problems:
        raise XapiValidationError(problems)
    return parsed


def parse_agent(document: object, *, param: str) -> dict[str, Any]:
    """The statements query's agent parameter: an Agent or an identified Group object."""
    if not isinstance(document, dict):
        raise XapiValidationError(
            [f"{param}: must be a JSON object (an Agent or identified Group)"]
        )
    problems = null_and_depth_problems(document, param)
    if not problems:
        try:
            _AGENT.validate_python(document)
        except ValidationError as error:
            problems = error_messages(error.errors(), document, param)
    if problems:
        raise XapiValidationError(problems)
    return document


def null_and_depth_problems(document: dict[str, Any], root: str) -> list[str]:
    """Nulls outside extensions (Data §2.2.s4.b1.b1) and nesting deeper than MAX_DEPTH.

    Iterative, so a hostile document cannot exhaust the interpreter's stack.
    """
    problems = []
    # (container, depth, inside an extensions map, path as (parent path, key) links)
    stack: list[tuple[Any, int, bool, Any]] = [(document, 1, False, None)]
    while stack:
        node, depth, in_extensions, path = stack.pop()
        if depth > MAX_DEPTH:
            problems.append(f"{_path(root, path)}: nests deeper than {MAX_DEPTH} levels")
            continue
        for key, value in node.items() if type(node) is dict else enumerate(node):
            if value is None:
                if not in_extensions:
                    problems.append(
                        f"{_path(root, (path, key))}: must not be null "
                        "(only extension values may be null, Data §2.2)"
                    )
            elif type(value) is dict or type(value) is list:
                inside = in_extensions or (key == "extensions" and type(value) is dict)
                stack.append((value, depth + 1, inside, (path, key)))
    return problems


def _parse_statement(
    statement: object, root: str, adapter: TypeAdapter[Any]
) -> tuple[dict[str, Any], list[str]]:
    if not isinstance(statement, dict):
        return {}, [f"{root}: must be a JSON object"]
    problems = null_and_depth_problems(statement, root)
    if problems:
        return statement, problems
    normalised = normalise_sender_quirks(statement)
    try:
        adapter.validate_python(normalised)
    except ValidationError as error:
        return statement, error_messages(error.errors(), normalised, root)
    return normalise_context_activities(normalised), []


def _duplicate_ids(statements: list[dict[str, Any]], roots: list[str]) -> list[str]:
    # Communication §2.1.2.s2.b6: a batch with two statements of one id is refused whole.
    first: dict[str, str] = {}
    problems = []
    for root, statement in zip(roots, statements, strict=True):
        statement_id = statement.get("id")
        if not isinstance(statement_id, str):
            continue
        key = statement_id.lower()
        if key in first:
            problems.append(f"{root}.id: repeats the id of {first[key]} in this batch")
        else:
            first[key] = root
    return problems


def _path(root: str, links: Any) -> str:
    steps: list[str | int] = []
    while links is not None:
        links, step = links
        steps.append(step)
    return format_path(root, steps[::-1])
