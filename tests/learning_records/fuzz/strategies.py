"""Hypothesis strategies for fuzzing the LRS over HTTP: any JSON, statements broken a field
at a time, and the query values and headers that xAPI clients (and broken ones) send."""

import base64
import copy
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from hypothesis import strategies as st

from tests.learning_records.fuzz import world
from tests.learning_records.fuzz.calls import Call
from tests.xapi_samples import (
    REGISTRATION,
    SHA1,
    make_activity,
    make_agent,
    make_full_statement,
    make_group,
    make_interaction,
    make_statement,
    make_substatement,
)

CORPUS = Path(__file__).resolve().parents[2] / "data" / "real-statements"


@dataclass(frozen=True)
class Literal:
    """JSON text put into a document as it is: numbers Python never writes (1e400)."""

    text: str


# Numbers at and past the edges: a double's range, int()'s 4300-digit limit, negative zero.
NUMBER_LITERALS = [
    "1e400",
    "-1e400",
    "1E+309",
    "1" + "0" * 320 + ".5",
    "1e-400",
    "-0",
    "-0.0e-0",
    "9" * 5000,
    "123456789012345678901234567890",
    "NaN",
    "Infinity",
    "0.1e1",
]
# Text that breaks storage or comparisons: NUL, lone and paired surrogates, BOM, separators.
TRICKY_TEXT = [
    "",
    " ",
    "\x00",
    "a\x00b",
    "\ud800",
    "\udfff",
    "x\ud83d",
    "\ud83d\udd0b",
    "\u2028",
    "\ufeff",
    "\\u0000",
    "ä",
    "null",
    "%00",
    "\t\n",
]
# Values near what xAPI fields hold, so mutations get past the type checks to the rules.
XAPI_STRINGS = [
    "mailto:",
    "mailto:aino@example.fi",
    "mailto:AINO@EXAMPLE.FI",
    "aino@example.fi",
    "http://",
    "https://lms.example.fi/x",
    "http://adlnet.gov/expapi/verbs/voided",
    "urn:uuid:6f1d2c6e-1b8a-4c47-9f4e-3a0c1f2b9d11",
    "6F1D2C6E-1B8A-4C47-9F4E-3A0C1F2B9D11",
    "{6f1d2c6e-1b8a-4c47-9f4e-3a0c1f2b9d11}",
    "6f1d2c6e1b8a4c479f4e3a0c1f2b9d11",
    *world.SEEDED_IDS,
    REGISTRATION,
    "2024-05-04T12:00:00Z",
    "2024-05-04T12:00:00-00:00",
    "2024-13-01T00:00:00Z",
    "0001-01-01T00:00:00+01:00",
    "9999-12-31T23:59:59-23:59",
    "20240504T120000Z",
    "P",
    "PT",
    "P1Y2M3DT4H5M6.7S",
    "P1W",
    "en-US",
    "x",
    "Agent",
    "Group",
    "Activity",
    "GroupActivity",
    "SubStatement",
    "StatementRef",
    "compound",
    "choice",
    "1.0.0",
    "1.0.3",
    "2.0.0",
    "3.0.0",
    SHA1,
    world.ESSAY_SHA2,
    "block-v1:edX+DemoX+type@problem",
]

ANY_CHARACTER = st.characters(exclude_categories=())  # surrogates included
TEXT = st.text(ANY_CHARACTER, max_size=16) | st.sampled_from(TRICKY_TEXT)
STRINGS = TEXT | st.sampled_from(XAPI_STRINGS)
SCALARS = (
    st.none()
    | st.booleans()
    | st.integers()
    | st.integers(min_value=-(10**40), max_value=10**40)
    | st.floats(allow_nan=False, allow_infinity=False)
    | STRINGS
    | st.sampled_from(NUMBER_LITERALS).map(Literal)
)
JSON_VALUES = st.recursive(
    SCALARS,
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(STRINGS, children, max_size=4)
    ),
    max_leaves=12,
)


def encode(value: Any, *, ascii_only: bool = True) -> str:
    """JSON text of `value`, Literal numbers written as they are."""
    if isinstance(value, Literal):
        return value.text
    if isinstance(value, dict):
        members = (
            f"{json.dumps(key, ensure_ascii=ascii_only)}:{encode(item, ascii_only=ascii_only)}"
            for key, item in value.items()
        )
        return "{" + ",".join(members) + "}"
    if isinstance(value, list):
        return "[" + ",".join(encode(item, ascii_only=ascii_only) for item in value) + "]"
    return json.dumps(value, ensure_ascii=ascii_only)


