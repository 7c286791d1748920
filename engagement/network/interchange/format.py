"""The network interchange format: what a file holds, shared by import and export.

docs/network-import.md describes it for people who write the files.
"""

from dataclasses import dataclass, field
from typing import Any

FORMAT = "kipina-network/1"


@dataclass(frozen=True)
class Kind:
    """A kind of row: its JSON key or CSV file stem, columns, and which columns hold lists
    (JSON arrays; in CSV, values separated by spaces: no slug, e-mail address, IRI or
    language code contains a space)."""

    name: str
    columns: tuple[str, ...]
    lists: frozenset[str] = frozenset()


def _translated(*names: str) -> tuple[str, ...]:
    return tuple(f"{name}_{language}" for name in names for language in ("en", "fi", "sv"))


# In dependency order: a row refers only to rows of kinds above it (or to stored data).
KINDS: tuple[Kind, ...] = (
    Kind(
        "organisations",
        ("slug", "kind", *_translated("name"), "business_id", "website", "email", "phone"),
    ),
    Kind("skills", ("uri", *_translated("label"))),
    Kind("people", ("email", "given_name", "family_name", "language", "time_zone", "username")),
    Kind("identities", ("person", "kind", "value", "home_page")),
    Kind("roles", ("person", "organisation", "kind")),
    Kind(
        "pathways",
        (
            "slug",
            *_translated("title", "description", "target_audience"),
            "eqf_level",
            "effort_hours",
            "languages",
            "skills",
            "providers",
            "is_published",
        ),
        frozenset({"languages", "skills", "providers"}),
    ),
    Kind(
        "milestones",
        (
            "pathway",
            "position",
            *_translated("title"),
            "provider",
            "required_count",
            "due_offset_days",
            "skills",
        ),
        frozenset({"skills"}),
    ),
    Kind(
        "activities",
        ("pathway", "milestone", "activity_iri", "verbs", "min_scaled"),
        frozenset({"verbs"}),
    ),
    Kind("enrolments", ("learner", "pathway", "started_on", "target_on", "sponsor", "status")),
    Kind("cohorts", ("provider", "name", "teachers"), frozenset({"teachers"})),
    Kind("cohort_enrolments", ("provider", "cohort", "learner", "pathway")),
    Kind("consents", ("learner", "pathway", "employer", "given_at", "revoked_at")),
)
KIND_BY_NAME = {kind.name: kind for kind in KINDS}


@dataclass(frozen=True)
class Nesting:
    """In JSON, rows of `child` sit in a list `key` of their parent's row and take the
    parent's natural key from it: {child column: parent column}."""

    parent: str
    key: str
    child: str
    inherited: dict[str, str]


NESTINGS: tuple[Nesting, ...] = (
    Nesting("people", "identities", "identities", {"person": "email"}),
    Nesting("people", "roles", "roles", {"person": "email"}),
    Nesting("pathways", "milestones", "milestones", {"pathway": "slug"}),
    Nesting(
        "milestones", "activities", "activities", {"pathway": "pathway", "milestone": "position"}
    ),
    Nesting(
        "cohorts", "enrolments", "cohort_enrolments", {"provider": "provider", "cohort": "name"}
    ),
)
# The lists a JSON document has at its top level; the other kinds are nested.
TOP_LEVEL = ("organisations", "skills", "people", "pathways", "enrolments", "cohorts", "consents")


@dataclass(frozen=True, order=True)
class Problem:
    """One thing wrong with a file: where (file, line, field) and why."""

    source: str
    line: int
    field: str
    message: str

    def __str__(self) -> str:
        where = f"{self.source}, line {self.line}"
        return (
            f"{where}: {self.field}: {self.message}" if self.field else f"{where}: {self.message}"
        )

    def as_dict(self) -> dict[str, Any]:
        return {
            "file": self.source,
            "line": self.line,
            "field": self.field,
            "message": self.message,
        }


@dataclass
class Row:
    """One record of a file, before validation: its values and where each came from."""

    kind: str
    source: str
    line: int
    values: dict[str, Any]
    # JSON: the path of the record ("people[2].roles[0]") and the line of each field.
    path: str = ""
    field_lines: dict[str, int] = field(default_factory=dict)

    def problem(self, column: str, message: str) -> Problem:
        name = f"{self.path}.{column}" if self.path and column else (column or self.path)
        # A list item has its own line in JSON ("skills[2]"); otherwise the field's line.
        line = self.field_lines.get(column) or self.field_lines.get(
            column.split("[")[0].split(".")[0], self.line
        )
        return Problem(self.source, line, name, message)


class ImportRefused(Exception):
    """The file has problems; nothing was stored. `problems` lists each, in file order."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = sorted(problems)
        super().__init__(f"{len(self.problems)} problem(s); nothing was imported")
