"""Compact JSON of statements: orjson's output, the standard library's where orjson refuses."""

import json
from pathlib import Path

import pytest

from learning_records.jsontext import json_bytes, json_text

REAL = Path(__file__).resolve().parents[3] / "shared" / "data" / "real-statements"


def standard(value):
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def real_statements():
    found = sorted(REAL.rglob("*.json"))
    return [json.loads(path.read_text()) for path in found] or [{"verb": {"id": "x"}}]


@pytest.mark.parametrize("document", real_statements())
def test_it_reads_back_as_the_same_document(document):
    assert json.loads(json_bytes(document)) == document
    assert json.loads(json_text(document)) == document


def test_non_ascii_text_is_written_as_utf8_not_escaped():
    document = {"name": {"fi-FI": "Akkukennon käsittely", "sv-SE": "Hantering av battericeller"}}

    assert json_text(document) == standard(document)
    assert json_bytes(document) == standard(document).encode()


def test_integers_beyond_64_bits_are_written_whole():
    document = {"extensions": {"http://example.org/big": 2**70, "http://example.org/neg": -(2**65)}}

    assert json.loads(json_text(document)) == document
    assert json_bytes(document) == standard(document).encode()


def test_a_lone_surrogate_becomes_a_json_escape():
    assert json_bytes({"message": "bad key \ud800"}) == b'{"message":"bad key \\ud800"}'