def to_bytes(text: str) -> bytes:
    """UTF-8, with lone surrogates written as the invalid bytes a broken encoder sends."""
    return text.encode("utf-8", "surrogatepass")


@st.composite
def json_bodies(draw: st.DrawFn, values: st.SearchStrategy[Any] = JSON_VALUES) -> bytes:
    """A JSON value as request bytes: escaped or raw UTF-8, sometimes with a BOM."""
    text = encode(draw(values), ascii_only=draw(st.booleans()))
    if draw(st.integers(0, 9)) == 0:
        text = "\ufeff" + text
    return to_bytes(text)


def _corpus_statements() -> list[dict[str, Any]]:
    found = []
    for path in sorted(CORPUS.glob("*.json")):
        found += [entry["statement"] for entry in json.loads(path.read_text())["statements"]]
    return found


def _bases() -> list[dict[str, Any]]:
    """Valid statements (and the corpus, mostly valid) that mutations start from."""
    with_file_url = make_full_statement(
        attachments=[world.essay_attachment(fileUrl="https://files.example.fi/essay.txt")]
    )
    return [
        make_statement(),
        with_file_url,
        make_statement(object=make_substatement(), context={"registration": REGISTRATION}),
        make_statement(actor=make_group(), object=make_interaction("sequencing")),
        make_statement(object={"objectType": "StatementRef", "id": world.PLAIN_ID}),
        world.voiding(world.STATEMENT_ID, world.PLAIN_ID),
        make_statement(object=make_agent(name="Eero", mbox="mailto:eero@example.fi")),
        make_statement(object=make_activity(id="https://lms.example.fi/other")),
        *_corpus_statements(),
    ]


BASES = _bases()


def _paths(value: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    """Every path to a property or array item of `value`."""
    found = []
    items = value.items() if isinstance(value, dict) else enumerate(value)
    for key, item in items:
        found.append((*prefix, key))
        if isinstance(item, (dict, list)) and item:
            found += _paths(item, (*prefix, key))
    return found


def _container(document: Any, path: tuple[Any, ...]) -> Any:
    node = document
    for step in path[:-1]:
        node = node[step]
    return node


@st.composite
def mutations(draw: st.DrawFn, document: dict[str, Any]) -> dict[str, Any]:
    """`document` with one to three changes: a value replaced, a property dropped, an
    unknown property added, or a value of the wrong type."""
    mutated = copy.deepcopy(document)
    for _ in range(draw(st.integers(1, 3))):
        paths = _paths(mutated)
        if not paths:
            break
        path = draw(st.sampled_from(paths))
        node = _container(mutated, path)
        change = draw(st.sampled_from(["replace", "near", "drop", "add"]))
        if change == "replace":
            node[path[-1]] = draw(JSON_VALUES)
        elif change == "near":
            node[path[-1]] = draw(st.sampled_from(XAPI_STRINGS))
        elif change == "drop":
            del node[path[-1]]
        elif isinstance(node, dict):
            node[draw(STRINGS)] = draw(JSON_VALUES)
        else:
            node.append(draw(JSON_VALUES))
    return mutated


STATEMENT_IDS = st.sampled_from(["keep", "fresh", "seeded", "drop"])


@st.composite
def statements(draw: st.DrawFn, *, valid: bool = False) -> dict[str, Any]:
    """A statement from the bases, with a fresh, a seeded, its own or no id; broken
    one field at a time unless `valid`."""
    statement = copy.deepcopy(draw(st.sampled_from(BASES)))
    choice = draw(STATEMENT_IDS)
    if choice == "fresh" or (valid and choice != "drop"):
        statement["id"] = str(draw(st.uuids()))
    elif choice == "seeded":
        statement["id"] = draw(st.sampled_from(world.SEEDED_IDS))
    elif choice == "drop":
        statement.pop("id", None)
    return statement if valid else draw(mutations(statement))


# JSON any database holds: no NUL, no lone surrogates, finite numbers.
STORABLE_TEXT = st.text(st.characters(exclude_characters="\x00"), max_size=12)
STORABLE_JSON = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False, allow_infinity=False)
    | STORABLE_TEXT,
    lambda children: (
        st.lists(children, max_size=3) | st.dictionaries(STORABLE_TEXT, children, max_size=3)
    ),
    max_leaves=8,
)
VALID_STATEMENTS = (
    st.builds(lambda statement_id: make_statement(id=str(statement_id)), st.uuids())
    | statements(valid=True)
    # Extensions hold any JSON (Data §2.4.5.1): numbers and text as the database keeps them.
    | st.builds(
        lambda statement_id, value: make_statement(
            id=str(statement_id), result={"extensions": {"https://w3id.org/xapi/fuzz": value}}
        ),
        st.uuids(),
        STORABLE_JSON,
    )
)
BATCHES = st.lists(VALID_STATEMENTS | statements(), min_size=1, max_size=6)


