"""Canonical Activity definitions and Person objects (xAPI 1.0.3 Communication §2.4, §2.5)."""

from learning_records.xapi.definitions import (
    activity_definitions,
    activity_object,
    merge_definition,
    person_object,
)
from tests.xapi_samples import make_activity, make_statement, make_substatement


def test_it_finds_every_defined_activity_of_a_statement():
    parent = make_activity(id="https://x.example.fi/parent")
    grouping = {"id": "https://x.example.fi/grouping"}  # no definition: nothing to merge
    inner = make_activity(id="https://x.example.fi/inner")
    inner_context = make_activity(id="https://x.example.fi/inner-context")
    statement = make_statement(
        object=make_substatement(
            object=inner, context={"contextActivities": {"category": inner_context}}
        ),
        context={"contextActivities": {"parent": [parent], "grouping": [grouping]}},
    )

    found = dict(activity_definitions(statement))

    assert list(found) == [parent["id"], inner["id"], inner_context["id"]]


def test_it_merges_language_maps_and_extensions_key_by_key():
    merged = merge_definition(
        {"name": {"en": "Cells", "fi": "Kennot"}, "extensions": {"https://x.fi/a": 1}},
        {"name": {"en": "Battery cells"}, "extensions": {"https://x.fi/b": 2}},
    )

    assert merged == {
        "name": {"en": "Battery cells", "fi": "Kennot"},
        "extensions": {"https://x.fi/a": 1, "https://x.fi/b": 2},
    }


def test_a_newer_value_replaces_any_other_property():
    old = {"type": "https://x.fi/module", "moreInfo": "https://x.fi/1", "choices": [{"id": "a"}]}

    merged = merge_definition(old, {"type": "https://x.fi/lesson", "choices": [{"id": "b"}]})

    assert merged == {
        "type": "https://x.fi/lesson",
        "moreInfo": "https://x.fi/1",
        "choices": [{"id": "b"}],
    }


def test_a_new_interaction_type_drops_the_old_types_components():
    old = {
        "name": {"en": "Which anode?"},
        "interactionType": "choice",
        "choices": [{"id": "graphite"}],
        "correctResponsesPattern": ["graphite"],
    }

    merged = merge_definition(old, {"interactionType": "fill-in"})

    assert merged == {"name": {"en": "Which anode?"}, "interactionType": "fill-in"}


def test_an_activity_without_a_definition_is_its_id():
    assert activity_object("https://x.fi/a", None) == {
        "objectType": "Activity",
        "id": "https://x.fi/a",
    }
    assert activity_object("https://x.fi/a", {}) == {
        "objectType": "Activity",
        "id": "https://x.fi/a",
    }


def test_a_person_lists_names_once_the_agents_own_first():
    agent = {"objectType": "Agent", "name": "Aino", "mbox": "mailto:aino@example.fi"}

    found = person_object(agent, ["Aino V.", "Aino", "", "Aino V."])

    assert found == {
        "objectType": "Person",
        "name": ["Aino", "Aino V."],
        "mbox": ["mailto:aino@example.fi"],
    }
