"""parse_agent: the statements query's agent parameter (Communication §2.1.3, Data §2.2.s4.b4)."""

from typing import Any

import pytest

from learning_records.xapi.agents import EXACTLY_ONE_IFI
from learning_records.xapi.errors import XapiValidationError
from learning_records.xapi.validate import parse_agent
from tests.xapi_samples import SHA1, make_agent, make_anonymous_group, make_group


@pytest.mark.parametrize(
    "agent",
    [
        make_agent(),
        {"mbox_sha1sum": SHA1},
        {"openid": "https://openid.example.fi/aino"},
        {"account": {"homePage": "https://lms.example.fi", "name": "42"}},
        make_group(),
        {"objectType": "Group", "account": {"homePage": "https://lms.example.fi", "name": "g"}},
    ],
)
def test_it_accepts_an_agent_or_identified_group(agent: dict[str, Any]) -> None:
    assert parse_agent(agent, param="agent") == agent


def _problems(document: Any, param: str = "agent") -> list[str]:
    with pytest.raises(XapiValidationError) as raised:
        parse_agent(document, param=param)
    return raised.value.errors


@pytest.mark.parametrize(
    ("document", "problem"),
    [
        ("wrong", "agent: must be a JSON object (an Agent or identified Group)"),
        ([make_agent()], "agent: must be a JSON object (an Agent or identified Group)"),
        ({"name": "Aino"}, f"agent: {EXACTLY_ONE_IFI}"),
        ({**make_agent(), "openid": "https://openid.example.fi/a"}, f"agent: {EXACTLY_ONE_IFI}"),
        (
            make_agent(mbox="aino@example.fi"),
            'agent.mbox: must be a "mailto:" IRI with an e-mail address (Data §2.4.2.3)',
        ),
        (make_agent(objectType="Person"), 'agent.objectType: must be "Agent" or "Group"'),
        (
            make_agent(name=None),
            "agent.name: must not be null (only extension values may be null, Data §2.2)",
        ),
        (
            make_anonymous_group(),
            "agent: must be an Agent or an identified Group (with one of mbox, mbox_sha1sum, ...)",
        ),
    ],
)
def test_it_refuses_anything_else_naming_the_parameter(document: Any, problem: str) -> None:
    """XAPI-00012: parameters are validated like the same values in statements."""
    assert _problems(document) == [problem]


def test_it_names_the_parameter_it_is_given() -> None:
    assert _problems({"name": "x"}, param="agent_filter") == [f"agent_filter: {EXACTLY_ONE_IFI}"]