@st.composite
def mostly(
    draw: st.DrawFn, usual: st.SearchStrategy[Any], unusual: st.SearchStrategy[Any], odds: int = 5
) -> Any:
    """`usual`, but one time in `odds` `unusual`: most requests should get far enough to
    meet the store."""
    return draw(unusual if draw(st.integers(0, odds - 1)) == 0 else usual)


# --- Query values and headers -----------------------------------------------------------

VALID_AGENTS: st.SearchStrategy[dict[str, Any]] = st.sampled_from(
    [
        world.AGENT,
        {"mbox": "mailto:AINO@Example.FI"},
        {"objectType": "Agent", "mbox_sha1sum": SHA1},
        {"openid": "https://openid.example.fi/aino"},
        {"account": {"homePage": "https://lms.example.fi", "name": "aino"}},
        {"objectType": "Group", "mbox": "mailto:cohort-7@example.fi"},
        make_group(),
        {"objectType": "Group", "member": [make_agent()]},
        make_agent(mbox="mailto:eero@example.fi"),
    ]
)
AGENTS = VALID_AGENTS | VALID_AGENTS.flatmap(mutations) | JSON_VALUES


@st.composite
def agent_params(draw: st.DrawFn) -> str:
    """The agent parameter: JSON of an Agent (often valid), or not JSON at all."""
    if draw(st.integers(0, 9)) == 0:
        return draw(st.text(max_size=20))
    agent = draw(AGENTS)
    text = encode(agent, ascii_only=draw(st.booleans()))
    # A URL carries UTF-8: text with a lone surrogate can only travel escaped.
    return text if _encodable(text) else encode(agent)


def _encodable(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


# Parameter values a URL can carry (UTF-8, so no lone surrogates).
PARAM_TEXT = st.text(max_size=20) | st.sampled_from(
    [text for text in [*TRICKY_TEXT, *XAPI_STRINGS] if _encodable(text)]
)


UUIDISH = (
    st.uuids().map(str)
    | st.uuids().map(lambda value: str(value).upper())
    | st.uuids().map(lambda value: f"{{{value}}}")
    | st.uuids().map(lambda value: f"urn:uuid:{value}")
    | st.uuids().map(lambda value: value.hex)
    | st.uuids().map(lambda value: str(value)[:-1])
    | st.sampled_from([*world.SEEDED_IDS, REGISTRATION])
    | st.text(max_size=40)
)
TIMESTAMPS = (
    st.datetimes(timezones=st.timezones()).map(lambda moment: moment.isoformat())
    | st.sampled_from([v for v in XAPI_STRINGS if v[:1].isdigit()])
    | st.from_regex(
        r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,12})?)?(Z|[+-]\d{2}:?\d{2})?", fullmatch=True
    )
    | st.text(max_size=30)
)
DIGITS = st.text(st.characters(categories=["Nd", "No"]), min_size=1, max_size=6)
LIMITS = st.integers(0, 2000).map(str) | DIGITS | st.sampled_from(["9" * 5000, "-1", "1.5", ""])
IRIS = st.sampled_from(
    [world.ACTIVITY_ID, "http://adlnet.gov/expapi/verbs/completed", world.VOIDED, "x:y"]
) | st.text(max_size=30)
BOOLEANS = st.sampled_from(["true", "false", "True", "1", ""]) | st.text(max_size=5)


@st.composite
def cursors(draw: st.DrawFn) -> str:
    """What a paging client sends back: an encoded (stored time, row) or anything."""
    inner = f"{draw(TIMESTAMPS)}|{draw(st.integers() | st.integers(min_value=2**63))}"
    raw = to_bytes(inner) if draw(st.booleans()) else draw(st.binary(max_size=30))
    return base64.urlsafe_b64encode(raw).decode("ascii")


