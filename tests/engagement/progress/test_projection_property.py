"""Property: whatever the stream (duplicates, voids, out-of-order timestamps, late identity
links), the incremental projection equals a rebuild from scratch."""

import datetime as dt
import uuid
from typing import Any

from django.test import override_settings
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra.django import TestCase

from engagement.network import services as network
from engagement.network.models import Milestone, Organisation, Pathway
from engagement.progress.models import (
    EnrolmentProgress,
    Evidence,
    MilestoneProgress,
    ProgressEvent,
    Qualification,
)
from engagement.progress.services import progress_project, progress_rebuild
from learning_records.services import lrs_client_create
from tests.engagement.builders import (
    CHEM,
    COMPLETED,
    EXPERIENCED,
    PASSED,
    SAFETY_QUIZ,
    SAFETY_VIDEO,
    add_activity,
    statement,
    store,
    voiding,
)

ACTORS = ["mailto:aino@example.fi", "mailto:eero@example.fi", "mailto:aino@work.example.fi"]
ACTIVITIES = [SAFETY_VIDEO, SAFETY_QUIZ, *CHEM, "https://elsewhere.example/x"]
T0 = dt.datetime(2026, 2, 1, tzinfo=dt.UTC)

statements = st.builds(
    lambda activity, verb, actor, scaled, hours, minutes: statement(
        activity,
        verb,
        actor=actor,
        scaled=scaled,
        at=(T0 + dt.timedelta(hours=hours)).isoformat(),
        duration=f"PT{minutes}M",
    ),
    st.sampled_from(ACTIVITIES),
    st.sampled_from([PASSED, COMPLETED, EXPERIENCED]),
    st.sampled_from(ACTORS),
    st.one_of(st.none(), st.floats(min_value=0, max_value=1)),
    st.integers(min_value=0, max_value=500),
    st.integers(min_value=0, max_value=90),
)
operations = st.lists(
    st.one_of(
        st.tuples(st.just("store"), st.lists(statements, min_size=1, max_size=6)),
        st.tuples(st.just("resend"), st.integers(min_value=0)),
        st.tuples(st.just("void"), st.integers(min_value=0)),
        st.tuples(st.just("project"), st.integers(min_value=1, max_value=4)),
        st.tuples(st.just("link"), st.just(2)),
    ),
    min_size=1,
    max_size=12,
)


def snapshot() -> dict[str, Any]:
    return {
        "evidence": set(
            Evidence.objects.values_list("enrolment_id", "statement_id", "occurred_at")
        ),
        "qualifications": set(
            Qualification.objects.values_list(
                "enrolment_id", "milestone_activity_id", "statement_id"
            )
        ),
        "progress": {
            row[0]: row[1:]
            for row in EnrolmentProgress.objects.filter(first_active_at__isnull=False).values_list(
                "enrolment_id",
                "milestones_done",
                "activities_done",
                "percent",
                "first_active_at",
                "last_active_at",
                "time_spent_seconds",
                "completed_at",
            )
        },
        "milestones": set(
            MilestoneProgress.objects.filter(
                enrolment__progress__first_active_at__isnull=False
            ).values_list("enrolment_id", "milestone_id", "activities_done", "completed_at")
        ),
        "events": set(
            ProgressEvent.objects.filter(retracted_at=None).values_list(
                "enrolment_id", "kind", "milestone_id"
            )
        ),
    }


@override_settings(KIPINA_PROGRESS_SETTLE_SECONDS=0)
class IncrementalEqualsRebuild(TestCase):
    def setUp(self) -> None:
        provider = Organisation.objects.create(slug="savonia", name_en="Savonia", kind="uas")
        self.client_, _ = lrs_client_create(organisation=provider, name="Moodle", key="moodle")
        pathway = Pathway.objects.create(
            slug="cells", title_en="Cells", eqf_level=5, effort_hours=10
        )
        safety = Milestone.objects.create(pathway=pathway, position=1, title_en="Safety")
        add_activity(safety, SAFETY_VIDEO, [COMPLETED, EXPERIENCED])
        add_activity(safety, SAFETY_QUIZ, [PASSED])
        chemistry = Milestone.objects.create(
            pathway=pathway, position=2, title_en="Chem", required_count=2
        )
        for iri in CHEM:
            add_activity(chemistry, iri, [PASSED], min_scaled=0.6)
        self.people = []
        for n, actor in enumerate(ACTORS[:2]):
            person = network.person_create(given_name=f"P{n}", family_name="X", email=actor[7:])
            network.identity_link(person=person, kind="mbox", value=actor)
            network.enrolment_create(
                learner=person, pathway=pathway, started_on=dt.date(2026, 1, 1)
            )
            self.people.append(person)

    @settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(operations)
    def test_incremental_projection_equals_rebuild(self, ops: list[tuple[str, Any]]) -> None:
        sent: list[dict[str, Any]] = []
        linked = False
        for kind, arg in ops:
            if kind == "store":
                store(self.client_, *arg)
                sent += arg
            elif kind == "resend" and sent:
                store(self.client_, sent[arg % len(sent)])
            elif kind == "void" and sent:
                target = sent[arg % len(sent)]["id"]
                store(
                    self.client_,
                    {**voiding(target), "id": str(uuid.uuid5(uuid.NAMESPACE_URL, target))},
                )
            elif kind == "project":
                progress_project(batch_size=arg)
            elif kind == "link" and not linked:
                network.identity_link(person=self.people[0], kind="mbox", value=ACTORS[arg])
                linked = True
        progress_project()
        incremental = snapshot()

        progress_rebuild()

        assert snapshot() == incremental
