"""Agents, Groups, Inverse Functional Identifiers and authority (xAPI 1.0.3 Data §2.4.2, §2.4.9).

The ADL conformance configs (actors.js, agents.js, groups.js, ifis.js, accountobjects.js,
authorities.js) check each rule wherever an Agent or Group may stand; so do these tables.
"""

from collections.abc import Callable
from typing import Any

import pytest

from learning_records.xapi.agents import EXACTLY_ONE_IFI
from learning_records.xapi.versions import XapiVersion
from tests.learning_records.xapi.checks import refusals
from tests.xapi_samples import (
    REMOVE,
    SHA1,
    make_agent,
    make_anonymous_group,
    make_group,
    make_statement,
    make_substatement,
)

Builder = Callable[[dict[str, Any]], dict[str, Any]]

AGENT_POSITIONS: dict[str, Builder] = {
    "actor": lambda agent: make_statement(actor=agent),
    "authority": lambda agent: make_statement(authority=agent),
    "context.instructor": lambda agent: make_statement(context={"instructor": agent}),
    "object": lambda agent: make_statement(object=agent),
    "object.actor": lambda agent: make_statement(object=make_substatement(actor=agent)),
    "object.object": lambda agent: make_statement(object=make_substatement(object=agent)),
    "object.context.instructor": lambda agent: make_statement(
        object=make_substatement(context={"instructor": agent})
    ),
    "actor.member[0]": lambda agent: make_statement(actor=make_anonymous_group(member=[agent])),
    "context.team.member[1]": lambda agent: make_statement(
        context={"team": make_group(member=[make_agent(), agent])}
    ),
}
GROUP_POSITIONS: dict[str, Builder] = {
    "actor": lambda group: make_statement(actor=group),
    "context.instructor": lambda group: make_statement(context={"instructor": group}),
    "context.team": lambda group: make_statement(context={"team": group}),
    "object": lambda group: make_statement(object=group),
    "object.actor": lambda group: make_statement(object=make_substatement(actor=group)),
    "object.object": lambda group: make_statement(object=make_substatement(object=group)),
    "object.context.team": lambda group: make_statement(
        object=make_substatement(context={"team": group})
    ),
}
ACCOUNT = {"homePage": "https://lms.example.fi", "name": "1625378"}
IFI_VALUES = {
    "mbox": "mailto:aino@example.fi",
    "mbox_sha1sum": SHA1,
    "openid": "https://openid.example.fi/aino",
    "account": ACCOUNT,
}
MBOX_RULE = 'must be a "mailto:" IRI with an e-mail address (Data §2.4.2.3)'
IRL_RULE = "must be an IRL (a locatable IRI with a scheme, e.g. https://...)"


def _positions(table: dict[str, Builder]) -> Any:
    return pytest.mark.parametrize(("position", "build"), list(table.items()), ids=list(table))


def _agent_with(ifi: str) -> dict[str, Any]:
    return {"objectType": "Agent", "name": "Aino", ifi: IFI_VALUES[ifi]}


@_positions(AGENT_POSITIONS)
@pytest.mark.parametrize("ifi", list(IFI_VALUES))
def test_it_accepts_an_agent_identified_by_any_one_ifi(
    position: str, build: Builder, ifi: str
) -> None:
    """XAPI-00034: an Agent uses one of mbox, mbox_sha1sum, openid, account."""
    assert refusals(build(_agent_with(ifi))) == []


@_positions(AGENT_POSITIONS)
@pytest.mark.parametrize(
    "extra_ifi", ["mbox_sha1sum", "openid", "account"], ids=lambda ifi: f"mbox+{ifi}"
)
def test_it_refuses_an_agent_with_two_ifis(position: str, build: Builder, extra_ifi: str) -> None:
    """XAPI-00034 (Data §2.4.2.1.s2.b2): an Agent MUST NOT include more than one IFI."""
    agent = {**_agent_with("mbox"), extra_ifi: IFI_VALUES[extra_ifi]}
    assert refusals(build(agent)) == [f"statement.{position}: {EXACTLY_ONE_IFI}"]


@_positions(AGENT_POSITIONS)
def test_it_refuses_an_agent_without_an_ifi(position: str, build: Builder) -> None:
    """XAPI-00034 (Data §2.4.2.1.s2.b1): an Agent MUST be identified by one IFI."""
    assert refusals(build({"objectType": "Agent", "name": "Aino"})) == [
        f"statement.{position}: {EXACTLY_ONE_IFI}"
    ]


