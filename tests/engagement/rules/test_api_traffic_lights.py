"""Teachers' traffic lights (/api/rules/traffic-lights/?cohort=): for the cohort's teachers
(with the teacher role at its provider) and administrators, never for learners or employer
contacts (DESIGN.md: risk flags are not shown to employers); every reason shown."""

import datetime as dt

import pytest
import time_machine

from engagement.progress.models import EnrolmentProgress
from tests.engagement.rules.api_fixtures import rules_urls, sedu_cohort, world
from tests.factories import EnrolmentFactory

__all__ = ["rules_urls", "sedu_cohort", "world"]  # fixtures

NOW = dt.datetime(2026, 3, 2, 9, 30, tzinfo=dt.UTC)


@pytest.fixture(autouse=True)
def _frozen():
    with time_machine.travel(NOW, tick=False):
        yield


def lights(world, who: str, cohort_id: object):
    return world.client(who).get("/api/rules/traffic-lights/", {"cohort": cohort_id})


@pytest.mark.parametrize(
    ("who", "status", "learners"),
    [
        ("anonymous", 403, None),
        ("aino", 404, None),  # a learner of the cohort
        ("mikko", 404, None),
        ("teacher", 200, ["Aino"]),
        ("other_teacher", 404, None),  # listed on the cohort, but teaches at Sedu
        ("employer", 404, None),  # Aino shares her progress with Valmet: still no lights
        ("other_employer", 404, None),
        ("no_person", 404, None),
        ("admin", 200, ["Aino"]),
        ("superuser", 200, ["Aino"]),
    ],
)
def test_only_the_cohorts_teachers_and_administrators_see_its_lights(
    world, sedu_cohort, who, status, learners
):
    answer = lights(world, who, world.cohort.pk)

    assert answer.status_code == status
    if learners is None:
        assert "detail" in answer.json()
        assert "colour" not in answer.content.decode()
    else:
        names = [row["learner_name"].split()[0] for row in answer.json()["results"]]
        assert names == learners


def test_a_teacher_of_another_cohort_sees_their_own(world, sedu_cohort):
    own = lights(world, "other_teacher", sedu_cohort.pk)
    theirs = lights(world, "teacher", sedu_cohort.pk)

    assert [row["enrolment_id"] for row in own.json()["results"]] == [world.mikko_enrolment.pk]
    assert theirs.status_code == 404


def test_each_light_comes_with_every_reason(world):
    recent = EnrolmentFactory.create(pathway=world.pathway)
    idle = EnrolmentFactory.create(pathway=world.pathway)
    world.cohort.enrolments.add(recent, idle)
    EnrolmentProgress.objects.create(enrolment=recent, last_active_at=NOW - dt.timedelta(days=1))
    EnrolmentProgress.objects.create(enrolment=idle, last_active_at=NOW - dt.timedelta(days=8))
    world.aino_enrolment.target_on = dt.date(2026, 3, 12)
    world.aino_enrolment.save(update_fields=["target_on"])

    rows = {
        row["enrolment_id"]: row
        for row in lights(world, "teacher", world.cohort.pk).json()["results"]
    }

    assert (rows[recent.pk]["colour"], rows[recent.pk]["reasons"]) == ("green", ["on track"])
    assert (rows[idle.pk]["colour"], rows[idle.pk]["reasons"]) == ("amber", ["inactive for 8 days"])
    # Started 2026-01-12, nothing done since, aiming at 2026-03-12: 49 days idle, 83% expected.
    assert rows[world.aino_enrolment.pk]["colour"] == "red"
    assert rows[world.aino_enrolment.pk]["reasons"] == [
        "inactive for 49 days", "83 points behind the planned pace",
    ]  # fmt: skip


@pytest.mark.parametrize(
    ("query", "status", "body"),
    [
        ({}, 400, {"cohort": ["This field is required."]}),
        ({"cohort": "cells"}, 400, {"cohort": ["A valid integer is required."]}),
        ({"cohort": "0"}, 400, {"cohort": ["Ensure this value is greater than or equal to 1."]}),
        ({"cohort": "99999"}, 404, {"detail": "No such cohort among the ones you teach."}),
    ],
)
def test_it_refuses_a_missing_or_unknown_cohort(world, query, status, body):
    answer = world.client("teacher").get("/api/rules/traffic-lights/", query)

    assert (answer.status_code, answer.json()) == (status, body)


def test_a_page_reads_in_a_fixed_number_of_queries(world, django_assert_num_queries):
    client = world.client("teacher")
    path = f"/api/rules/traffic-lights/?cohort={world.cohort.pk}"
    client.get(path)
    with django_assert_num_queries(16) as few:
        client.get(path)
    for _ in range(30):
        enrolment = EnrolmentFactory.create(pathway=world.pathway)
        world.cohort.enrolments.add(enrolment)
        EnrolmentProgress.objects.create(enrolment=enrolment, last_active_at=NOW)

    with django_assert_num_queries(len(few.captured_queries)):
        answer = client.get(path)

    assert answer.json()["count"] == 31
