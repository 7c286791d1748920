"""The progress projector (engagement/progress/services.py) over real stored statements."""

from datetime import UTC, datetime

import pytest

from engagement.network import services as network
from engagement.progress.models import (
    EnrolmentProgress,
    Evidence,
    MilestoneProgress,
    ProgressEvent,
    UnmatchedAgent,
)
from engagement.progress.services import progress_project, progress_rebuild
from tests.engagement.builders import (
    CHEM,
    COURSE,
    EXPERIENCED,
    SAFETY_QUIZ,
    SAFETY_VIDEO,
    statement,
    store,
    voiding,
)

pytestmark = pytest.mark.django_db


def progress(net):
    return EnrolmentProgress.objects.get(enrolment=net.enrolment)


def events(net):
    return sorted(
        (e.kind, e.milestone_id, e.retracted_at is None)
        for e in ProgressEvent.objects.filter(enrolment=net.enrolment)
    )


def test_it_projects_a_completed_milestone(net):
    store(
        net.client,
        statement(SAFETY_VIDEO, EXPERIENCED),
        statement(SAFETY_QUIZ, at="2026-02-04T19:00:00Z"),
    )

    run = progress_project()

    assert run.statements == 2
    assert progress(net).milestones_done == 1
    assert progress(net).percent == 50
    safety = MilestoneProgress.objects.get(enrolment=net.enrolment, milestone=net.safety)
    assert safety.completed_at == datetime(2026, 2, 4, 19, 0, tzinfo=UTC)


def test_it_completes_the_pathway_and_emits_each_event_once(net):
    store(
        net.client,
        statement(SAFETY_VIDEO, EXPERIENCED, at="2026-02-01T10:00:00Z"),
        statement(SAFETY_QUIZ, at="2026-02-02T10:00:00Z"),
        statement(CHEM[0], at="2026-02-05T10:00:00Z"),
        statement(CHEM[2], at="2026-02-09T10:00:00Z"),
    )

    progress_project()
    progress_project()

    assert progress(net).percent == 100
    assert progress(net).completed_at == datetime(2026, 2, 9, 10, 0, tzinfo=UTC)
    assert events(net) == sorted(
        [
            ("first_activity", None, True),
            ("milestone_completed", net.safety.id, True),
            ("milestone_completed", net.chemistry.id, True),
            ("pathway_completed", None, True),
        ]
    )


def test_it_ignores_a_score_below_the_criterion(net):
    store(net.client, statement(CHEM[0], scaled=0.5), statement(CHEM[1], scaled=0.7))

    progress_project()

    chemistry = MilestoneProgress.objects.get(enrolment=net.enrolment, milestone=net.chemistry)
    assert chemistry.activities_done == 1


def test_it_adds_up_time_and_last_activity_from_related_statements(net):
    store(
        net.client,
        statement(
            f"{COURSE}/page/3",
            EXPERIENCED,
            parent=COURSE,
            duration="PT30M",
            at="2026-02-10T17:00:00Z",
        ),
        statement(SAFETY_VIDEO, EXPERIENCED, duration="PT15M", at="2026-02-11T20:15:00Z"),
    )
    net.chemistry.activities.create(
        activity_iri=COURSE, activity_hash=0, verbs=[]
    )  # makes COURSE a pathway activity
    progress_rebuild()

    assert progress(net).time_spent_seconds == 45 * 60
    assert progress(net).last_active_at == datetime(2026, 2, 11, 20, 15, tzinfo=UTC)


def test_it_does_not_change_anything_when_run_again(net):
    store(net.client, statement(SAFETY_QUIZ), statement(CHEM[0]))
    progress_project()
    before = list(
        MilestoneProgress.objects.values_list("milestone_id", "activities_done", "completed_at")
    )

    again = progress_project()

    assert again.statements == 0
    assert (
        list(
            MilestoneProgress.objects.values_list("milestone_id", "activities_done", "completed_at")
        )
        == before
    )


def test_it_retracts_a_voided_statement(net):
    [quiz_id] = store(net.client, statement(SAFETY_QUIZ))
    store(net.client, statement(SAFETY_VIDEO, EXPERIENCED))
    progress_project()
    assert progress(net).milestones_done == 1

    store(net.client, voiding(quiz_id))
    progress_project()

    assert progress(net).milestones_done == 0
    assert ("milestone_completed", net.safety.id, False) in events(net)


