"""A Celery worker killed with SIGKILL (its whole process group, as the OOM killer or a lost
machine would) in the middle of the work, then a fresh worker: every piece of work is done,
and done once (issue 9; the kill during a send is tests/e2e/test_notification_worker.py).

- Mid-projection: a backlog of statements is being projected into progress when the worker
  dies. After the restart each enrolment's progress is what its statements say (an oracle
  computed here from the statements sent, not from the projector's own functions), each
  milestone event exists once, and the event rule decided once per completed milestone.
- Mid-sweep: a schedule rule's sweep of many learners is half recorded when the worker dies.
  The batch the dead worker had taken goes back to the queue after the broker's visibility
  timeout (KIPINA_BROKER_VISIBILITY_SECONDS); afterwards every learner the rule applies to
  has exactly one decision, a second sweep adds nothing, and each notification reaches the
  loopback SendGrid once.

The kill lands by watching the database from here (the projector's cursor, the decisions
table) until the work is partly done: no sleep hook in the product. On SQLite the stack has
its own file; with DATABASE_URL naming PostgreSQL a database of its own on that server."""

import datetime as dt
import json
import random
import sqlite3
import time
import uuid
from collections import Counter
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import need_service
from tests.e2e.pgcluster import scratch_database
from tests.e2e.stack import MigratedTemplate, Stack, wait_for
from tests.sendgrid_loopback import FakeSendGrid

pytestmark = pytest.mark.live

ADL = "http://adlnet.gov/expapi/verbs/"
HOME = "https://moodle.savonia.fi"
COUNTING = (ADL + "completed", ADL + "passed")
MILESTONES = 3
PER_MILESTONE = 4
MIN_SCALED = 0.6  # on the second milestone's activities
LEARNERS = 200
STATEMENTS = 12_000  # 6 of the projector's 2,000-statement transactions
STORE_CALLS = 3  # the statements are stored by a few processes, each well inside a timeout


class Database:
    """Reads of the stack's database from the test process: a Django process per poll
    would take seconds of CPU, too slow to catch the work half done."""

    def __init__(self, settings: dict[str, str], tmp: Path) -> None:
        self.url = settings.get("DATABASE_URL", "")
        self.sqlite = tmp / "kipina.sqlite3"

    def scalar(self, sql: str) -> Any:
        if self.url:
            import psycopg

            with psycopg.connect(self.url, autocommit=True) as connection:
                row = connection.execute(sql).fetchone()
        else:
            with sqlite3.connect(self.sqlite, timeout=10) as connection:
                row = connection.execute(sql).fetchone()
        return row[0] if row else None


def activity(number: int) -> str:
    return f"{HOME}/mod/page/{number}"


def forget_kicks(stack: Stack) -> None:
    """Empty the broker after a seed: each identity and enrolment it made kicked a projector
    run (engagement.network.services.kick_projection, not deduplicated), hundreds of runs
    the worker would spend minutes on before the work under test."""
    import redis

    redis.Redis(port=stack.redis_port).flushall()


def kill_when(stack: Stack, what: str, half_done: Callable[[], bool]) -> None:
    """SIGKILL the worker as soon as `half_done` holds (polled fast)."""
    wait_for(what, half_done, timeout=120)
    stack.kill("worker")


# --- Mid-projection ---------------------------------------------------------------------------

