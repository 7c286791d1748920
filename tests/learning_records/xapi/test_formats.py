"""The format parameter: exact, ids, canonical (xAPI 1.0.3 Communication §2.1.3, §2.1.3.s4)."""

import copy
from typing import Any

import pytest

from learning_records.xapi.formats import choose_language, format_statement, parse_accept_language
from tests.learning_records.xapi.checks import accepted
from tests.xapi_samples import (
    REMOVE,
    make_activity,
    make_agent,
    make_anonymous_group,
    make_attachment,
    make_context,
    make_full_statement,
    make_group,
    make_interaction,
    make_statement,
    make_substatement,
)

DISPLAY = {"en-US": "attended", "en-GB": "attended (GB)", "fi-FI": "osallistui"}


def _stored(**overrides: Any) -> dict[str, Any]:
    return accepted(make_full_statement(**overrides))


def test_it_returns_exact_as_stored() -> None:
    """XAPI-00170: "exact" returns the objects as they were received."""
    statement = _stored()
    assert format_statement(statement, fmt="exact") == statement


def test_it_refuses_an_unknown_format() -> None:
    with pytest.raises(ValueError, match="format must be one of exact, ids, canonical"):
        format_statement(_stored(), fmt="short")


def test_it_keeps_only_identifiers_in_ids() -> None:
    """XAPI-00171: Agents and Groups keep objectType and IFI, Activities and Verbs their id."""
    substatement = make_substatement(actor=make_group(), object=make_activity())
    statement = _stored(object=substatement, context=make_context(platform=REMOVE))
    ids = format_statement(statement, fmt="ids")
    assert ids["actor"] == {"objectType": "Agent", "mbox": "mailto:aino@example.fi"}
    assert ids["verb"] == {"id": "http://adlnet.gov/expapi/verbs/completed"}
    assert ids["object"]["actor"] == {"objectType": "Group", "mbox": "mailto:cohort-7@example.fi"}
    assert ids["object"]["object"] == {"id": "https://lms.example.fi/course/battery-101/module/3"}
    assert ids["object"]["verb"] == {"id": "http://adlnet.gov/expapi/verbs/attempted"}
    assert ids["authority"] == {"objectType": "Agent", "mbox": "mailto:lms@example.fi"}
    assert ids["context"]["instructor"] == {
        "objectType": "Agent",
        "mbox": "mailto:opettaja@example.fi",
    }
    assert ids["context"]["contextActivities"] == {
        "parent": [{"id": "https://lms.example.fi/course/battery-101"}],
        "grouping": [{"id": "https://lms.example.fi/pathway/cells"}],
    }
    assert ids["result"] == statement["result"]
    assert ids["attachments"] == statement["attachments"]


def test_it_keeps_the_identified_members_of_an_anonymous_group_in_ids() -> None:
    """Communication §2.1.3 row12: "For Anonymous Groups ... identify each member"."""
    statement = _stored(
        actor=make_anonymous_group(name="Pair"), context={"team": make_anonymous_group()}
    )
    ids = format_statement(statement, fmt="ids")
    members = [
        {"objectType": "Agent", "mbox": "mailto:aino@example.fi"},
        {"objectType": "Agent", "mbox": "mailto:eero@example.fi"},
    ]
    assert ids["actor"] == {"objectType": "Group", "member": members}
    assert ids["context"]["team"] == {"objectType": "Group", "member": members}


def test_it_keeps_a_statement_ref_whole_in_ids() -> None:
    target = {"objectType": "StatementRef", "id": "8f87ccde-bb56-4c2e-ab83-44982ef22df0"}
    statement = accepted(make_statement(object=target))
    assert format_statement(statement, fmt="ids")["object"] == target


