"""Result, Score and Duration (xAPI 1.0.3 Data §2.4.5, §4.6); ADL results.js, scores.js,
durations.js."""

from typing import Any

import pytest

from tests.learning_records.xapi.checks import refusals
from tests.xapi_samples import make_result, make_statement, make_substatement, patched

DURATION_RULE = "must be an ISO 8601 duration, e.g. PT1H30M5.25S (Data §4.6)"
WHERE = pytest.mark.parametrize("where", ["result", "object.result"])


def _with_result(where: str, result: dict[str, Any]) -> dict[str, Any]:
    if where == "result":
        return make_statement(result=result)
    return make_statement(object=make_substatement(result=result))


@WHERE
@pytest.mark.parametrize(
    "result",
    [
        make_result(),
        {},
        {"response": ""},
        {"score": {"scaled": 0.6767676}},
        {"score": {"scaled": 1.0}},
        {"score": {"scaled": -1.0}},
        {"score": {"raw": 100.6767676, "min": -5, "max": 100.6767676}},
        {"score": {"raw": -3}},
        {"score": {"min": 0.1, "max": 0.2}},
        {"extensions": {"http://example.com/ex": None, "http://example.com/empty": ""}},
    ],
    ids=[
        "full",
        "empty",
        "empty-response",
        "scaled",
        "scaled-1",
        "scaled-minus-1",
        "raw-at-max",
        "raw-alone",
        "min-max",
        "extension-null",
    ],
)
def test_it_accepts_a_result(where: str, result: dict[str, Any]) -> None:
    """XAPI-00074..00083, XAPI-00119 (an extension value may be null or empty)."""
    assert refusals(_with_result(where, result)) == []


@WHERE
@pytest.mark.parametrize(
    ("path", "value", "subpath", "rule"),
    [
        pytest.param(
            "success",
            "true",
            "success",
            "must be true or false (a JSON boolean)",
            id="success-string",
        ),
        pytest.param(
            "success", 1, "success", "must be true or false (a JSON boolean)", id="success-number"
        ),
        pytest.param(
            "completion",
            "false",
            "completion",
            "must be true or false (a JSON boolean)",
            id="completion-string",
        ),
        pytest.param("response", 12345, "response", "must be a string", id="response-numeric"),
        pytest.param("response", {"a": 1}, "response", "must be a string", id="response-object"),
        pytest.param(
            "extensions", 12345, "extensions", "must be a JSON object", id="extensions-numeric"
        ),
        pytest.param(
            "extensions",
            "should fail",
            "extensions",
            "must be a JSON object",
            id="extensions-string",
        ),
        pytest.param("score", 12345, "score", "must be a JSON object", id="score-numeric"),
        pytest.param("score", "should fail", "score", "must be a JSON object", id="score-string"),
        pytest.param(
            "score.scaled", 1.01, "score.scaled", "must be at most 1.0", id="scaled-above-1"
        ),
        pytest.param(
            "score.scaled",
            -1.00001,
            "score.scaled",
            "must be at least -1.0",
            id="scaled-below-minus-1",
        ),
        pytest.param("score.scaled", "0.5", "score.scaled", "must be a number", id="scaled-string"),
        pytest.param(
            "score.raw",
            11,
            "score.raw",
            "must not be greater than max (Data §2.4.5.1)",
            id="raw-above-max",
        ),
        pytest.param(
            "score.raw",
            -1,
            "score.raw",
            "must not be less than min (Data §2.4.5.1)",
            id="raw-below-min",
        ),
        pytest.param("score.raw", True, "score.raw", "must be a number", id="raw-boolean"),
        pytest.param(
            "score.min",
            11,
            "score.min",
            "must be less than max (Data §2.4.5.1)",
            id="min-above-max",
        ),
        pytest.param("score.max", "10", "score.max", "must be a number", id="max-string"),
        pytest.param(
            "score.Raw",
            1,
            "score.Raw",
            "is not a property xAPI defines here (property names are case-sensitive)",
            id="key-case",
        ),
    ],
)
def test_it_refuses_a_malformed_result(
    where: str, path: str, value: Any, subpath: str, rule: str
) -> None:
    """XAPI-00074 (success), 00075 (completion), 00076 (response), 00078 (extensions),
    00079..00083 (score: scaled in [-1, 1], min < max, raw between them), Data §2.2.s4.b1.b2
    (no strings for numbers or booleans)."""
    result = patched(make_result(), path, value)
    assert refusals(_with_result(where, result)) == [f"statement.{where}.{subpath}: {rule}"]


@pytest.mark.parametrize(
    "duration",
    [
        "PT4H35M59.14S",
        "PT16559.14S",
        "P3Y1M29DT4H35M59.14S",
        "P3Y",
        "P4W",
        "PT0S",
        "P1DT12H36M0.12567S",
        "PT4.92S",
        "PT0H0M4S",
        "PT1,5S",
    ],
)
def test_it_accepts_an_iso_8601_duration(duration: str) -> None:
    """XAPI-00124 (Data §4.6): ISO 8601:2004 §4.4.3.2 durations; more precision than 0.01 s
    is not refused (Data §4.6.s1.b4, ADL v2_0 4.2.7)."""
    assert refusals(make_statement(result={"duration": duration})) == []


@pytest.mark.parametrize(
    "duration",
    ["PA1H0M0S", "P4W1D", "P", "PT", "P1DT", "1H", "PT1.S", "P0001-02-03T04:05:06", "pt1h", ""],
)
def test_it_refuses_a_duration_that_is_not_iso_8601(duration: str) -> None:
    """XAPI-00124, XAPI-00077: the alternative format (§4.4.3.3) MUST NOT be used."""
    assert refusals(make_statement(result={"duration": duration})) == [
        f"statement.result.duration: {DURATION_RULE}"
    ]


@pytest.mark.parametrize("duration", [12345, {"a": 1}])
def test_it_refuses_a_duration_that_is_not_a_string(duration: Any) -> None:
    assert refusals(make_statement(result={"duration": duration})) == [
        "statement.result.duration: must be a string"
    ]
