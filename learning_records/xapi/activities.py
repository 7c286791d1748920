"""Activities and their definitions (xAPI 1.0.3 Data §2.4.4.1)."""

from typing import Annotated, Literal, Self

from pydantic import Discriminator, Tag, model_validator

from learning_records.xapi.base import XapiModel
from learning_records.xapi.fields import (
    Extensions,
    Iri,
    Irl,
    LanguageMap,
    NonEmpty,
    xapi_errors,
)

InteractionType = Literal[
    "true-false",
    "choice",
    "fill-in",
    "long-fill-in",
    "matching",
    "performance",
    "sequencing",
    "likert",
    "numeric",
    "other",
]
# Data §2.4.4.1.s15: which interaction component lists each interactionType uses.
COMPONENTS_BY_TYPE: dict[str, tuple[str, ...]] = {
    "choice": ("choices",),
    "sequencing": ("choices",),
    "likert": ("scale",),
    "matching": ("source", "target"),
    "performance": ("steps",),
}
COMPONENT_LISTS = ("choices", "scale", "source", "target", "steps")
_INTERACTION_PROPERTIES = frozenset(("correctResponsesPattern", *COMPONENT_LISTS))


class InteractionComponent(XapiModel):
    id: NonEmpty
    description: LanguageMap | None = None


class ActivityDefinition(XapiModel):
    name: LanguageMap | None = None
    description: LanguageMap | None = None
    type: Iri | None = None
    moreInfo: Irl | None = None
    interactionType: InteractionType | None = None
    # Response patterns are not parsed: their grammar (§2.4.4.1.s10) is a SHOULD for senders,
    # and H5P sends ["True"] for true-false.
    correctResponsesPattern: list[str] | None = None
    choices: list[InteractionComponent] | None = None
    scale: list[InteractionComponent] | None = None
    source: list[InteractionComponent] | None = None
    target: list[InteractionComponent] | None = None
    steps: list[InteractionComponent] | None = None
    extensions: Extensions | None = None

    @model_validator(mode="after")
    def _check_interaction(self) -> Self:
        present = _INTERACTION_PROPERTIES.intersection(self.model_fields_set)
        if not present:
            return self
        problems = _interaction_problems(self, present)
        if problems:
            raise xapi_errors(problems)
        return self


def _interaction_problems(
    definition: ActivityDefinition, present: frozenset[str]
) -> list[tuple[str, str]]:
    kind = definition.interactionType
    if kind is None:
        # XAPI-00064 (Data §2.4.4.1.s8): interaction properties need an interactionType.
        return [(name, "requires interactionType (Data §2.4.4.1)") for name in sorted(present)]
    allowed = COMPONENTS_BY_TYPE.get(kind, ())
    problems = [
        (name, f'is not used with interactionType "{kind}" (Data §2.4.4.1)')
        for name in COMPONENT_LISTS
        if name in present and name not in allowed
    ]
    for name in COMPONENT_LISTS:
        ids = [component.id for component in getattr(definition, name) or ()]
        if len(set(ids)) != len(ids):
            # Data §2.4.4.1.s16: the ids of one list of interaction components MUST differ.
            problems.append((name, "interaction component ids must be unique (Data §2.4.4.1)"))
    return problems


class Activity(XapiModel):
    objectType: Literal["Activity"] | None = None
    id: Iri
    definition: ActivityDefinition | None = None


def _activity_or_list_tag(value: object) -> str | None:
    if isinstance(value, dict):
        return "<Activity>"
    return "<Activity list>" if isinstance(value, list) else None


# Data §2.4.6.2: each contextActivities value is one Activity or an array of them.
ContextActivity = Annotated[
    Annotated[Activity, Tag("<Activity>")] | Annotated[list[Activity], Tag("<Activity list>")],
    Discriminator(
        _activity_or_list_tag,
        custom_error_type="xapi_union:context_activity",
        custom_error_message="context_activity",
    ),
]


class ContextActivities(XapiModel):
    parent: ContextActivity | None = None
    grouping: ContextActivity | None = None
    category: ContextActivity | None = None
    other: ContextActivity | None = None
