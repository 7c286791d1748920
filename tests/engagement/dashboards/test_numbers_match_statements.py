"""DESIGN.md invariant: every count on a dashboard equals the count computed from the
statements themselves. Statements go in through the real xAPI endpoint, the projector runs,
the pages are rendered, and each number is recomputed here from the stored statements
(not from the projection) and compared."""

import datetime as dt
import html as html_lib
import re
from collections import defaultdict
from typing import Any
from zoneinfo import ZoneInfo

from django.urls import reverse

from engagement.network import services as network
from engagement.network.models import Milestone, MilestoneActivity, Organisation, Role
from engagement.progress.services import progress_project
from learning_records.models import Statement
from learning_records.services import lrs_client_create
from tests.conftest import XapiClient
from tests.engagement.builders import (
    CHEM,
    COMPLETED,
    PASSED,
    SAFETY_QUIZ,
    SAFETY_VIDEO,
    VOIDED,
    Network,
    statement,
)
from tests.engagement.dashboards.conftest import enrol, login_as, person_with_role
from tests.factories import CohortFactory, CompanyFactory

HELSINKI = ZoneInfo("Europe/Helsinki")


def _post(xapi: XapiClient, *statements: dict[str, Any]) -> None:
    response = xapi.post("/xapi/statements", list(statements))
    assert response.status_code == 200, response.content


def _traffic(net: Network, xapi: XapiClient) -> None:
    aino, bo, cai = "mailto:aino@example.fi", "mailto:bo@example.fi", "mailto:cai@example.fi"
    bo_video = statement(SAFETY_VIDEO, COMPLETED, actor=bo, at="2026-02-05T07:00:00Z")
    _post(
        xapi,
        statement(SAFETY_VIDEO, COMPLETED, actor=aino, at="2026-02-02T21:30:00Z"),  # 3 Feb local
        statement(SAFETY_QUIZ, PASSED, actor=aino, at="2026-02-03T09:00:00Z"),
        statement(CHEM[0], PASSED, actor=aino, scaled=0.8, at="2026-02-06T09:00:00Z"),
        statement(CHEM[1], PASSED, actor=aino, scaled=0.7, at="2026-02-06T10:00:00Z"),
        statement(SAFETY_QUIZ, PASSED, actor=bo, at="2026-02-04T09:00:00Z"),
        bo_video,
        statement(CHEM[0], PASSED, actor=cai, scaled=0.5, at="2026-02-06T12:00:00Z"),
    )
    # Bo's video is voided: it must count nowhere.
    _post(
        xapi,
        {
            "actor": {"objectType": "Agent", "mbox": "mailto:teacher@savonia.fi"},
            "verb": {"id": VOIDED},
            "object": {"objectType": "StatementRef", "id": bo_video["id"]},
        },
    )


def _recomputed(learners: dict[str, str]) -> dict[str, Any]:
    """Milestones completed, pathway completions and active days, from statements alone."""
    qualifying: dict[str, set[int]] = defaultdict(set)
    active: dict[dt.date, set[str]] = defaultdict(set)
    activities = list(MilestoneActivity.objects.all())
    for stored in Statement.objects.filter(voided=False):
        payload = stored.payload
        if payload["verb"]["id"] == VOIDED:
            continue
        actor = payload["actor"]["mbox"]
        if actor not in learners:
            continue
        when = dt.datetime.fromisoformat(payload["timestamp"]).astimezone(HELSINKI).date()
        active[when].add(actor)
        scaled = payload.get("result", {}).get("score", {}).get("scaled")
        for activity in activities:
            if payload["object"]["id"] != activity.activity_iri:
                continue
            if payload["verb"]["id"] not in activity.verbs:
                continue
            if activity.min_scaled is not None and (scaled is None or scaled < activity.min_scaled):
                continue
            qualifying[actor].add(activity.pk)
    reached: dict[str, int] = {}
    done: dict[str, int] = defaultdict(int)
    milestones = list(Milestone.objects.order_by("position"))
    for milestone in milestones:
        ids = {a.pk for a in activities if a.milestone_id == milestone.pk}
        needed = milestone.required_count or len(ids)
        who = [a for a in learners if len(qualifying[a] & ids) >= needed]
        reached[milestone.title_en] = len(who)
        for actor in who:
            done[actor] += 1
    return {
        "reached": reached,
        "done": {learners[a]: done[a] for a in learners},
        "completed": sum(1 for a in learners if done[a] == len(milestones)),
        "active": {day: len(who) for day, who in active.items()},
    }


def _table(page: str, table_id: str) -> list[list[str]]:
    found = re.search(rf'<table id="{table_id}">(.*?)</table>', page, re.S)
    assert found, table_id
    rows = re.findall(r"<tr[^>]*>(.*?)</tr>", found.group(1), re.S)
    cells = [re.findall(r"<t[dh][^>]*>(.*?)</t[dh]>", row, re.S) for row in rows]
    return [
        [html_lib.unescape(re.sub(r"<[^>]+>", "", c)).strip() for c in row] for row in cells[1:]
    ]


def test_every_count_on_the_pages_equals_the_statements(net: Network, frozen: Any) -> None:
    _, secret = lrs_client_create(organisation=net.provider, name="Moodle 2", key="moodle2")
    xapi = XapiClient("moodle2", secret)
    enrolments = [net.enrolment, enrol(net, "Bo"), enrol(net, "Cai"), enrol(net, "Dee")]
    teacher = person_with_role(Role.Kind.TEACHER, net.provider)
    cohort = CohortFactory.create(provider=net.provider, teachers=[teacher], enrolments=enrolments)
    company = CompanyFactory.create()
    contact = person_with_role(Role.Kind.EMPLOYER_CONTACT, company)
    for enrolment in enrolments:
        network.consent_give(enrolment=enrolment, employer=company)
    admin = person_with_role(
        Role.Kind.NETWORK_ADMIN, Organisation.objects.create(slug="n", name_en="N", kind="network")
    )
    _traffic(net, xapi)
    progress_project()
    names = {f"mailto:{e.learner.email}": str(e.learner) for e in enrolments}
    truth = _recomputed(names)
    assert truth["reached"] == {"Safety": 1, "Cell chemistry": 1}  # the scenario is not empty

    teacher_page = (
        login_as(teacher).get(reverse("dashboards:teacher", args=[cohort.pk])).content.decode()
    )
    funnel = {label: int(n) for label, n in _table(teacher_page, "funnel-table")}
    assert funnel == truth["reached"]
    listed = {row[1]: int(row[6].split("/")[0]) for row in _table(teacher_page, "learners")}
    assert listed == truth["done"]
    heat = dict(
        re.findall(r'<td>\w+ (\d+\.\d+\.\d{4})</td><td class="num">(\d+)</td>', teacher_page)
    )
    days = {dt.date(*map(int, reversed(d.split(".")))): int(n) for d, n in heat.items()}
    assert days == truth["active"]

    employer_page = login_as(contact).get(reverse("dashboards:employer")).content.decode()
    milestones = {r[0].split(": ")[1]: int(r[2]) for r in _table(employer_page, "milestone-table")}
    assert milestones == truth["reached"]
    pathway = _table(employer_page, "pathway-table")
    assert [int(pathway[0][1]), int(pathway[0][2])] == [len(enrolments), truth["completed"]]

    network_page = login_as(admin).get(reverse("dashboards:network")).content.decode()
    row = _table(network_page, "pathway-table")[0]
    assert [int(row[1]), int(row[2])] == [len(enrolments), truth["completed"]]
