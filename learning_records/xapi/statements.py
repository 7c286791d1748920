"""Statements and their parts (xAPI 1.0.3 Data §2.4), for 1.0.3 and 2.0 requests.

The two versions differ where the ADL conformance batteries differ (test/v1_0_3/configs vs
test/v2_0/configs): 2.0 adds Context's contextAgents and contextGroups (contextagents.js,
contextgroups.js) and accepts a "version" of 2.0.x (version.js, XAPI-00332). Everything else
is shared.
"""

from typing import Annotated, Any, Literal, Self

from pydantic import Discriminator, Field, Tag, model_validator

from learning_records.xapi.activities import Activity, ContextActivities
from learning_records.xapi.agents import (
    Actor,
    Agent,
    AgentVariant,
    Authority,
    Group,
    GroupVariant,
    agent_tag,
    group_tag,
    ifis_of,
)
from learning_records.xapi.base import XapiModel
from learning_records.xapi.fields import (
    Duration,
    Extensions,
    Iri,
    Irl,
    LanguageMap,
    LanguageTag,
    MediaType,
    Sha2,
    Timestamp,
    Uuid,
    Version20,
    Version103,
    xapi_errors,
)

VOIDED = "http://adlnet.gov/expapi/verbs/voided"


class Verb(XapiModel):
    id: Iri
    display: LanguageMap | None = None


class StatementRef(XapiModel):
    objectType: Literal["StatementRef"]
    id: Uuid


class Score(XapiModel):
    scaled: Annotated[float, Field(ge=-1, le=1)] | None = None
    raw: float | None = None
    min: float | None = None
    max: float | None = None

    @model_validator(mode="after")
    def _check_range(self) -> Self:
        # Data §2.4.5.1: min < max; raw between min and max (XAPI-00080, 00081, 00082).
        problems = []
        if self.min is not None and self.max is not None and self.min >= self.max:
            problems.append(("min", "must be less than max (Data §2.4.5.1)"))
        elif self.raw is not None and self.min is not None and self.raw < self.min:
            problems.append(("raw", "must not be less than min (Data §2.4.5.1)"))
        elif self.raw is not None and self.max is not None and self.raw > self.max:
            problems.append(("raw", "must not be greater than max (Data §2.4.5.1)"))
        if problems:
            raise xapi_errors(problems)
        return self


class Result(XapiModel):
    score: Score | None = None
    success: bool | None = None
    completion: bool | None = None
    response: str | None = None
    duration: Duration | None = None
    extensions: Extensions | None = None


class Attachment(XapiModel):
    usageType: Iri
    display: LanguageMap
    description: LanguageMap | None = None
    contentType: MediaType
    length: Annotated[int, Field(ge=0)]
    sha2: Sha2
    fileUrl: Irl | None = None


class Context103(XapiModel):
    registration: Uuid | None = None
    instructor: Actor | None = None
    team: Group | None = None
    contextActivities: ContextActivities | None = None
    revision: str | None = None
    platform: str | None = None
    language: LanguageTag | None = None
    statement: StatementRef | None = None
    extensions: Extensions | None = None


RelevantTypes = Annotated[list[Iri], Field(min_length=1)]


class ContextAgent(XapiModel):
    objectType: Literal["contextAgent"]
    agent: Agent
    relevantTypes: RelevantTypes | None = None


class ContextGroup(XapiModel):
    objectType: Literal["contextGroup"]
    group: Group
    relevantTypes: RelevantTypes | None = None


class Context20(Context103):
    contextAgents: list[ContextAgent] | None = None
    contextGroups: list[ContextGroup] | None = None


def _context_problems(statement: Any) -> list[tuple[str, str]]:
    """Rules that tie a (Sub)Statement's parts together."""
    problems = []
    if statement.context is not None and not isinstance(statement.object, Activity):
        # Data §2.4.6.s4 (XAPI-00089, XAPI-00090): revision and platform only describe Activities.
        for name in ("revision", "platform"):
            if getattr(statement.context, name) is not None:
                problems.append(
                    (f"context.{name}", "is only allowed when the object is an Activity")
                )
    return problems


def object_tag(value: object) -> str | None:
    if not isinstance(value, dict):
        return None
    kind = value.get("objectType")
    if kind is None:
        # Data §2.4.4.2.s1.b1 (XAPI-00065): an Agent or Group object MUST name its objectType.
        return None if "id" not in value and (ifis_of(value) or "member" in value) else "<Activity>"
    if kind == "Agent":
        return agent_tag(value)
    if kind == "Group":
        return group_tag(value)
    return f"<{kind}>" if kind in ("Activity", "StatementRef", "SubStatement") else None


def sub_object_tag(value: object) -> str | None:
    # Data §2.4.4.3.s8.b4 (XAPI-00071): a SubStatement MUST NOT contain a SubStatement.
    tag = object_tag(value)
    return None if tag == "<SubStatement>" else tag


def _union_error(kind: str) -> dict[str, Any]:
    return {
        "custom_error_type": f"xapi_union:{kind}",
        "custom_error_message": kind,
    }


# Plain unions flatten, so each discriminated union below lists every model once, tagged.
SubObjectVariant = (
    Annotated[Activity, Tag("<Activity>")]
    | AgentVariant
    | GroupVariant
    | Annotated[StatementRef, Tag("<StatementRef>")]
)
SubObject = Annotated[SubObjectVariant, Discriminator(sub_object_tag, **_union_error("sub_object"))]


class _SubStatement(XapiModel):
    """Data §2.4.4.3: id, stored, version and authority are not allowed (XAPI-00067..00070)."""

    objectType: Literal["SubStatement"]
    actor: Actor
    verb: Verb
    object: SubObject
    result: Result | None = None
    context: Any = None
    timestamp: Timestamp | None = None
    attachments: list[Attachment] | None = None

    @model_validator(mode="after")
    def _check_context(self) -> Self:
        problems = _context_problems(self)
        if problems:
            raise xapi_errors(problems)
        return self


class SubStatement103(_SubStatement):
    context: Context103 | None = None


class SubStatement20(_SubStatement):
    context: Context20 | None = None


Object103 = Annotated[
    SubObjectVariant | Annotated[SubStatement103, Tag("<SubStatement>")],
    Discriminator(object_tag, **_union_error("object")),
]
Object20 = Annotated[
    SubObjectVariant | Annotated[SubStatement20, Tag("<SubStatement>")],
    Discriminator(object_tag, **_union_error("object")),
]


class _Statement(XapiModel):
    # id, stored, authority, version and timestamp are set by the LRS when missing; a sender
    # may carry them (cmi5 samples, statements copied from another LRS) and they must be valid.
    id: Uuid | None = None
    actor: Actor
    verb: Verb
    object: Any
    result: Result | None = None
    context: Any = None
    timestamp: Timestamp | None = None
    stored: Timestamp | None = None
    authority: Authority | None = None
    version: Any = None
    attachments: list[Attachment] | None = None

    @model_validator(mode="after")
    def _check_statement(self) -> Self:
        problems = _context_problems(self)
        if self.verb.id == VOIDED and not isinstance(self.object, StatementRef):
            # Data §2.3.2.s2.b1 (XAPI-00017, XAPI-00020).
            problems.append(("object", "a voiding statement's object must be a StatementRef"))
        if problems:
            raise xapi_errors(problems)
        return self


class Statement103(_Statement):
    object: Object103
    context: Context103 | None = None
    version: Version103 | None = None


class Statement20(_Statement):
    object: Object20
    context: Context20 | None = None
    version: Version20 | None = None
