"""The demo's events (backend/demo/events.py) on the seeded demo network: a past visit whose
attendance counts towards a milestone once projected, an upcoming webinar, a full workshop
with a waiting list; a second run changes nothing."""

import datetime as dt

import pytest

from backend.demo import network, seed
from backend.demo.events import STATEMENTS, VISIT, WORKSHOP, demo_events_seed
from engagement.events.models import Event, Registration
from engagement.events.services import ATTENDED_VERB
from engagement.network.models import MilestoneActivity
from engagement.progress.models import Evidence, UnmatchedAgent
from engagement.progress.services import progress_project
from learning_records.models import Statement
from tests.engagement.events.conftest import NOON

pytestmark = pytest.mark.django_db


def test_the_demo_events_are_made_once_and_the_visit_counts(settings):
    settings.KIPINA_PROGRESS_SETTLE_SECONDS = 0
    seed.demo_seed()
    seed.demo_enrolments_seed(day=NOON.date() - dt.timedelta(days=30))

    said = demo_events_seed(now=NOON)
    demo_events_seed(now=NOON)
    progress_project()

    assert Event.objects.count() == 3
    visit = Event.objects.get(title_en=VISIT)
    assert Registration.objects.get(event=visit).attended_at == visit.starts_at
    assert Statement.objects.filter(verb_iri=ATTENDED_VERB).count() == 1
    assert MilestoneActivity.objects.filter(activity_iri=visit.activity_iri).count() == 1
    assert Evidence.objects.filter(statement__verb_iri=ATTENDED_VERB).exists()
    statuses = sorted(
        Registration.objects.filter(event__title_en=WORKSHOP).values_list("status", flat=True)
    )
    assert statuses == ["registered", "registered", "waitlisted"]
    assert Statement.objects.count() == STATEMENTS
    assert not UnmatchedAgent.objects.exists()
    assert network.LEARNER_WITH_LOGIN in said
