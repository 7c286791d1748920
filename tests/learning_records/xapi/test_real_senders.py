"""What real senders send: tests/data/real-statements (Moodle, Open edX, H5P, cmi5).

Each decision is documented in docs/xapi-conformance.md, "Real senders: decisions".
"""

import json
from pathlib import Path
from typing import Any

import pytest

from learning_records.xapi.versions import XapiVersion
from tests.learning_records.xapi.checks import accepted, refusals
from tests.xapi_samples import make_interaction, make_statement, patched

CORPUS = Path(__file__).resolve().parents[2] / "data" / "real-statements"

# quirk -> the one message it is refused with; every other statement must be accepted.
REFUSED = {
    "mbox-no-mailto": (
        'statement.actor.mbox: must be a "mailto:" IRI with an e-mail address (Data §2.4.2.3)'
    ),
    "activity-missing-id:object": "statement.object.id: is required",
}


def _corpus() -> list[Any]:
    cases = []
    for path in sorted(CORPUS.glob("*.json")):
        for index, entry in enumerate(json.loads(path.read_text())["statements"]):
            case_id = f"{path.stem}[{index}] {entry['why']}"
            cases.append(pytest.param(entry["statement"], entry["quirks"], id=case_id))
    return cases


def _sample(sender: str, quirk: str) -> dict[str, Any]:
    entries = json.loads((CORPUS / f"{sender}.json").read_text())["statements"]
    return next(entry["statement"] for entry in entries if quirk in entry["quirks"])


@pytest.mark.parametrize(("statement", "quirks"), _corpus())
@pytest.mark.parametrize("version", list(XapiVersion))
def test_it_accepts_or_refuses_each_real_statement_as_decided(
    statement: dict[str, Any], quirks: list[str], version: XapiVersion
) -> None:
    """Every statement the spec allows is accepted; spec-breaking quirks as decided."""
    expected = [REFUSED[quirk] for quirk in quirks if quirk in REFUSED]
    assert refusals(statement, version) == expected


def test_it_reads_an_open_edx_group_activity_as_an_activity() -> None:
    statement = accepted(_sample("openedx", "object-objectType-invalid:GroupActivity"))
    assert statement["object"]["objectType"] == "Activity"


def test_it_reads_a_group_activity_in_context_activities_as_an_activity() -> None:
    statement = accepted(_sample("openedx", "ctx.parent-objectType-invalid:GroupActivity"))
    assert statement["context"]["contextActivities"]["parent"][0]["objectType"] == "Activity"


def test_it_reads_an_h5p_compound_interaction_as_other() -> None:
    statement = accepted(_sample("h5p", "interactionType-invalid:compound"))
    assert statement["object"]["definition"]["interactionType"] == "other"
    assert statement["result"]["score"] == {"raw": 0, "min": 0, "max": 3, "scaled": 0}


def test_it_drops_a_zero_width_score_range_and_keeps_raw_and_scaled() -> None:
    statement = accepted(_sample("openedx", "score.min>=max"))
    assert statement["result"]["score"] == {"raw": 0.0, "scaled": 0.0}


def test_it_turns_a_bare_uuid_activity_id_into_a_urn() -> None:
    sample = _sample("openedx", "activity-id-not-IRI:438AD672-DE2C-4F0B-8876-35444E7DD746")
    grouping = accepted(sample)["context"]["contextActivities"]["grouping"][0]
    assert grouping["id"] == "urn:uuid:438ad672-de2c-4f0b-8876-35444e7dd746"


def test_it_keeps_an_empty_language_map_value() -> None:
    statement = accepted(_sample("openedx", "definition.description-empty-value"))
    assert statement["object"]["definition"]["description"] == {"en-US": ""}


def test_it_keeps_a_non_utc_timestamp_as_sent() -> None:
    sample = _sample("moodle_legacy_v4", "timestamp-non-UTC-offset")
    assert accepted(sample)["timestamp"] == "2015-06-10T22:31:41+08:00"


def test_it_changes_nothing_else_in_a_normalised_statement() -> None:
    """Only the quirk is rewritten: the rest of the statement is returned as sent."""
    sample = _sample("openedx", "object-objectType-invalid:GroupActivity")
    statement = accepted(sample)
    assert {**statement, "object": sample["object"]} == sample
    assert {**statement["object"], "objectType": "GroupActivity"} == sample["object"]


def test_it_leaves_the_senders_document_untouched() -> None:
    sample = _sample("h5p", "interactionType-invalid:compound")
    before = json.dumps(sample)
    accepted(sample)
    assert json.dumps(sample) == before


@pytest.mark.parametrize(
    ("path", "value"),
    [
        ("result", {"score": {"raw": 5, "min": 10, "max": 0}}),
        ("object.objectType", "groupActivity"),
        ("object.definition.interactionType", "Compound"),
    ],
    ids=["min above max", "lowercase GroupActivity", "capitalised compound"],
)
def test_it_normalises_only_the_exact_quirks(path: str, value: Any) -> None:
    """Near misses of a quirk are refused like any other invalid value."""
    statement = patched(make_statement(object=make_interaction("other")), path, value)
    assert refusals(statement) != []
