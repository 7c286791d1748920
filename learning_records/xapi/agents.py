"""Agents and Groups (xAPI 1.0.3 Data §2.4.2): one model per Inverse Functional Identifier.

Each union picks its member with a callable discriminator that counts IFIs, so "exactly one
IFI" is a single error rather than a failure per union member. A discriminator returns None
when no member fits; validate.py then explains why from the input (see `union_problem`).
"""

from typing import Annotated, Any, Literal

from pydantic import AfterValidator, Discriminator, Field, Tag

from learning_records.xapi.base import XapiModel
from learning_records.xapi.fields import Irl, Mbox, NonEmpty, Sha1, Uri, xapi_error

IFIS = ("mbox", "mbox_sha1sum", "openid", "account")
EXACTLY_ONE_IFI = "exactly one of mbox, mbox_sha1sum, openid, account is required"


class Account(XapiModel):
    homePage: Irl
    name: NonEmpty


class _Agent(XapiModel):
    # Data §2.4.2.1: optional, except when the Agent is a Statement's object (see objects.py).
    objectType: Literal["Agent"] | None = None
    name: str | None = None


class AgentMbox(_Agent):
    mbox: Mbox


class AgentSha1(_Agent):
    mbox_sha1sum: Sha1


class AgentOpenid(_Agent):
    openid: Uri


class AgentAccount(_Agent):
    account: Account


def ifis_of(value: dict[str, Any]) -> list[str]:
    return [ifi for ifi in IFIS if ifi in value]


def agent_tag(value: object) -> str | None:
    if not isinstance(value, dict) or value.get("objectType", "Agent") != "Agent":
        return None
    found = ifis_of(value)
    return f"<Agent {found[0]}>" if len(found) == 1 else None


def group_tag(value: object) -> str | None:
    if not isinstance(value, dict) or value.get("objectType") != "Group":
        return None
    found = ifis_of(value)
    if not found:
        return "<Group>"
    return f"<Group {found[0]}>" if len(found) == 1 else None


def _union_error(kind: str) -> dict[str, Any]:
    # The message is rewritten by validate.py from the input; `kind` says which union failed.
    return {
        "custom_error_type": f"xapi_union:{kind}",
        "custom_error_message": kind,
    }


AgentVariant = (
    Annotated[AgentMbox, Tag("<Agent mbox>")]
    | Annotated[AgentSha1, Tag("<Agent mbox_sha1sum>")]
    | Annotated[AgentOpenid, Tag("<Agent openid>")]
    | Annotated[AgentAccount, Tag("<Agent account>")]
)
Agent = Annotated[AgentVariant, Discriminator(agent_tag, **_union_error("agent"))]


class _Group(XapiModel):
    objectType: Literal["Group"]
    name: str | None = None
    # Data §2.4.2.2.s4.b2 and s5.b2: members are Agents, never Groups.
    member: list[Agent] | None = None


class GroupAnonymous(_Group):
    # Data §2.4.2.2.s4.b1: an Anonymous Group MUST list its members.
    member: Annotated[list[Agent], Field(min_length=1)]


class GroupMbox(_Group):
    mbox: Mbox


class GroupSha1(_Group):
    mbox_sha1sum: Sha1


class GroupOpenid(_Group):
    openid: Uri


class GroupAccount(_Group):
    account: Account


IdentifiedGroupVariant = (
    Annotated[GroupMbox, Tag("<Group mbox>")]
    | Annotated[GroupSha1, Tag("<Group mbox_sha1sum>")]
    | Annotated[GroupOpenid, Tag("<Group openid>")]
    | Annotated[GroupAccount, Tag("<Group account>")]
)
GroupVariant = IdentifiedGroupVariant | Annotated[GroupAnonymous, Tag("<Group>")]
Group = Annotated[GroupVariant, Discriminator(group_tag, **_union_error("group"))]


def actor_tag(value: object) -> str | None:
    return group_tag(value) if _is_group(value) else agent_tag(value)


Actor = Annotated[AgentVariant | GroupVariant, Discriminator(actor_tag, **_union_error("actor"))]


def identified_tag(value: object) -> str | None:
    tag = actor_tag(value)
    return None if tag == "<Group>" else tag


# The statements query's agent parameter: an Agent or an Identified Group (Communication §2.1.3).
AgentOrIdentifiedGroup = Annotated[
    AgentVariant | IdentifiedGroupVariant,
    Discriminator(identified_tag, **_union_error("identified")),
]


def _two_members(members: list[Any]) -> list[Any]:
    if len(members) != 2:
        raise xapi_error(
            "an authority Group must have exactly two members, the OAuth consumer and the user "
            "(Data §2.4.9)"
        )
    return members


class AuthorityGroup(_Group):
    """Data §2.4.9.s3.b3: a Group authority is the anonymous pair of an OAuth consumer and user."""

    member: Annotated[list[Agent], AfterValidator(_two_members)]


def authority_tag(value: object) -> str | None:
    if not _is_group(value):
        return agent_tag(value)
    return "<Authority Group>" if group_tag(value) == "<Group>" else None


Authority = Annotated[
    AgentVariant | Annotated[AuthorityGroup, Tag("<Authority Group>")],
    Discriminator(authority_tag, **_union_error("authority")),
]


def _is_group(value: object) -> bool:
    return isinstance(value, dict) and value.get("objectType") == "Group"
