"""What the projector needs of the directory (engagement/network), looked up once a run.

Batch after batch reads statements by the same learners. Each actor's person and
enrolments, and each pathway's criteria and milestones, are read the first time a batch
needs them and kept while the Directory lives: the projector starts a new one every run
and at least every DIRECTORY_TTL. A link or enrolment made meanwhile is therefore missed
by the rest of that run, and the next run's catch-up (services._catch_up_directory)
projects the earlier statements of everyone linked or enrolled since that run started.
Criteria edits need progress_rebuild anyway.
"""

import datetime as dt
import time
from collections import defaultdict
from collections.abc import Collection, Iterable

from engagement.network.models import Enrolment, Milestone, MilestoneActivity, XapiIdentity
from engagement.progress.compute import MilestoneRule
from engagement.progress.facts import Criterion, EnrolledIn

DIRECTORY_TTL = dt.timedelta(seconds=60)


class Directory:
    def __init__(self) -> None:
        self._started = time.monotonic()
        self._people: dict[str, int | None] = {}  # None: linked to no one
        self._enrolled: dict[int, list[EnrolledIn]] = {}
        self._pathways: dict[int, int] = {}  # enrolment id -> pathway id
        self._criteria: dict[int, dict[str, list[Criterion]]] = {}
        self._rules: dict[int, list[MilestoneRule]] = {}

    @property
    def expired(self) -> bool:
        return time.monotonic() - self._started > DIRECTORY_TTL.total_seconds()

    def people(self, agent_keys: Collection[str]) -> dict[str, int]:
        """The people these actors are linked to; unlinked actors are left out."""
        missing = [key for key in agent_keys if key not in self._people]
        if missing:
            self._look_up(missing)
        return {key: p for key in agent_keys if (p := self._people[key]) is not None}

    def enrolments(self, person_id: int) -> list[EnrolledIn]:
        """The enrolments of a person `people` returned."""
        return self._enrolled.get(person_id, [])

    def pathways(self, enrolment_ids: Collection[int]) -> dict[int, int]:
        """The pathway of each of these enrolments that still exists."""
        missing = [e for e in enrolment_ids if e not in self._pathways]
        if missing:
            self._pathways.update(
                Enrolment.objects.filter(id__in=missing).values_list("id", "pathway_id")
            )
        return {e: self._pathways[e] for e in enrolment_ids if e in self._pathways}

    def criteria(self, pathway_ids: Iterable[int]) -> dict[int, dict[str, list[Criterion]]]:
        """Each pathway's criteria by activity IRI."""
        wanted = set(pathway_ids)
        missing = wanted - self._criteria.keys()
        if missing:
            loaded: dict[int, dict[str, list[Criterion]]] = {p: defaultdict(list) for p in missing}
            rows = MilestoneActivity.objects.filter(milestone__pathway_id__in=missing).values_list(
                "id", "milestone_id", "milestone__pathway_id", "activity_iri", "verbs", "min_scaled"
            )
            for criterion_id, milestone_id, pathway_id, iri, verbs, min_scaled in rows:
                criterion = Criterion(criterion_id, milestone_id, iri, frozenset(verbs), min_scaled)
                loaded[pathway_id][iri].append(criterion)
            self._criteria.update({p: dict(by_iri) for p, by_iri in loaded.items()})
        return {p: self._criteria[p] for p in wanted}

    def rules(self, pathway_ids: Iterable[int]) -> dict[int, list[MilestoneRule]]:
        """Each pathway's milestones in order, with the criteria each counts."""
        wanted = set(pathway_ids)
        missing = wanted - self._rules.keys()
        if missing:
            criteria: dict[int, set[int]] = defaultdict(set)
            for criterion_id, milestone_id in MilestoneActivity.objects.filter(
                milestone__pathway_id__in=missing
            ).values_list("id", "milestone_id"):
                criteria[milestone_id].add(criterion_id)
            loaded: dict[int, list[MilestoneRule]] = {p: [] for p in missing}
            for milestone_id, pathway_id, required_count in (
                Milestone.objects.filter(pathway_id__in=missing)
                .order_by("position")
                .values_list("id", "pathway_id", "required_count")
            ):
                rule = MilestoneRule(
                    milestone_id, frozenset(criteria[milestone_id]), required_count
                )
                loaded[pathway_id].append(rule)
            self._rules.update(loaded)
        return {p: self._rules[p] for p in wanted}

    def _look_up(self, agent_keys: list[str]) -> None:
        self._people.update(dict.fromkeys(agent_keys))
        # A person with two linked accounts comes once per account: each enrolment counts once.
        enrolments: dict[int, dict[int, EnrolledIn]] = defaultdict(dict)
        rows = XapiIdentity.objects.filter(agent_key__in=agent_keys).values_list(
            "agent_key", "person_id", "person__enrolments__id", "person__enrolments__pathway_id"
        )
        for key, person_id, enrolment_id, pathway_id in rows:
            self._people[key] = person_id
            by_id = enrolments[person_id]
            if enrolment_id is not None:
                by_id[enrolment_id] = EnrolledIn(enrolment_id, pathway_id)
                self._pathways[enrolment_id] = pathway_id
        for person_id, by_id in enrolments.items():
            self._enrolled[person_id] = list(by_id.values())