def test_it_keeps_one_language_per_map_in_canonical() -> None:
    """XAPI-00169, §2.1.3.s4: Activities and Verbs with one language, Agents as received."""
    activity = make_interaction(
        "choice", definition={**make_interaction("choice")["definition"], "name": DISPLAY}
    )
    statement = _stored(
        verb={"id": "http://adlnet.gov/expapi/verbs/attended", "display": DISPLAY},
        object=activity,
        context={
            "contextActivities": {
                "category": [make_activity(definition={"name": DISPLAY, "description": DISPLAY})]
            }
        },
        attachments=[make_attachment(display=DISPLAY, description=DISPLAY)],
    )
    canonical = format_statement(statement, fmt="canonical", languages=["en-GB"])
    assert canonical["verb"] == {
        "id": "http://adlnet.gov/expapi/verbs/attended",
        "display": {"en-GB": "attended (GB)"},
    }
    assert canonical["object"]["definition"]["name"] == {"en-GB": "attended (GB)"}
    assert canonical["object"]["definition"]["choices"][0]["description"] == {"en-US": "graphite"}
    assert canonical["object"]["definition"]["correctResponsesPattern"] == ["graphite"]
    category = canonical["context"]["contextActivities"]["category"][0]["definition"]
    assert category == {
        "name": {"en-GB": "attended (GB)"},
        "description": {"en-GB": "attended (GB)"},
    }
    assert canonical["attachments"][0]["display"] == {"en-GB": "attended (GB)"}
    assert canonical["actor"] == statement["actor"]


def test_it_reduces_the_maps_inside_a_substatement_in_canonical() -> None:
    substatement = make_substatement(verb={"id": "http://x.fi/v", "display": DISPLAY})
    statement = accepted(make_statement(object=substatement))
    canonical = format_statement(statement, fmt="canonical", languages=["fi"])
    assert canonical["object"]["verb"]["display"] == {"fi-FI": "osallistui"}
    assert canonical["object"]["object"]["definition"]["name"] == {"fi-FI": "Kennokemia"}


@pytest.mark.parametrize("fmt", ["exact", "ids", "canonical"])
def test_it_leaves_the_stored_statement_untouched(fmt: str) -> None:
    statement = _stored(
        object=make_substatement(actor=make_group()), context=make_context(platform=REMOVE)
    )
    before = copy.deepcopy(statement)
    format_statement(statement, fmt=fmt, languages=["fi"])
    assert statement == before


@pytest.mark.parametrize(
    ("languages", "chosen"),
    [
        (["en-GB"], "en-GB"),
        (["fi", "en-US"], "fi-FI"),
        (["sv", "en-us"], "en-US"),
        (["en"], "en-US"),
        (["en-AU"], "en-US"),
        (["sv"], "en-US"),
        (["*"], "en-US"),
        ([], "en-US"),
    ],
)
def test_it_chooses_the_language_the_reader_prefers(languages: list[str], chosen: str) -> None:
    """RFC 2616 §14.4 matching, then RFC 4647 §3.4 lookup fallback ("en-AU" finds "en-US"),
    then the map's first entry."""
    assert choose_language(list(DISPLAY), languages) == chosen


def test_it_falls_back_to_und_before_the_first_entry() -> None:
    assert choose_language(["de", "und"], ["sv"]) == "und"


def test_it_chooses_nothing_from_an_empty_map() -> None:
    assert choose_language([], ["fi"]) is None


@pytest.mark.parametrize(
    ("header", "ranges"),
    [
        (None, []),
        ("", []),
        ("fi", ["fi"]),
        ("fi-FI, en;q=0.8, sv;q=0.9", ["fi-FI", "sv", "en"]),
        ("en;q=0.5, fi;q=0.5, sv", ["sv", "en", "fi"]),
        ("de;q=0, en", ["en"]),
        ("*;q=0.1, fi", ["fi", "*"]),
        ("en;q=2, fi;q=abc, sv_SE, ;q=1, fi-FI", ["fi-FI"]),
        ("EN-gb ; q = 0.7", ["EN-gb"]),
    ],
)
def test_it_orders_accept_language_ranges_by_quality(header: str | None, ranges: list[str]) -> None:
    """RFC 7231 §5.3.5: q=0 means "not acceptable"; malformed entries are ignored."""
    assert parse_accept_language(header) == ranges


def test_it_keeps_an_agent_name_out_of_ids() -> None:
    statement = accepted(make_statement(actor=make_agent(name="Aino")))
    assert "name" not in format_statement(statement, fmt="ids")["actor"]
