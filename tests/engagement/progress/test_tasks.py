"""The Celery task is an interface: run twice, one effect."""

import io

import pytest
from django.core.management import call_command

from engagement.progress.models import Evidence, ProgressEvent
from engagement.progress.tasks import progress_project_task
from tests.engagement.builders import SAFETY_QUIZ, statement, store

pytestmark = pytest.mark.django_db


def test_running_the_task_twice_projects_once(net):
    store(net.client, statement(SAFETY_QUIZ))

    assert progress_project_task() == 1
    assert progress_project_task() == 0

    assert Evidence.objects.count() == 1
    assert ProgressEvent.objects.filter(kind="first_activity").count() == 1


def test_the_command_reports_what_it_did(net):
    store(net.client, statement(SAFETY_QUIZ))
    out = io.StringIO()

    call_command("progress_project", stdout=out)
    call_command("progress_project", "--rebuild", stdout=out)

    assert "Projected 1 statements" in out.getvalue()
    assert Evidence.objects.count() == 1