# Header values as a WSGI server hands them over: Latin-1 text without line breaks.
HEADER_TEXT = st.text(st.characters(max_codepoint=255, exclude_characters="\r\n"), max_size=40)
VERSION_HEADERS = (
    st.sampled_from(["1.0.3", "2.0.0"])
    | st.sampled_from(
        ["1.0", "1.0.0", "1.0.9", "2.0", "2.0.1", " 1.0.3 ", "1.0.03", "0.95", "3.0.0", ""]
    )
    | HEADER_TEXT
)
KNOWN_ETAGS = [
    world.quoted_sha1(json.dumps({"page": 3, "seen": ["intro"]}).encode()),
    world.quoted_sha1(b"\x00\xffbytes"),
]
ETAG_HEADERS = (
    st.just("*")
    | st.sampled_from(KNOWN_ETAGS)
    | st.sampled_from(KNOWN_ETAGS).map(lambda tag: f"W/{tag}")
    | st.sampled_from(KNOWN_ETAGS).map(lambda tag: tag.strip('"').upper())
    | st.lists(st.sampled_from([*KNOWN_ETAGS, "*", '""', '"x"']), min_size=1, max_size=3).map(
        ", ".join
    )
    | HEADER_TEXT
)
CONTENT_TYPES = (
    st.sampled_from(
        [
            "application/json",
            "application/json; charset=utf-8",
            "Application/JSON",
            "application/json;",
            " application/json",
            "application/jsonx",
            "text/plain",
            "application/octet-stream",
            "multipart/mixed",
            "multipart/mixed; boundary=x",
            "multipart/form-data; boundary=x",
            "application/x-www-form-urlencoded",
            "",
            "a/" + "b" * 300,
        ]
    )
    | HEADER_TEXT
)
VERSIONS = mostly(st.sampled_from(["1.0.3", "2.0.0"]), VERSION_HEADERS)
AUTHORIZATIONS = (
    st.builds(
        lambda scheme, credentials: f"{scheme} {base64.b64encode(credentials).decode()}",
        st.sampled_from(["Basic", "basic", "Bearer"]),
        # No NUL for now: client_authenticate looks a key with NUL up as it is, and
        # PostgreSQL answers that with an error (a 500; see the fuzz report).
        st.binary(max_size=30).filter(lambda raw: b"\x00" not in raw)
        | st.just(b"moodle-savonia:wrong")
        | st.just(b":"),
    )
    | HEADER_TEXT
)
ACCEPT_LANGUAGES = (
    st.sampled_from(["fi-FI, en;q=0.5", "*", "en;q=x", "en;q=", ";;", "sv;q=1e999"]) | HEADER_TEXT
)


# --- Document requests ---------------------------------------------------------------------

DOCUMENT_METHODS = mostly(
    st.sampled_from(["GET", "HEAD", "PUT", "POST", "DELETE"]),
    st.sampled_from(["PATCH", "OPTIONS"]),
)
DOCUMENT_BODIES = (
    json_bodies(st.dictionaries(STRINGS, JSON_VALUES, max_size=4))
    | json_bodies()
    | st.binary(max_size=200)
    | st.just(b"")
    | st.integers(1, 1500).map(lambda depth: ('{"k":' * depth + "1" + "}" * depth).encode())
)
DOCUMENT_TYPES = mostly(
    st.sampled_from(["application/json", "application/json; charset=utf-8"]), CONTENT_TYPES, 3
)


def _pick(draw: st.DrawFn, seeded: Any, other: st.SearchStrategy[str]) -> str | None:
    """Mostly the seeded value, so that requests meet stored documents; else any, or none."""
    choice = draw(st.integers(0, 9))
    if choice == 0:
        return None
    return draw(other if choice < 3 else st.just(seeded))


@st.composite
def document_calls(draw: st.DrawFn) -> Call:
    path = draw(st.sampled_from(sorted(world.DOCUMENT_RESOURCES)))
    kind, id_name = world.DOCUMENT_RESOURCES[path]
    picked = {
        "activityId": _pick(draw, world.ACTIVITY_ID, IRIS) if kind != "agent_profile" else None,
        "agent": _pick(draw, json.dumps(world.AGENT), agent_params())
        if kind != "activity_profile"
        else None,
        "registration": _pick(draw, REGISTRATION, UUIDISH)
        if kind == "state" and draw(st.booleans())
        else None,
        id_name: _pick(draw, draw(st.sampled_from(world.DOCUMENT_IDS)), PARAM_TEXT),
    }
    params = {name: value for name, value in picked.items() if value is not None}
    if draw(st.integers(0, 9)) == 0:
        params.update(draw(st.dictionaries(PARAM_TEXT, PARAM_TEXT, max_size=2)))
    method = draw(DOCUMENT_METHODS)
    headers: dict[str, str | None] = {"X-Experience-API-Version": draw(VERSIONS)}
    for name in ("If-Match", "If-None-Match"):
        if draw(st.integers(0, 2)) == 0:
            headers[name] = draw(ETAG_HEADERS)
    if method in ("PUT", "POST"):
        return Call(method, path, params, draw(DOCUMENT_BODIES), draw(DOCUMENT_TYPES), headers)
    return Call(method, path, params, headers=headers)
