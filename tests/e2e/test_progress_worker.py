"""Progress over real processes: statements posted over HTTP reach progress through a real
Celery worker on Redis with no manual step; with Redis stopped during ingest, every post is
still stored, and progress catches up once Redis is back (DESIGN.md data flow 1-2)."""

import uuid

import pytest

from tests.conftest import need_service
from tests.e2e.stack import Stack, wait_for

pytestmark = pytest.mark.live

QUIZ = "https://moodle.savonia.fi/mod/quiz/1"
VIDEO = "https://moodle.savonia.fi/mod/video/1"
SEED = f"""
import datetime as dt, json
from engagement.network import services as n
from engagement.network.models import Milestone, MilestoneActivity, Pathway
from learning_records.models import lookup_hash
from learning_records.services import lrs_client_create
org, _ = n.organisation_get_or_create(name="Savonia", kind="uas")
lrs_client_create(organisation=org, name="Moodle", key="moodle", secret="moodle-secret")
pathway = Pathway.objects.create(slug="cells", title_en="Cells", eqf_level=5, effort_hours=10)
safety = Milestone.objects.create(pathway=pathway, position=1, title_en="Safety")
for iri in ({QUIZ!r}, {VIDEO!r}):
    MilestoneActivity.objects.create(
        milestone=safety, activity_iri=iri, activity_hash=lookup_hash(iri),
        verbs=["http://adlnet.gov/expapi/verbs/completed"])
aino = n.person_create(given_name="Aino", family_name="Virtanen", email="aino@example.fi")
n.identity_link(person=aino, kind="mbox", value="mailto:aino@example.fi")
n.enrolment_create(learner=aino, pathway=pathway, started_on=dt.date(2026, 1, 1))
print(json.dumps("seeded"))
"""
PROGRESS = """
import json
from engagement.progress.models import EnrolmentProgress, Evidence
p = EnrolmentProgress.objects.first()
print(json.dumps([Evidence.objects.count(), p.activities_done if p else 0]))
"""
COUNT = (
    "import json; from learning_records.models import Statement;"
    " print(json.dumps(Statement.objects.count()))"
)


def completed(activity: str) -> dict:
    return {
        "id": str(uuid.uuid4()),
        "actor": {"mbox": "mailto:aino@example.fi"},
        "verb": {"id": "http://adlnet.gov/expapi/verbs/completed"},
        "object": {"id": activity},
    }


@pytest.fixture
def stack(tmp_path):
    need_service("Redis", "REDIS_URL")  # the machine has Redis; this test runs its own
    stack = Stack(
        tmp_path,
        KIPINA_XAPI_STORE_DEADLINE_SECONDS="1",
        KIPINA_PROGRESS_SETTLE_SECONDS="2",
        KIPINA_PROGRESS_BEAT_SECONDS="2",
    )
    stack.manage("migrate", "-v0")
    assert stack.python(SEED) == "seeded"
    stack.start_redis()
    stack.start_web()
    stack.start_worker()
    yield stack
    stack.close()


def test_posted_statements_reach_progress_through_the_worker(stack):
    assert stack.post_statements("moodle", "moodle-secret", [completed(QUIZ)]) == 200

    wait_for("progress", lambda: stack.python(PROGRESS) == [1, 1], timeout=40)


def test_ingest_survives_redis_going_away_and_progress_catches_up(stack):
    stack.start_beat()
    stack.stop("redis")

    statuses = [
        stack.post_statements("moodle", "moodle-secret", [completed(a)]) for a in (QUIZ, VIDEO)
    ]

    assert statuses == [200, 200]
    assert stack.python(COUNT) == 2
    stack.start_redis()
    wait_for("progress after Redis returned", lambda: stack.python(PROGRESS) == [2, 2], timeout=60)