@_positions(AGENT_POSITIONS)
@pytest.mark.parametrize(
    ("patch", "subpath", "rule"),
    [
        pytest.param({"mbox": "http://should.fail.com"}, "mbox", MBOX_RULE, id="mbox-not-mailto"),
        pytest.param({"mbox": "mailto:should.fail.com"}, "mbox", MBOX_RULE, id="mbox-no-at"),
        pytest.param({"mbox": "stu@dent.de"}, "mbox", MBOX_RULE, id="mbox-no-scheme"),
        pytest.param({"mbox": ""}, "mbox", MBOX_RULE, id="mbox-empty"),
        pytest.param({"name": 123}, "name", "must be a string", id="name-numeric"),
        pytest.param({"name": {"key": "v"}}, "name", "must be a string", id="name-object"),
        pytest.param(
            {"unknown": "x"},
            "unknown",
            "is not a property xAPI defines here (property names are case-sensitive)",
            id="extra-property",
        ),
        pytest.param(
            {"Mbox": "mailto:a@b.fi"},
            "Mbox",
            "is not a property xAPI defines here (property names are case-sensitive)",
            id="key-case",
        ),
    ],
)
def test_it_refuses_a_malformed_agent_property(
    position: str, build: Builder, patch: dict[str, Any], subpath: str, rule: str
) -> None:
    """XAPI-00033 (name is a String), XAPI-00038 (mbox is "mailto:email address"),
    Data §2.2.s4.b1.b5 (key case)."""
    assert refusals(build({**make_agent(), **patch})) == [f"statement.{position}.{subpath}: {rule}"]


@_positions(AGENT_POSITIONS)
@pytest.mark.parametrize(
    ("ifi", "value", "rule"),
    [
        pytest.param("mbox_sha1sum", 12345, "must be a string", id="sha1-numeric"),
        pytest.param(
            "mbox_sha1sum",
            "not-a-sha1",
            "must be the hex-encoded SHA-1 of a mailto IRI (Data §2.4.2.3)",
            id="sha1-not-hex",
        ),
        pytest.param(
            "openid", "ab=c://should.fail.com", "must be a URI with a scheme", id="openid"
        ),
        pytest.param(
            "openid", "openid.example.fi/aino", "must be a URI with a scheme", id="openid-no-scheme"
        ),
    ],
)
def test_it_refuses_a_malformed_ifi(
    position: str, build: Builder, ifi: str, value: Any, rule: str
) -> None:
    """XAPI-00039 (mbox_sha1sum is a String), XAPI-00040 (openid is a URI)."""
    agent = {"objectType": "Agent", ifi: value}
    assert refusals(build(agent)) == [f"statement.{position}.{ifi}: {rule}"]


@_positions(AGENT_POSITIONS)
@pytest.mark.parametrize(
    ("account", "subpath", "rule"),
    [
        pytest.param({"name": "1"}, "homePage", "is required", id="no-homePage"),
        pytest.param(
            {**ACCOUNT, "homePage": "ab=c://should.fail.com"},
            "homePage",
            IRL_RULE,
            id="homePage-not-IRL",
        ),
        pytest.param(
            {**ACCOUNT, "homePage": "lms.example.fi"}, "homePage", IRL_RULE, id="homePage-no-scheme"
        ),
        pytest.param({"homePage": "https://lms.example.fi"}, "name", "is required", id="no-name"),
        pytest.param(
            {**ACCOUNT, "name": {"key": "invalid"}}, "name", "must be a string", id="name-object"
        ),
        pytest.param({**ACCOUNT, "name": ""}, "name", "must not be empty", id="name-empty"),
    ],
)
def test_it_refuses_a_malformed_account(
    position: str, build: Builder, account: dict[str, Any], subpath: str, rule: str
) -> None:
    """XAPI-00042 (homePage is a required IRL), XAPI-00043 (name is a required String)."""
    agent = {"objectType": "Agent", "account": account}
    assert refusals(build(agent)) == [f"statement.{position}.account.{subpath}: {rule}"]