PROJECTION_SEED = """
import datetime as dt, json
from django.db import transaction
from engagement.network import services as n
from engagement.network.models import Enrolment, XapiIdentity
from engagement.rules.services import rule_create
from learning_records.services import lrs_client_create
with transaction.atomic():
    org = n.organisation_create(slug="savonia", name_en="Savonia", kind="uas")
    client, _ = lrs_client_create(organisation=org, name="Moodle", key="moodle")
    pathway = n.pathway_create(slug="cells", title_en="Cells", eqf_level=5, effort_hours=10,
                               providers=[org])
    for position in range({milestones}):
        milestone = n.milestone_create(pathway=pathway, position=position + 1,
                                       title_en=f"Step {{position + 1}}", provider=org)
        for number in range(position * {per}, (position + 1) * {per}):
            n.milestone_activity_add(
                milestone=milestone, activity_iri={home!r} + f"/mod/page/{{number}}",
                verbs={counting!r}, min_scaled={min_scaled} if position == 1 else None)
    for learner in range({learners}):
        person = n.person_create(given_name="Oppija", family_name=str(learner))
        n.identity_link(person=person, kind="account", value=f"l{{learner}}", home_page={home!r})
        n.enrolment_create(learner=person, pathway=pathway, started_on=dt.date(2026, 1, 12))
    rule_create(name="Well done", holdout_share=0.0, definition={{
        "kind": "milestone_completed",
        "action": {{"type": "nudge", "template": "milestone_completed"}}}})
# Set up a day before the traffic: the projector's late-link catch-up has nothing to do.
a_day_ago = dt.datetime.now(tz=dt.UTC) - dt.timedelta(days=1)
XapiIdentity.objects.update(created_at=a_day_ago)
Enrolment.objects.update(created_at=a_day_ago)
print(json.dumps("seeded"))
"""
PROJECTION_STORE = """
import datetime as dt, json
import time_machine
from learning_records.models import LrsClient
from learning_records.services import statements_store
from learning_records.xapi.validate import parse_statements
from learning_records.xapi.versions import XapiVersion
client = LrsClient.objects.get(key="moodle")
a_day_ago = dt.datetime.now(tz=dt.UTC) - dt.timedelta(days=1)
statements = json.load(open({path!r}))
for start in range(0, len(statements), 2000):
    parsed = parse_statements(statements[start:start + 2000], version=XapiVersion.V1_0_3)
    # Stored well before the settle time, so the projector may read all of it at once.
    with time_machine.travel(a_day_ago, tick=True):
        statements_store(client=client, statements=parsed, version=XapiVersion.V1_0_3)
print(json.dumps(len(statements)))
"""
PROJECTED = """
import json
from engagement.progress.models import EnrolmentProgress, ProgressEvent
from engagement.rules.models import Decision
print(json.dumps({
    "progress": {p.enrolment.learner.family_name: [p.activities_done, p.milestones_done,
                                                   round(p.time_spent_seconds),
                                                   p.last_active_at.isoformat()]
                 for p in EnrolmentProgress.objects.select_related("enrolment__learner")},
    "events": [[e.enrolment.learner.family_name, e.kind,
                e.milestone.position if e.milestone else None, e.retracted_at is None]
               for e in ProgressEvent.objects.select_related("enrolment__learner", "milestone")],
    "decisions": [[d.enrolment.learner.family_name, d.window]
                  for d in Decision.objects.select_related("enrolment__learner")],
}))
"""


def learning_log(seed: int) -> list[dict[str, Any]]:
    """STATEMENTS statements of LEARNERS learners in random order: completions and passes
    (scored on the second milestone), experiences that count as activity only, and visits
    to pages outside the pathway."""
    draw = random.Random(seed)  # noqa: S311  (test data, not a secret)
    start = dt.datetime(2026, 2, 1, tzinfo=dt.UTC)
    verbs = [*COUNTING, ADL + "experienced"]
    log = []
    for _ in range(STATEMENTS):
        learner = draw.randrange(LEARNERS)
        page = draw.randrange(MILESTONES * PER_MILESTONE + 2)  # two pages off the pathway
        at = start + dt.timedelta(minutes=draw.randrange(60 * 24 * 20))
        log.append(
            {
                "id": str(uuid.UUID(int=draw.getrandbits(128), version=4)),
                "actor": {"account": {"homePage": HOME, "name": f"l{learner}"}},
                "verb": {"id": draw.choice(verbs)},
                "object": {"id": activity(page)},
                "timestamp": at.isoformat().replace("+00:00", "Z"),
                "result": {
                    "duration": f"PT{draw.randrange(1, 600)}S",
                    "score": {"scaled": round(draw.random(), 2)},
                },
            }
        )
    return log


