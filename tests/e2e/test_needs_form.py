"""The training needs form in a real browser on the demo network: the employer contact
records a need and sees it listed; the network administrator sees it in needs-vs-offer.

The skill chosen (dispose of hazardous waste, EQF 4) is one no demo need asks for, so the
people waiting on the report are exactly the ones recorded here."""

import datetime as dt

import pytest

from tests.e2e.browser import DemoSite, Visit, log_in_as, table_rows

pytestmark = pytest.mark.live

SKILL = "dispose of hazardous waste"
DESCRIPTION = "Waste handling for the new recycling hall"


def test_an_employer_records_a_need_and_the_administrator_sees_it(
    visit: Visit, demo_site: DemoSite
) -> None:
    log_in_as(visit, "employer")
    visit.go("/needs/")
    page = visit.page
    page.get_by_label(SKILL, exact=True).check()
    page.fill("input[name=people]", "7")
    next_year = dt.datetime.now(dt.UTC).date() + dt.timedelta(days=365)
    page.fill("input[name=needed_by]", next_year.isoformat())
    page.select_option("select[name=eqf_level]", "4")
    page.fill("input[name=description_en]", DESCRIPTION)
    with page.expect_navigation():
        page.click("#need-form button[type=submit]")
    visit.shot("needs-recorded")

    assert "The training need is recorded." in page.locator(".messages").inner_text()
    listed = [row for row in table_rows(visit, "#needs") if SKILL in row[1]]
    assert [(row[2], row[4], row[5]) for row in listed] == [("7", "4", "Open")]

    admin = visit.another()
    log_in_as(admin, "network administrator")
    admin.go("/needs/offer/")
    admin.shot("needs-offer")
    rows = {(row[0], row[1]): row for row in table_rows(admin, "#offer")}
    assert rows[(SKILL, "4")][2] == "7"  # people waiting
    assert "Gap: no pathway" not in rows[(SKILL, "4")][4]
    assert any(row[4].startswith("Gap: no pathway") for row in rows.values())


def test_the_form_refuses_a_date_in_the_past(visit: Visit, demo_site: DemoSite) -> None:
    log_in_as(visit, "employer")
    visit.go("/needs/")
    page = visit.page
    page.get_by_label(SKILL, exact=True).check()
    page.fill("input[name=people]", "2")
    page.fill("input[name=needed_by]", "2020-01-01")
    with page.expect_navigation():
        page.click("#need-form button[type=submit]")
    visit.shot("needs-refused")

    assert "The date is in the past." in page.locator("#need-form").inner_text()


def test_the_learner_sees_pathways_her_linked_employer_needs(
    visit: Visit, demo_site: DemoSite
) -> None:
    log_in_as(visit, "learner")
    with visit.page.expect_navigation():
        visit.page.click("#needs-link a")
    visit.shot("needs-for-me")

    assert visit.page.locator("#links").inner_text().startswith("Nordic Cell Works")
    matched = {row[0]: row[2] for row in table_rows(visit, "#matches")}
    assert "battery chemistry" in matched["Battery cell manufacturing"]
