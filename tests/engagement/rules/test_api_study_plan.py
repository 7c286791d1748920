"""A learner's own study plan (/api/rules/study-plan/): one weekly goal, preferred times,
validated with messages that name the field; nobody reads or writes another's plan."""

import pytest

from engagement.rules.models import StudyPlan
from engagement.rules.services import study_plan_set
from tests.engagement.rules.api_fixtures import put, rules_urls, world

__all__ = ["rules_urls", "world"]  # fixtures

PATH = "/api/rules/study-plan/"
EVENINGS = [{"weekday": 0, "from": "18:00", "to": "20:00"}]


@pytest.mark.parametrize("who", ["aino", "teacher", "other_teacher", "employer", "admin"])
def test_everyone_with_a_person_keeps_their_own_plan(world, who):
    client = world.client(who)

    before = client.get(PATH)
    saved = put(client, PATH, {"days_per_week": 3, "preferred_times": EVENINGS})
    after = client.get(PATH)

    assert before.status_code == 404
    assert before.json() == {"detail": "You have no study plan yet: PUT one here."}
    assert saved.status_code == 200, saved.content
    assert after.json()["days_per_week"] == 3
    person = getattr(world, who)
    assert StudyPlan.objects.get().person == person


def test_a_plan_is_its_owners_only(world):
    study_plan_set(person=world.mikko, days_per_week=5)

    aino = world.client("aino").get(PATH)
    put(world.client("aino"), PATH, {"hours_per_week": 2})

    assert aino.status_code == 404
    assert StudyPlan.objects.get(person=world.mikko).days_per_week == 5
    assert StudyPlan.objects.get(person=world.aino).hours_per_week == 2


def test_it_refuses_anonymous_callers_and_logins_without_a_person(world):
    anonymous = world.client("anonymous")
    stranger = world.client("no_person")

    assert anonymous.get(PATH).status_code == 403
    assert put(anonymous, PATH, {"days_per_week": 3}).status_code == 403
    assert stranger.get(PATH).status_code == 404
    assert put(stranger, PATH, {"days_per_week": 3}).json() == {
        "detail": "Your login is not linked to a person in the directory."
    }
    assert not StudyPlan.objects.exists()


def test_a_put_replaces_the_plan_whole_and_sorts_the_times(world):
    client = world.client("aino")
    put(client, PATH, {"days_per_week": 3, "preferred_times": EVENINGS})

    replaced = put(
        client,
        PATH,
        {
            "hours_per_week": 4.5,
            "preferred_times": [
                {"weekday": 5, "from": "09:00", "to": "11:30"},
                {"weekday": 2, "from": "19:00", "to": "21:00"},
                {"weekday": 2, "from": "07:00", "to": "08:00"},
            ],
        },
    ).json()

    assert replaced["days_per_week"] is None
    assert replaced["hours_per_week"] == 4.5
    assert [(t["weekday"], t["from"]) for t in replaced["preferred_times"]] == [
        (2, "07:00"), (2, "19:00"), (5, "09:00"),
    ]  # fmt: skip
    assert StudyPlan.objects.count() == 1


@pytest.mark.parametrize(
    ("body", "errors"),
    [
        ({}, {"days_per_week": ["Set one weekly goal: days_per_week or hours_per_week."]}),
        ({"days_per_week": 3, "hours_per_week": 2},
         {"hours_per_week": ["Set one weekly goal, not both days and hours."]}),
        ({"days_per_week": 0},
         {"days_per_week": ["Ensure this value is greater than or equal to 1."]}),
        ({"days_per_week": 8},
         {"days_per_week": ["Ensure this value is less than or equal to 7."]}),
        ({"days_per_week": "three"}, {"days_per_week": ["A valid integer is required."]}),
        ({"days_per_week": 2.5}, {"days_per_week": ["A valid integer is required."]}),
        ({"hours_per_week": 0.4},
         {"hours_per_week": ["Ensure this value is greater than or equal to 0.5."]}),
        ({"hours_per_week": 81},
         {"hours_per_week": ["Ensure this value is less than or equal to 80."]}),
        ({"hours_per_week": 2.25},
         {"hours_per_week": ["Ensure that there are no more than 1 decimal places."]}),
        ({"days_per_week": 3, "weekly": 2},
         {"weekly": ["Unknown field, or one that cannot be set here."]}),
        ({"days_per_week": 3, "preferred_times": "evenings"},
         {"preferred_times": ['Expected a list of items but got type "str".']}),
        ({"days_per_week": 3, "preferred_times": [{"weekday": 7, "from": "18:00", "to": "19:00"}]},
         {"preferred_times": {"0": {"weekday": [
             "Ensure this value is less than or equal to 6."]}}}),
        ({"days_per_week": 3, "preferred_times": [{"weekday": 1, "from": "6pm", "to": "19:00"}]},
         {"preferred_times": {"0": {"from": ["Use 24-hour HH:MM, e.g. 18:30."]}}}),
        ({"days_per_week": 3, "preferred_times": [{"weekday": 1, "from": "18:00", "to": "24:00"}]},
         {"preferred_times": {"0": {"to": ["Use 24-hour HH:MM, e.g. 18:30."]}}}),
        ({"days_per_week": 3, "preferred_times": [{"weekday": 1, "from": "18:00", "to": "18:00"}]},
         {"preferred_times": {"0": {"to": ["Must be later than from (18:00)."]}}}),
        ({"days_per_week": 3, "preferred_times": [{"weekday": 1, "from": "18:00"}]},
         {"preferred_times": {"0": {"to": ["This field is required."]}}}),
        ({"days_per_week": 3, "preferred_times": [{**EVENINGS[0], "place": "library"}]},
         {"preferred_times": {"0": {"place": ["Unknown field, or one that cannot be set here."]}}}),
        ({"days_per_week": 3, "preferred_times": [
            {"weekday": 1, "from": "18:00", "to": "20:00"},
            {"weekday": 2, "from": "18:00", "to": "20:00"},
            {"weekday": 1, "from": "19:30", "to": "21:00"}]},
         {"preferred_times": ["Items 0 and 2 overlap on weekday 1."]}),
        ({"days_per_week": 3, "preferred_times": EVENINGS * 29},
         {"preferred_times": ["Ensure this field has no more than 28 elements."]}),
    ],
)  # fmt: skip
def test_it_refuses_bad_plans_naming_the_field(world, body, errors):
    answer = put(world.client("aino"), PATH, body)

    assert answer.status_code == 400
    assert answer.json() == errors
    assert not StudyPlan.objects.exists()


def test_it_refuses_malformed_json(world):
    answer = world.client("aino").put(PATH, "{days: 3}", content_type="application/json")

    assert answer.status_code == 400
    assert answer.json()["detail"].startswith("JSON parse error")


def test_the_service_refuses_a_plan_without_one_goal(world):
    with pytest.raises(ValueError, match="one weekly goal"):
        study_plan_set(person=world.aino)