@pytest.mark.parametrize(
    ("position", "rule"),
    [
        ("actor", 'must be "Agent" or "Group"'),
        ("authority", 'must be "Agent" or "Group"'),
        ("context.instructor", 'must be "Agent" or "Group"'),
        ("object.actor", 'must be "Agent" or "Group"'),
        ("object.context.instructor", 'must be "Agent" or "Group"'),
        ("actor.member[0]", 'must be "Agent"'),
        ("object", 'must be one of "Activity", "Agent", "Group", "StatementRef", "SubStatement"'),
        (
            "object.object",
            'must be one of "Activity", "Agent", "Group", "StatementRef", "SubStatement"',
        ),
    ],
)
@pytest.mark.parametrize("object_type", ["agent", "group", "AGENT", 123, {"key": "value"}])
def test_it_refuses_an_unknown_actor_object_type(
    position: str, rule: str, object_type: Any
) -> None:
    """XAPI-00031 ("Agent" or "Group", case-sensitive: Data §2.2.s4.b1.b6), XAPI-00032."""
    statement = AGENT_POSITIONS[position](make_agent(objectType=object_type))
    assert refusals(statement) == [f"statement.{position}.objectType: {rule}"]


@pytest.mark.parametrize("position", ["actor", "authority", "context.instructor", "object.actor"])
def test_it_accepts_an_agent_without_object_type(position: str) -> None:
    """XAPI-00034: objectType is optional, except when the Agent is the object."""
    assert refusals(AGENT_POSITIONS[position](make_agent(objectType=REMOVE))) == []


@pytest.mark.parametrize("position", ["object", "object.object"])
@pytest.mark.parametrize(
    "who", [make_agent(objectType=REMOVE), make_group(objectType=REMOVE)], ids=["agent", "group"]
)
def test_it_refuses_an_agent_or_group_object_without_object_type(position: str, who: Any) -> None:
    """XAPI-00065 (Data §2.4.4.2.s1.b1): an Agent or Group object MUST name its objectType."""
    statement = AGENT_POSITIONS[position](who)
    assert refusals(statement) == [
        f"statement.{position}.objectType: is required when the object is an Agent or a Group "
        "(Data §2.4.4.2)"
    ]


@_positions(GROUP_POSITIONS)
@pytest.mark.parametrize("ifi", list(IFI_VALUES))
def test_it_accepts_an_identified_group_with_any_one_ifi(
    position: str, build: Builder, ifi: str
) -> None:
    """XAPI-00036, XAPI-00037: an Identified Group uses exactly one IFI; members optional."""
    group = {"objectType": "Group", "name": "Cohort", ifi: IFI_VALUES[ifi]}
    assert refusals(build(group)) == []
    assert refusals(build({**group, "member": [make_agent()]})) == []


@_positions(GROUP_POSITIONS)
def test_it_accepts_an_anonymous_group(position: str, build: Builder) -> None:
    """Data §2.4.2.2: an Anonymous Group is a Group with members and no IFI."""
    assert refusals(build(make_anonymous_group())) == []


@_positions(GROUP_POSITIONS)
@pytest.mark.parametrize(
    ("patch", "subpath", "rule"),
    [
        pytest.param({"member": REMOVE}, "member", "is required", id="no-member"),
        pytest.param({"member": []}, "member", "must have at least 1 item(s)", id="empty-member"),
        pytest.param({"member": make_agent()}, "member", "must be an array", id="member-not-array"),
        pytest.param({"member": "agent"}, "member", "must be an array", id="member-string"),
        pytest.param(
            {"member": [make_group()]}, "member[0].objectType", 'must be "Agent"', id="group-member"
        ),
        pytest.param({"member": [{"name": "x"}]}, "member[0]", EXACTLY_ONE_IFI, id="member-no-ifi"),
    ],
)
def test_it_refuses_an_anonymous_group_without_proper_members(
    position: str, build: Builder, patch: dict[str, Any], subpath: str, rule: str
) -> None:
    """XAPI-00035 (member is required), XAPI-00036 (an array of Agents, Data §2.4.2.2.s4)."""
    assert refusals(build(make_anonymous_group(**patch))) == [
        f"statement.{position}.{subpath}: {rule}"
    ]


@_positions(GROUP_POSITIONS)
@pytest.mark.parametrize(
    "ifis", [("mbox", "account"), ("mbox_sha1sum", "openid"), ("openid", "account")]
)
def test_it_refuses_a_group_with_two_ifis(
    position: str, build: Builder, ifis: tuple[str, str]
) -> None:
    """XAPI-00037 (Data §2.4.2.2.s5.b1): an Identified Group has exactly one IFI."""
    group = {"objectType": "Group", **{ifi: IFI_VALUES[ifi] for ifi in ifis}}
    assert refusals(build(group)) == [f"statement.{position}: {EXACTLY_ONE_IFI}"]


