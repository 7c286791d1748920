"""The four dashboards in a real browser on the demo network, one role a test: the role's
charts are drawn (plotly's SVG, with plotly.js from our own server), the right people and
numbers are on the page, and the other roles' pages are refused.

The expected people and numbers come from elsewhere than the pages: who studies what and
who shares with whom from the demo's seed (backend/demo/network.py), and milestones done
from the progress table the demo printed after its replay."""

import pytest

from backend.demo import network, seed
from tests.e2e.browser import DemoSite, Visit, log_in_as, table_rows

pytestmark = pytest.mark.live

PAGES = {login.role: login.dashboard for login in seed.DASHBOARD_LOGINS}


def assert_charts_drawn(visit: Visit, at_least: int) -> None:
    """plotly.js ran (from our server, versioned path) and drew `at_least` charts."""
    visit.page.wait_for_selector(".main-svg")
    assert visit.page.evaluate("typeof Plotly") == "object"
    assert visit.page.locator(".js-plotly-plot").count() >= at_least
    assert any(url.startswith(visit.base_url + "dashboards/plotly-") for url in visit.requested), (
        visit.requested
    )


def assert_refused_elsewhere(visit: Visit, own_role: str) -> None:
    """The other roles' pages are refused. "My learning" (/me/) is every person's own page,
    so staff get theirs, holding nobody's studies."""
    for role, path in PAGES.items():
        if role in (own_role, "learner"):
            continue
        assert visit.refused(path) in (403, 404), path
    if own_role != "learner":
        visit.go(PAGES["learner"])
        visit.shot("own-learning-page")
        assert visit.page.locator(".pathway").count() == 0
        page_text = visit.page.locator("main").inner_text()
        assert not [name for name in network.STUDIES if name in page_text]


def _all_done(milestones: str) -> bool:
    done, total = milestones.split("/")
    return done == total


def test_the_teacher_sees_her_cohort_with_lights_and_charts(
    visit: Visit, demo_site: DemoSite
) -> None:
    log_in_as(visit, "teacher")

    assert_charts_drawn(visit, at_least=2)  # the weekly heatmap and the milestone funnel
    visit.shot("teacher")
    printed = demo_site.progress()
    # Her Savonia cohort holds every learner of the demo (network._cohorts).
    rows = {row[1]: row for row in table_rows(visit, "#learners")}
    assert set(rows) == set(network.STUDIES)
    for learner, row in rows.items():
        pathway, milestones = printed[learner]
        assert (row[2], row[6]) == (pathway, milestones), learner
        assert row[3] in {"green", "amber", "red"}
    assert (
        visit.page.locator("#light-summary")
        .inner_text()
        .startswith(f"{len(network.STUDIES)} enrolments:")
    )
    assert_refused_elsewhere(visit, "teacher")


def test_the_teacher_cannot_open_another_teachers_cohort(visit: Visit, demo_site: DemoSite) -> None:
    kvarken_cohort = demo_site.stack.python(
        "import json; from engagement.network.models import Cohort; "
        f"print(json.dumps(Cohort.objects.get(provider__slug={network.KVARKEN!r}).pk))"
    )
    log_in_as(visit, "teacher")

    assert visit.refused(f"/teacher/cohorts/{kvarken_cohort}/") == 404


def test_the_employer_sees_only_the_employee_who_shares(visit: Visit, demo_site: DemoSite) -> None:
    log_in_as(visit, "employer")

    assert_charts_drawn(visit, at_least=3)  # per pathway, per milestone, over time
    visit.shot("employer")
    company = network.EMPLOYER_CONTACTS[0].organisation
    staff = [name for name, study in network.STUDIES.items() if study.employer == company]
    # Three employees: one shares, one never did, one revoked (seed_demo's consents).
    assert len(staff) == 3
    pathway, milestones = demo_site.progress()[network.LEARNER_WITH_LOGIN]
    assert table_rows(visit, "#staff") == [
        [network.LEARNER_WITH_LOGIN, pathway, milestones, "not yet", "—"]
    ]
    page_text = visit.page.locator("main").inner_text()
    for name in staff:
        if name != network.LEARNER_WITH_LOGIN:
            assert name not in page_text
    assert_refused_elsewhere(visit, "employer")


def test_the_learner_sees_her_pathway_progress_and_what_she_shares(
    visit: Visit, demo_site: DemoSite
) -> None:
    log_in_as(visit, "learner")

    assert_charts_drawn(visit, at_least=1)  # milestone progress
    visit.shot("learner")
    pathway, milestones = demo_site.progress()[network.LEARNER_WITH_LOGIN]
    done, total = milestones.split("/")
    card = visit.page.locator(".pathway")
    assert card.count() == 1
    assert card.locator("h3").inner_text() == pathway
    assert f"{done} of {total} milestones completed" in card.inner_text()
    shares = visit.page.locator("#consents li").all_inner_texts()
    assert len(shares) == 1
    employer = network.STUDIES[network.LEARNER_WITH_LOGIN].employer
    company = next(o["name_en"] for o in network.ORGANISATIONS if o["slug"] == employer)
    assert shares[0].startswith(f"{pathway} → {company}")
    assert_refused_elsewhere(visit, "learner")


def test_the_network_administrator_sees_aggregates_and_no_names(
    visit: Visit, demo_site: DemoSite
) -> None:
    log_in_as(visit, "network administrator")

    assert_charts_drawn(visit, at_least=1)  # enrolments and completion per pathway
    visit.shot("network")
    printed = demo_site.progress()
    expected = {}
    for plan in network.PATHWAYS:
        studying = [name for name, study in network.STUDIES.items() if study.pathway == plan]
        finished = [name for name in studying if _all_done(printed[name][1])]
        expected[plan.title[0]] = (len(studying), len(finished))
    rows = table_rows(visit, "#pathway-table")
    assert {row[0]: (int(row[1]), int(row[2])) for row in rows} == expected
    assert sum(completed for _, completed in expected.values()) >= 1  # the demo has one
    page_text = visit.page.locator("main").inner_text()
    assert not [name for name in network.STUDIES if name in page_text]
    assert_refused_elsewhere(visit, "network administrator")