def expected_progress(log: list[dict[str, Any]]) -> dict[str, Any]:
    """What the statements say, by the pathway's definition: a statement about a milestone
    activity is activity (time, last active); one with a counting verb (and a scaled score
    of at least MIN_SCALED on the second milestone) does the activity; a milestone is done
    when all its activities are; each done milestone is one event and one decision."""
    criteria = {activity(n): n // PER_MILESTONE for n in range(MILESTONES * PER_MILESTONE)}
    done: dict[str, set[str]] = {}
    seconds: Counter[str] = Counter()
    last: dict[str, str] = {}
    for statement in log:
        learner = statement["actor"]["account"]["name"][1:]
        page = statement["object"]["id"]
        if page not in criteria:
            continue
        seconds[learner] += int(statement["result"]["duration"][2:-1])
        at = dt.datetime.fromisoformat(statement["timestamp"].replace("Z", "+00:00"))
        last[learner] = max(last.get(learner, at.isoformat()), at.isoformat())
        scaled = statement["result"]["score"]["scaled"]
        if statement["verb"]["id"] in COUNTING and (criteria[page] != 1 or scaled >= MIN_SCALED):
            done.setdefault(learner, set()).add(page)
    progress: dict[str, list[Any]] = {}
    events: list[list[Any]] = []
    for learner in seconds:
        milestones = [
            position + 1
            for position in range(MILESTONES)
            if all(
                activity(n) in done.get(learner, set())
                for n in range(position * PER_MILESTONE, (position + 1) * PER_MILESTONE)
            )
        ]
        progress[learner] = [
            len(done.get(learner, ())),
            len(milestones),
            seconds[learner],
            last[learner],
        ]
        events += [[learner, "first_activity", None, True]]
        events += [[learner, "milestone_completed", m, True] for m in milestones]
        if len(milestones) == MILESTONES:
            events += [[learner, "pathway_completed", None, True]]
    return {"progress": progress, "events": events}


@pytest.fixture(scope="module")
def template(tmp_path_factory: Any) -> Iterator[MigratedTemplate]:
    need_service("Redis", "REDIS_URL")  # the machine has Redis; these tests run their own
    with scratch_database() as database:
        yield MigratedTemplate(tmp_path_factory.mktemp("template"), database)


@pytest.fixture
def projection_stack(tmp_path: Any, template: MigratedTemplate) -> Iterator[tuple[Stack, Database]]:
    with template.copy(tmp_path) as database:
        stack = Stack(tmp_path, KIPINA_PROGRESS_BEAT_SECONDS="1", **database)
        try:
            stack.start_redis()
            yield stack, Database(database, tmp_path)
        finally:
            stack.close()


def test_a_worker_killed_mid_projection_leaves_progress_as_the_statements_say(projection_stack):
    stack, db = projection_stack
    log = learning_log(seed=20261128)
    seed = PROJECTION_SEED.format(
        milestones=MILESTONES,
        per=PER_MILESTONE,
        home=HOME,
        counting=list(COUNTING),
        min_scaled=MIN_SCALED,
        learners=LEARNERS,
    )
    assert stack.python(seed) == "seeded"
    part = STATEMENTS // STORE_CALLS
    for start in range(0, STATEMENTS, part):
        path = stack.tmp / f"log-{start}.json"
        path.write_text(json.dumps(log[start : start + part]))
        assert stack.python(PROJECTION_STORE.format(path=str(path))) == len(
            log[start : start + part]
        )
    forget_kicks(stack)
    last_row = db.scalar("SELECT max(id) FROM learning_records_statement")

    def cursor() -> int:
        return int(db.scalar("SELECT row_id FROM progress_projectioncursor") or 0)

    stack.start_worker(pool="prefork")
    stack.start_beat()
    kill_when(stack, "the projection to be part done", lambda: 0 < cursor() < last_row)
    killed_at = cursor()
    assert 0 < killed_at < last_row  # a batch in flight when it died was rolled back whole

    stack.start_worker(pool="prefork")
    wait_for("the projection to finish", lambda: cursor() == last_row, timeout=120)
    expected = expected_progress(log)
    # The event rule runs after the projection (kicked, and every minute by the beat).
    done = sum(1 for event in expected["events"] if event[1] == "milestone_completed")
    wait_for(
        "the event rule's decisions",
        lambda: db.scalar("SELECT count(*) FROM rules_decision") >= done,
        timeout=90,
    )
    time.sleep(2)  # more beat runs, to give a second decision every chance

    projected = stack.python(PROJECTED)
    assert projected["progress"] == expected["progress"]
    assert sorted(projected["events"], key=str) == sorted(expected["events"], key=str)
    windows = Counter(tuple(decision) for decision in projected["decisions"])
    assert sum(windows.values()) == done
    assert max(windows.values()) == 1


# --- Mid-sweep --------------------------------------------------------------------------------

SWEPT = 480
SEED_CALLS = 3  # the learners are made by a few processes, each well inside a timeout
SWEEP_TIMINGS = {
    "KIPINA_RULES_SWEEP_BATCH": "15",  # 16 batches of the 240 due: the kill lands among them
    "CELERY_TASK_SOFT_TIME_LIMIT": "5",
    "CELERY_TASK_TIME_LIMIT": "6",
    "KIPINA_BROKER_VISIBILITY_SECONDS": "8",
    "KIPINA_NOTIFY_STALE_CLAIM_SECONDS": "10",
    "KIPINA_NOTIFY_DISPATCH_BEAT_SECONDS": "1",
    "SENDGRID_TIMEOUT_SECONDS": "3",
}
SWEEP_SEED = """
import datetime as dt, json
from django.db import transaction
from engagement.network import services as n
from engagement.network.models import Pathway
from engagement.progress.models import EnrolmentProgress
from engagement.rules.services import rule_create
from notifications.models import Preference
today = dt.date.today()
with transaction.atomic():
    org, _ = n.organisation_get_or_create(name="Savonia", kind="uas")
    pathway = Pathway.objects.filter(slug="cells").first() or n.pathway_create(
        slug="cells", title_en="Cells", eqf_level=5, effort_hours=10, providers=[org])
    for learner in range({first}, {last}):
        person = n.person_create(given_name="Oppija", family_name=str(learner),
                                 email=f"oppija{{learner}}@example.fi")
        # No quiet hours (equal times), so every send is due whatever the hour in Helsinki.
        Preference.objects.create(person=person, quiet_from=dt.time(0), quiet_until=dt.time(0))
        # A third started yesterday (too early for the rule); a quarter of the rest have
        # made their first steps already.
        started = today - dt.timedelta(days=1 if learner % 3 == 0 else 5)
        enrolment = n.enrolment_create(learner=person, pathway=pathway, started_on=started)
        if learner % 3 and learner % 4 == 0:
            EnrolmentProgress.objects.create(enrolment=enrolment,
                                             first_active_at=dt.datetime.now(tz=dt.UTC))
    if not {first}:
        rule_create(name="First steps", holdout_share=0.0, definition={{
            "kind": "first_steps", "days": [3],
            "action": {{"type": "nudge", "template": "first_steps"}}}})
print(json.dumps("seeded"))
"""
KICK = "import json; from backend.celery import kick; kick({task!r}); print(json.dumps({task!r}))"
SWEPT_STATE = """
import json
from engagement.rules.models import Decision
from notifications.models import Notification
print(json.dumps({
    "decided": sorted(int(d.person.family_name) for d in Decision.objects.select_related("person")),
    "nudged": sorted(f"decision:{pk}" for pk in Decision.objects.filter(holdout="")
                     .values_list("pk", flat=True)),
    "statuses": sorted(set(Notification.objects.values_list("status", flat=True))),
}))
"""


def first_steps_due(learner: int) -> bool:
    """The oracle, from how the learners were seeded: started five days ago (the rule's day 3
    has passed) and no activity yet."""
    return learner % 3 != 0 and learner % 4 != 0


@pytest.fixture
def sweep_stack(
    tmp_path: Any, template: MigratedTemplate
) -> Iterator[tuple[Stack, Database, FakeSendGrid]]:
    fake = FakeSendGrid().start()
    with template.copy(tmp_path) as database:
        stack = Stack(
            tmp_path,
            SENDGRID_API_KEY="SG.loopback-test-key",
            SENDGRID_API_URL=fake.url,
            **SWEEP_TIMINGS,
            **database,
        )
        try:
            stack.start_redis()
            yield stack, Database(database, tmp_path), fake
        finally:
            stack.close()
            fake.close()


def test_a_worker_killed_mid_sweep_decides_each_learner_once(sweep_stack):
    stack, db, fake = sweep_stack
    part = SWEPT // SEED_CALLS
    for first in range(0, SWEPT, part):
        seed = SWEEP_SEED.format(first=first, last=min(first + part, SWEPT))
        assert stack.python(seed) == "seeded"
    forget_kicks(stack)
    expected = [learner for learner in range(SWEPT) if first_steps_due(learner)]

    def decided() -> int:
        return int(db.scalar("SELECT count(*) FROM rules_decision"))

    stack.start_worker(pool="prefork")
    assert stack.python(KICK.format(task="rules.sweep")) == "rules.sweep"  # as the beat does
    kill_when(stack, "the sweep to be part recorded", lambda: 0 < decided() < len(expected))
    assert 0 < decided() < len(expected)

    # The batch the dead worker held comes back after the visibility timeout.
    stack.start_worker(pool="prefork")
    wait_for("every decision", lambda: decided() >= len(expected), timeout=90)
    assert stack.python(KICK.format(task="rules.sweep")) == "rules.sweep"  # the next beat
    time.sleep(8)  # the second sweep's batches run; a double would show now
    state = stack.python(SWEPT_STATE)
    assert state["decided"] == expected

    stack.start_beat()
    assert stack.python(KICK.format(task="notifications.outbox")) == "notifications.outbox"
    nudged = set(state["nudged"])
    wait_for("every nudge", lambda: set(fake.accepted_ids()) >= nudged, timeout=90)
    time.sleep(3)  # more dispatch runs, to give a resend every chance

    assert Counter(fake.accepted_ids()) == Counter(nudged)
    assert [r.problems for r in fake.received if r.problems] == []
    assert stack.python(SWEPT_STATE)["statuses"] == ["sent"]
