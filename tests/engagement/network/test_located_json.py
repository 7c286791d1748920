"""The JSON decoder that remembers lines (pure: no database)."""

import json

import pytest

from engagement.network.interchange.located_json import JsonProblem, loads_located

DOCUMENT = """{
  "people": [
    {"email": "a@example.fi",
     "roles": [{"kind": "learner"}]},
    {
      "email": "b@example.fi", "tags": [1, 2.5, null, true, "x\\ny"]
    }
  ],
  "empty": {}, "none": []
}"""


def test_it_decodes_as_the_standard_library_does():
    assert loads_located(DOCUMENT) == json.loads(DOCUMENT)


def test_it_records_the_line_of_each_object_key_and_list_item():
    document = loads_located(DOCUMENT)
    first, second = document["people"]

    assert document.key_lines == {"people": 2, "empty": 9, "none": 9}
    assert document["people"].item_lines == [3, 5]
    assert (first.line, first.key_lines) == (3, {"email": 3, "roles": 4})
    assert first["roles"][0].line == 4
    assert (second.line, second.key_lines) == (5, {"email": 6, "tags": 6})


@pytest.mark.parametrize(
    ("text", "line", "message"),
    [
        ('{\n"a": 1,\n}', 3, "Expecting property name"),
        ("[1, 2", 1, "Expecting ',' delimiter"),
        ("[Infinity]", 1, "Infinity is not valid JSON"),
        ('{"a": 1,\n "a": 2}', 2, "the key 'a' appears twice"),
        ("[" * 40 + "]" * 40, 1, "nests deeper than 32 levels"),
        ("", 1, "Expecting value"),
    ],
)
def test_it_refuses_what_is_not_strict_json_with_the_line(text, line, message):
    with pytest.raises(JsonProblem) as problem:
        loads_located(text)

    assert problem.value.line == line
    assert message in problem.value.message
