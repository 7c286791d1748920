"""The retention beat task, and what expiry leaves of progress (docs/retention.md)."""

import datetime as dt

import pytest
import time_machine
from django.contrib.auth import get_user_model

from engagement.network.models import Organisation
from engagement.progress.models import EnrolmentProgress, Evidence, MilestoneProgress
from engagement.progress.services import progress_project
from learning_records import tasks
from learning_records.models import Statement, StatementRetention
from tests.engagement.builders import (
    CHEM,
    EXPERIENCED,
    SAFETY_QUIZ,
    SAFETY_VIDEO,
    Network,
    make_network,
    statement,
    store,
)

pytestmark = pytest.mark.django_db

NOW = dt.datetime(2026, 11, 28, 1, 30, tzinfo=dt.UTC)


@pytest.fixture
def net(settings) -> Network:
    # The projector reads statements stored at least this long ago; the test reads at once.
    settings.KIPINA_PROGRESS_SETTLE_SECONDS = 0
    return make_network()


def store_at(net: Network, when: dt.datetime, *statements: dict) -> None:
    with time_machine.travel(when, tick=False):
        store(net.client, *statements)


def keep_for(organisation: Organisation, days: int) -> None:
    StatementRetention.objects.create(organisation=organisation, statement_retention_days=days)


def projected_at(when: dt.datetime) -> None:
    """The projector has read the log as of `when` (retention waits for it)."""
    with time_machine.travel(when, tick=False):
        progress_project()


def test_the_beat_task_run_twice_has_the_effect_of_one_run(net, tasks_in_process):
    keep_for(net.provider, 30)
    store_at(net, NOW - dt.timedelta(days=31), statement(SAFETY_VIDEO, EXPERIENCED))
    store_at(net, NOW - dt.timedelta(days=2), statement(SAFETY_QUIZ))
    projected_at(NOW)

    with time_machine.travel(NOW, tick=False):
        assert tasks.lrs_expire_statements() == 1
        assert tasks.lrs_expire_statements() == 1

    assert Statement.objects.count() == 1
    assert tasks.lrs_expire_statements_of(net.provider.id, NOW.isoformat()) == 0


def test_the_beat_task_hands_a_large_store_over_to_follow_up_tasks(
    net, tasks_in_process, monkeypatch
):
    """Each run deletes at most BATCHES_PER_RUN batches, then queues the rest with the same
    `now`: statements stored since then are not chased."""
    monkeypatch.setattr(tasks, "BATCHES_PER_RUN", 1)
    monkeypatch.setattr("learning_records.retention.EXPIRE_BATCH", 2)
    keep_for(net.provider, 30)
    for day in range(5):
        store_at(net, NOW - dt.timedelta(days=40 + day), statement(CHEM[0]))
    projected_at(NOW)

    deleted = tasks.lrs_expire_statements_of(net.provider.id, NOW.isoformat())

    assert deleted == 2  # this run's share; the follow-ups ran in process
    assert Statement.objects.count() == 0


def test_only_organisations_with_a_retention_get_a_task(net, tasks_in_process):
    other = Organisation.objects.create(slug="vamk", name_en="VAMK", kind="uas")
    StatementRetention.objects.create(organisation=other, statement_retention_days=None)
    with time_machine.travel(NOW, tick=False):
        assert tasks.lrs_expire_statements() == 0


def test_progress_made_from_expired_statements_stays(net):
    keep_for(net.provider, 30)
    store_at(
        net,
        NOW - dt.timedelta(days=60),
        statement(SAFETY_VIDEO, EXPERIENCED, at="2026-09-28T10:00:00Z"),
        statement(SAFETY_QUIZ, at="2026-09-28T11:00:00Z"),
        statement(CHEM[0], at="2026-09-29T10:00:00Z"),
    )
    with time_machine.travel(NOW - dt.timedelta(days=59), tick=False):
        progress_project()
    before = EnrolmentProgress.objects.get(enrolment=net.enrolment)
    safety = MilestoneProgress.objects.get(milestone=net.safety).completed_at

    with time_machine.travel(NOW, tick=False):
        tasks.lrs_expire_statements_of(net.provider.id, NOW.isoformat())
    assert Statement.objects.count() == 0
    assert EnrolmentProgress.objects.get(enrolment=net.enrolment).percent == before.percent
    assert Evidence.objects.filter(enrolment=net.enrolment).count() == 3

    # A new statement makes the projector recompute the enrolment from all its facts: the
    # expired statements' facts still count, and the cursor reads on past the gap.
    store_at(net, NOW, statement(CHEM[1], at="2026-11-28T01:00:00Z"))
    with time_machine.travel(NOW + dt.timedelta(minutes=1), tick=False):
        run = progress_project()
    after = EnrolmentProgress.objects.get(enrolment=net.enrolment)
    assert run.statements == 1
    assert (after.milestones_done, after.percent) == (2, 100)
    assert after.first_active_at == before.first_active_at
    assert MilestoneProgress.objects.get(milestone=net.safety).completed_at == safety


def test_nothing_expires_before_the_projector_has_read_it(net):
    keep_for(net.provider, 30)
    store_at(net, NOW - dt.timedelta(days=90), statement(SAFETY_VIDEO, EXPERIENCED))

    assert tasks.lrs_expire_statements_of(net.provider.id, NOW.isoformat()) == 0
    assert Statement.objects.count() == 1


def test_a_projector_down_longer_than_the_retention_loses_no_progress(net):
    """The projector read the log 60 days ago and was down since; statements stored after
    that are past a 30-day retention but unread: they stay until it has read them, and the
    progress they make is what it would have been."""
    keep_for(net.provider, 30)
    store_at(net, NOW - dt.timedelta(days=61), statement(SAFETY_VIDEO, EXPERIENCED))
    projected_at(NOW - dt.timedelta(days=60))
    store_at(
        net,
        NOW - dt.timedelta(days=45),
        statement(SAFETY_QUIZ, at="2026-10-14T10:00:00Z"),
        statement(CHEM[0], at="2026-10-14T11:00:00Z"),
    )

    assert tasks.lrs_expire_statements_of(net.provider.id, NOW.isoformat()) == 1  # the read one
    assert Statement.objects.count() == 2

    projected_at(NOW)
    assert Evidence.objects.filter(enrolment=net.enrolment).count() == 3  # all three read
    progress = EnrolmentProgress.objects.get(enrolment=net.enrolment)
    assert (progress.milestones_done, progress.percent) == (1, 75)  # safety done, chem begun
    assert tasks.lrs_expire_statements_of(net.provider.id, NOW.isoformat()) == 2
    assert Statement.objects.count() == 0


def test_the_admin_sets_an_organisations_retention(net, client):
    admin = get_user_model().objects.create_superuser("admin", "admin@example.fi", "pw")
    client.force_login(admin)
    url = "/admin/learning_records/statementretention/add/"

    refused = client.post(url, {"organisation": net.provider.id, "statement_retention_days": 0})
    saved = client.post(url, {"organisation": net.provider.id, "statement_retention_days": 365})

    assert refused.status_code == 200  # the form again, with its error
    assert "greater than or equal to 1" in refused.content.decode()
    assert saved.status_code == 302
    assert StatementRetention.objects.get().statement_retention_days == 365
    assert client.get("/admin/learning_records/statementretention/").status_code == 200