def test_it_skips_a_statement_voided_before_it_was_projected(net):
    [quiz_id] = store(net.client, statement(SAFETY_QUIZ))
    store(net.client, voiding(quiz_id))

    progress_project()

    assert not Evidence.objects.exists()


def test_it_keeps_unknown_actors_and_projects_them_once_linked(net):
    store(net.client, statement(SAFETY_QUIZ, actor="mailto:aino.v@work.example.fi"))
    progress_project()
    assert UnmatchedAgent.objects.get().statements_seen == 1
    assert not Evidence.objects.exists()

    network.identity_link(person=net.learner, kind="mbox", value="mailto:aino.v@work.example.fi")
    progress_project()

    assert (
        MilestoneProgress.objects.get(enrolment=net.enrolment, milestone=net.safety).activities_done
        == 1
    )
    assert not UnmatchedAgent.objects.exists()


def test_it_projects_earlier_statements_into_a_new_enrolment(net):
    other = network.person_create(given_name="Eero", family_name="Laine", email="eero@example.fi")
    network.identity_link(person=other, kind="mbox", value="mailto:eero@example.fi")
    store(net.client, statement(SAFETY_QUIZ, actor="mailto:eero@example.fi"))
    progress_project()

    enrolment = network.enrolment_create(
        learner=other, pathway=net.pathway, started_on=net.enrolment.started_on
    )
    progress_project()

    assert enrolment.milestone_progress.get(milestone=net.safety).activities_done == 1


def test_it_stops_short_of_the_settle_window(net, settings):
    settings.KIPINA_PROGRESS_SETTLE_SECONDS = 3600
    store(net.client, statement(SAFETY_QUIZ))

    assert progress_project().statements == 0


def projection_queries(net, learners: int, offset: int) -> tuple[int, int]:
    """Queries of one projection of `learners` new statements, after the directory settled."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    actors = []
    for n in range(offset, offset + learners):
        person = network.person_create(
            given_name=f"L{n}", family_name="X", email=f"l{n}@example.fi"
        )
        network.identity_link(person=person, kind="mbox", value=f"mailto:l{n}@example.fi")
        network.enrolment_create(
            learner=person, pathway=net.pathway, started_on=net.enrolment.started_on
        )
        actors.append(f"mailto:l{n}@example.fi")
    store(net.client, *[statement(iri, actor=a) for a in actors for iri in (SAFETY_QUIZ, CHEM[0])])
    progress_project()
    store(net.client, *[statement(CHEM[1], actor=a) for a in actors])
    with CaptureQueriesContext(connection) as queries:
        run = progress_project()
    assert run.enrolments_updated >= learners
    return len(queries), run.statements


def test_it_reads_the_log_in_the_same_number_of_queries_for_5_or_50_learners(net):
    few, few_statements = projection_queries(net, 5, offset=0)
    many, many_statements = projection_queries(net, 50, offset=100)

    assert (few_statements, many_statements) == (5, 50)
    assert many == few


def test_it_counts_an_unknown_actors_statements_across_batches(net):
    unknown = "mailto:someone@elsewhere.example"
    store(net.client, statement(SAFETY_QUIZ, actor=unknown))
    store(net.client, statement(SAFETY_VIDEO, EXPERIENCED, actor=unknown))
    store(net.client, statement(CHEM[0], actor=unknown))

    progress_project(batch_size=2)

    agent = UnmatchedAgent.objects.get()
    assert agent.statements_seen == 3
    assert agent.first_seen_at < agent.last_seen_at


def test_it_catches_up_on_statements_spread_over_the_log(net):
    """A catch-up reads one person's statements among everyone else's: row ids far apart."""
    late = "mailto:aino.v@work.example.fi"
    store(net.client, statement(SAFETY_QUIZ, actor=late))
    store(net.client, *[statement(f"{COURSE}/page/{n}", EXPERIENCED) for n in range(8)])
    store(net.client, statement(SAFETY_VIDEO, EXPERIENCED, actor=late))
    progress_project()
    assert not MilestoneProgress.objects.filter(activities_done__gt=0).exists()

    network.identity_link(person=net.learner, kind="mbox", value=late)
    progress_project()

    assert progress(net).milestones_done == 1
    assert not UnmatchedAgent.objects.exists()
