"""The event calendar in a real browser on the demo network: the demo's upcoming webinar is
listed (and the past visit is not), the language links switch the page to Finnish, and the
signed-in demo learner registers for the webinar from its page, then cancels."""

import pytest

from backend.demo.events import VISIT, WEBINAR, WORKSHOP
from tests.e2e.browser import DemoSite, Visit, log_in_as

pytestmark = pytest.mark.live


def test_the_calendar_lists_the_demo_events(visit: Visit, demo_site: DemoSite) -> None:
    visit.go("/events/?lang=en")
    visit.shot("calendar")

    titles = visit.page.locator("article.event h2").all_inner_texts()
    assert WEBINAR in titles
    assert WORKSHOP in titles
    assert VISIT not in titles
    assert "2 of 2 places taken" in visit.page.locator("main").inner_text()
    assert visit.foreign_requests() == []


def test_the_calendar_filters_by_kind(visit: Visit, demo_site: DemoSite) -> None:
    visit.go("/events/?lang=en")
    visit.page.select_option("select[name=kind]", "workshop")
    with visit.page.expect_navigation():
        visit.page.click("form.filters button[type=submit]")

    assert visit.page.locator("article.event h2").all_inner_texts() == [WORKSHOP]


def test_the_calendar_speaks_finnish(visit: Visit, demo_site: DemoSite) -> None:
    visit.go("/events/?lang=fi")
    visit.shot("calendar-fi")

    assert visit.page.locator("h1").inner_text() == "Verkoston tapahtumat"
    titles = visit.page.locator("article.event h2").all_inner_texts()
    assert "Webinaari: sähköautojen akkujen toinen elämä" in titles


def test_a_signed_in_learner_registers_and_cancels(visit: Visit, demo_site: DemoSite) -> None:
    log_in_as(visit, "learner")
    visit.go("/events/?lang=en")
    with visit.page.expect_navigation():
        visit.page.get_by_role("link", name=WEBINAR).click()
    with visit.page.expect_navigation():
        visit.page.get_by_role("button", name="Register").click()
    visit.shot("registered")

    assert "You are registered." in visit.page.locator("#registration-status").inner_text()

    with visit.page.expect_navigation():
        visit.page.get_by_role("button", name="Cancel my registration").click()
    visit.shot("cancelled")
    assert "Your registration is cancelled." in visit.page.locator(".messages").inner_text()
    assert visit.page.get_by_role("button", name="Register").count() == 1
