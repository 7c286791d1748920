"""The late-link catch-up runs in several transactions; a run that dies in the middle of it
(a worker killed, an error) must leave those people to the next run, however much later it
comes: the main cursor has passed their statements, so nothing else would project them."""

import datetime as dt
from typing import Any

import pytest
import time_machine

from engagement.network import services as network
from engagement.network.models import Enrolment, XapiIdentity
from engagement.progress import services
from engagement.progress.models import EnrolmentProgress
from engagement.progress.services import progress_project
from learning_records import feed
from tests.engagement.builders import EXPERIENCED, SAFETY_QUIZ, SAFETY_VIDEO, statement, store

pytestmark = pytest.mark.django_db

LATE = "mailto:aino.v@work.example.fi"
START = dt.datetime(2026, 3, 4, 10, 0, tzinfo=dt.UTC)


class WorkerDied(Exception):
    pass


def test_a_catch_up_that_dies_midway_is_done_again_by_a_much_later_run(net, monkeypatch):
    # The directory was set up the day before (the fixture made it at the real clock's time).
    Enrolment.objects.update(created_at=START - dt.timedelta(days=1))
    XapiIdentity.objects.update(created_at=START - dt.timedelta(days=1))
    with time_machine.travel(START, tick=False):
        store(net.client, statement(SAFETY_QUIZ, actor=LATE))
        store(net.client, statement(SAFETY_VIDEO, EXPERIENCED, actor=LATE))
        progress_project()  # nobody is linked to LATE yet: the cursor passes both
        network.identity_link(person=net.learner, kind="mbox", value=LATE)

    reads = feed.indexed_statements_by_actors
    calls = []

    def dies_on_the_second_read(**kwargs: Any) -> Any:
        calls.append(kwargs)
        if len(calls) > 1:
            raise WorkerDied
        return reads(**kwargs)

    monkeypatch.setattr(services, "BATCH_SIZE", 1)
    monkeypatch.setattr(feed, "indexed_statements_by_actors", dies_on_the_second_read)
    # The catch-up starts two minutes after the link (a busy worker), beyond the look-back's
    # overlap of one minute, so only the saved time of the last look finds the person again.
    later = START + dt.timedelta(minutes=2)
    with time_machine.travel(later, tick=False), pytest.raises(WorkerDied):
        progress_project()
    monkeypatch.setattr(feed, "indexed_statements_by_actors", reads)

    with time_machine.travel(START + dt.timedelta(minutes=30), tick=False):
        progress_project()

    progress = EnrolmentProgress.objects.get(enrolment=net.enrolment)
    assert (progress.activities_done, progress.milestones_done) == (2, 1)
