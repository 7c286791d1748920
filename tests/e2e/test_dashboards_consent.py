"""Revoking a consent in a real browser: the learner stops sharing on her page, and the
employer's page, open in another browser, drops her on its next load. A module of its own,
as it changes the demo site the other page tests read."""

import pytest

from backend.demo import network
from tests.e2e.browser import Visit, log_in_as, table_rows

pytestmark = pytest.mark.live


def test_the_employer_page_drops_a_learner_at_once_when_she_stops_sharing(visit: Visit) -> None:
    employer = visit.another()
    log_in_as(employer, "employer")
    assert [row[0] for row in table_rows(employer, "#staff")] == [network.LEARNER_WITH_LOGIN]
    employer.shot("employer-before")
    log_in_as(visit, "learner")

    with visit.page.expect_navigation():
        visit.page.locator("#consents button", has_text="Stop sharing").click()
    visit.shot("learner-after-revoking")
    employer.page.reload()
    employer.shot("employer-after")

    assert visit.page.locator("#consents li").all_inner_texts() == [
        "You share your studies with no employer."
    ]
    assert employer.page.locator("#staff").count() == 0
    assert employer.page.locator("#nobody-shares").is_visible()
    assert network.LEARNER_WITH_LOGIN not in employer.page.locator("main").inner_text()
