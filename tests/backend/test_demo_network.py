"""The demo network's documents against the replayed traffic, computed with the projector's
pure core (facts.py, compute.py): the criteria name what the senders send, and the replay
tells the story the demo promises, whatever day it is anchored to.

No django_db mark: the documents and the simulation must stay pure.
"""

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, timedelta

import pytest

from backend.demo import network
from backend.demo.catalogue import LEARNERS
from backend.demo.network import PATHWAYS, STUDIES, directory_document, enrolment_document
from backend.demo.traffic import WINDOW_DAYS, DemoTraffic, demo_traffic
from engagement.network.validators import validate_business_id, validate_esco_uri
from engagement.progress.compute import ActivitySummary, MilestoneRule, enrolment_progress
from engagement.progress.facts import Criterion, EnrolledIn, statement_facts
from learning_records.xapi.index import agent_key

TODAY = date(2025, 11, 28)
# Four weeks of anchor days: every weekday, both shift weeks, a month boundary.
DAYS = [TODAY + timedelta(days=n) for n in range(0, 28, 3)]


def identity_key(identity):
    if identity["kind"] == "mbox":
        return agent_key({"mbox": identity["value"]})
    return agent_key({"account": {"homePage": identity["home_page"], "name": identity["value"]}})


def directory_keys():
    """agent key -> e-mail of the person the directory links it to."""
    return {
        identity_key(identity): person["email"]
        for person in directory_document()["people"]
        for identity in person.get("identities", [])
    }


@dataclass(frozen=True)
class Expected:
    percent: int
    milestones_done: int
    finished: bool
    last_active: datetime | None
    overdue: int


def expected_progress(traffic: DemoTraffic, day: date) -> dict[str, Expected]:
    """Each learner's progress as the projector will compute it from this traffic."""
    people = directory_keys()
    criteria: dict[int, dict[str, list[Criterion]]] = {}
    rules: dict[int, list[MilestoneRule]] = {}
    next_id = 0
    for pathway_id, pathway in enumerate(PATHWAYS):
        by_iri: dict[str, list[Criterion]] = defaultdict(list)
        rules[pathway_id] = []
        for milestone_id, milestone in enumerate(pathway.milestones):
            ids = []
            for criterion in milestone.criteria:
                next_id += 1
                ids.append(next_id)
                by_iri[criterion.iri].append(
                    Criterion(
                        next_id,
                        milestone_id,
                        criterion.iri,
                        frozenset(criterion.verbs),
                        criterion.min_scaled,
                    )
                )
            rule = MilestoneRule(milestone_id, frozenset(ids), milestone.required_count)
            rules[pathway_id].append(rule)
        criteria[pathway_id] = by_iri
    enrolled = {
        learner.email: EnrolledIn(n, PATHWAYS.index(STUDIES[learner.name].pathway))
        for n, learner in enumerate(LEARNERS)
    }
    achieved: dict[int, dict[int, datetime]] = defaultdict(dict)
    active: dict[int, list[datetime]] = defaultdict(list)
    for statement in traffic.statements:
        person = people.get(agent_key(statement["actor"]) or "")
        if statement["id"] == traffic.mistaken_attempt_id or person is None:
            continue
        facts, qualifications = statement_facts(statement, [enrolled[person]], criteria)
        active[enrolled[person].enrolment_id] += [fact.occurred_at for fact in facts]
        for fact in qualifications:
            first = achieved[fact.enrolment_id].get(fact.criterion_id, fact.achieved_at)
            achieved[fact.enrolment_id][fact.criterion_id] = min(first, fact.achieved_at)
    expected = {}
    start = network.started_on(day)
    for learner in LEARNERS:
        enrolment = enrolled[learner.email]
        times = active[enrolment.enrolment_id]
        summary = ActivitySummary(min(times, default=None), max(times, default=None))
        state = enrolment_progress(
            rules[enrolment.pathway_id], achieved[enrolment.enrolment_id], summary
        )
        milestones = PATHWAYS[enrolment.pathway_id].milestones
        overdue = sum(
            1
            for plan, milestone in zip(milestones, state.milestones, strict=True)
            if milestone.completed_at is None and start + timedelta(days=plan.due_offset_days) < day
        )
        expected[learner.name] = Expected(
            state.percent,
            state.milestones_done,
            state.completed_at is not None,
            state.last_active_at,
            overdue,
        )
    return expected