@pytest.mark.parametrize(
    ("team", "rule"),
    [
        (make_agent(), 'must be "Group"'),
        (make_agent(objectType=REMOVE), 'is required and must be "Group"'),
        (make_group(objectType=REMOVE), 'is required and must be "Group"'),
    ],
)
def test_it_refuses_a_team_that_is_not_a_group(team: dict[str, Any], rule: str) -> None:
    """XAPI-00088 (Data §2.4.6): context.team is a Group."""
    assert refusals(make_statement(context={"team": team})) == [
        f"statement.context.team.objectType: {rule}"
    ]


@pytest.mark.parametrize(
    "authority",
    [make_agent(), make_anonymous_group()],
    ids=["agent", "oauth-pair"],
)
def test_it_accepts_an_agent_or_a_two_member_anonymous_group_as_authority(authority: Any) -> None:
    """XAPI-00024, XAPI-00098 (Data §2.4.9): an Agent, or the OAuth consumer and user."""
    assert refusals(make_statement(authority=authority)) == []


@pytest.mark.parametrize("ifi", list(IFI_VALUES))
def test_it_refuses_an_identified_group_as_authority(ifi: str) -> None:
    """XAPI-00024, XAPI-00100: an authority Group is an anonymous pair."""
    group = {
        "objectType": "Group",
        ifi: IFI_VALUES[ifi],
        "member": make_anonymous_group()["member"],
    }
    assert refusals(make_statement(authority=group)) == [
        "statement.authority: must be an Agent or an anonymous Group of two Agents (Data §2.4.9)"
    ]


@pytest.mark.parametrize("count", [1, 3])
def test_it_refuses_an_authority_group_without_exactly_two_members(count: int) -> None:
    """XAPI-00098 (Data §2.4.9.s3.b1): an OAuth authority Group has exactly two Agents."""
    members = [make_agent(mbox=f"mailto:member{index}@example.fi") for index in range(count)]
    assert refusals(make_statement(authority=make_anonymous_group(member=members))) == [
        "statement.authority.member: an authority Group must have exactly two members, "
        "the OAuth consumer and the user (Data §2.4.9)"
    ]


def test_it_accepts_context_agents_and_groups_in_2_0() -> None:
    """ADL v2_0 contextagents.js, contextgroups.js."""
    context = {
        "contextAgents": [
            {
                "objectType": "contextAgent",
                "agent": make_agent(),
                "relevantTypes": ["https://x.fi/t"],
            }
        ],
        "contextGroups": [{"objectType": "contextGroup", "group": make_anonymous_group()}],
    }
    assert refusals(make_statement(context=context), XapiVersion.V2_0_0) == []


@pytest.mark.parametrize(
    ("patch", "subpath", "rule"),
    [
        ({"objectType": "Should fail"}, "objectType", 'must be "contextAgent"'),
        ({"agent": {"key": "Should fail"}}, "agent", EXACTLY_ONE_IFI),
        ({"agent": make_group()}, "agent.objectType", 'must be "Agent"'),
        ({"relevantTypes": []}, "relevantTypes", "must have at least 1 item(s)"),
        (
            {"relevantTypes": ["abc"]},
            "relevantTypes[0]",
            "must be an IRI with a scheme, e.g. https://... (Data §4.3)",
        ),
    ],
)
def test_it_refuses_a_malformed_context_agent(
    patch: dict[str, Any], subpath: str, rule: str
) -> None:
    """ADL v2_0 contextagents.js: objectType "contextAgent", a valid Agent, IRI relevantTypes."""
    context_agent = {"objectType": "contextAgent", "agent": make_agent(), **patch}
    statement = make_statement(context={"contextAgents": [context_agent]})
    assert refusals(statement, XapiVersion.V2_0_0) == [
        f"statement.context.contextAgents[0].{subpath}: {rule}"
    ]


@pytest.mark.parametrize(
    ("patch", "subpath", "rule"),
    [
        ({"objectType": "contextAgent"}, "objectType", 'must be "contextGroup"'),
        ({"group": make_agent()}, "group.objectType", 'must be "Group"'),
        ({"relevantTypes": []}, "relevantTypes", "must have at least 1 item(s)"),
    ],
)
def test_it_refuses_a_malformed_context_group(
    patch: dict[str, Any], subpath: str, rule: str
) -> None:
    """ADL v2_0 contextgroups.js: objectType "contextGroup", a valid Group, IRI relevantTypes."""
    context_group = {"objectType": "contextGroup", "group": make_group(), **patch}
    statement = make_statement(context={"contextGroups": [context_group]})
    assert refusals(statement, XapiVersion.V2_0_0) == [
        f"statement.context.contextGroups[0].{subpath}: {rule}"
    ]