@pytest.fixture(scope="module")
def traffic():
    return demo_traffic(seed=2025, today=TODAY, size=400)


def test_every_business_id_has_a_valid_check_digit():
    ids = [o["business_id"] for o in network.ORGANISATIONS if o.get("business_id")]

    assert len(ids) == len(network.ORGANISATIONS) - 1  # all but Savonia's, a real one
    assert len(set(ids)) == len(ids)
    for business_id in ids:
        validate_business_id(business_id)


def test_skills_are_esco_skill_uris():
    for skill in network.SKILLS:
        validate_esco_uri(skill["uri"])
        assert skill["uri"].startswith("http://data.europa.eu/esco/skill/")


def test_it_has_every_kind_of_organisation_and_role():
    document = directory_document()
    kinds = {organisation["kind"] for organisation in document["organisations"]}
    roles = {role["kind"] for person in document["people"] for role in person["roles"]}

    assert kinds == {"network", "university", "uas", "vocational", "company"}
    assert roles == {"learner", "teacher", "employer_contact", "network_admin"}


def test_every_pathway_spans_institutions():
    for pathway in PATHWAYS:
        assert len({milestone.provider for milestone in pathway.milestones}) >= 2, pathway.slug


def test_every_criterion_is_an_activity_and_verb_the_replay_sends(traffic):
    sent = defaultdict(list)
    for statement in traffic.statements:
        scaled = statement.get("result", {}).get("score", {}).get("scaled")
        sent[(statement["object"]["id"], statement["verb"]["id"])].append(scaled)

    for pathway in PATHWAYS:
        for milestone in pathway.milestones:
            for criterion in milestone.criteria:
                scores = [s for verb in criterion.verbs for s in sent[(criterion.iri, verb)]]
                assert scores, f"nothing sends {criterion}"
                if criterion.min_scaled is not None:
                    assert max(s for s in scores if s is not None) >= criterion.min_scaled


@pytest.mark.parametrize("seed", [2025, 7])
def test_every_replayed_actor_but_one_is_linked_to_a_person(seed):
    generated = demo_traffic(seed=seed, today=TODAY, size=400)
    assert generated.voiding is not None
    actors = {agent_key(s["actor"]) for s in [*generated.statements, generated.voiding]}

    unlinked = actors - set(directory_keys())

    assert unlinked == {agent_key(network.unlinked_agent())}


def test_the_enrolments_start_before_the_replay_and_are_anchored_to_its_day(traffic):
    document = enrolment_document(TODAY)
    first = min(s["timestamp"] for s in traffic.statements)[:10]

    assert {e["started_on"] for e in document["enrolments"]} == {
        (TODAY - timedelta(days=WINDOW_DAYS + 3)).isoformat()
    }
    assert all(e["started_on"] < first for e in document["enrolments"])
    assert enrolment_document(TODAY) == document
    assert enrolment_document(TODAY + timedelta(days=1)) != document


def test_some_enrolments_are_sponsored_and_shared_and_one_consent_is_revoked():
    document = enrolment_document(TODAY)
    companies = {o["slug"] for o in network.ORGANISATIONS if o["kind"] == "company"}
    sponsors = [e["sponsor"] for e in document["enrolments"] if "sponsor" in e]
    consents = document["consents"]

    assert 0 < len(sponsors) < len(document["enrolments"])
    assert set(sponsors) <= companies
    assert len([c for c in consents if c["revoked_at"] is None]) == 2
    assert len([c for c in consents if c["revoked_at"] is not None]) == 1
    assert all(cohort["teachers"] and cohort["enrolments"] for cohort in document["cohorts"])


@pytest.mark.parametrize("day", DAYS, ids=str)
def test_the_replay_tells_the_demo_story(day):
    expected = expected_progress(demo_traffic(seed=2025, today=day, size=400), day)
    learners = expected.values()
    petri = expected["Petri Koskinen"]

    assert [name for name, e in expected.items() if e.finished] in (
        ["Laura Mäkinen"],
        ["Mikko Korhonen", "Laura Mäkinen"],
    )
    assert sum(e.milestones_done > 0 for e in learners) >= 6
    assert sum(e.overdue > 0 for e in learners) >= 2
    assert petri.last_active is not None
    assert petri.last_active.date() < day - timedelta(days=14)
    assert all(e.percent > 0 for name, e in expected.items() if name != "Ville Laine")
