"""The browser harness itself, proven on pages that do not depend on the dashboards: the
demo's network administrator logs in through the admin site's login page in chromium."""

import contextlib

import pytest

from backend.demo import seed
from tests.e2e.browser import Visit

pytestmark = pytest.mark.live


def test_it_logs_the_network_administrator_in_through_a_real_browser(visit: Visit) -> None:
    visit.log_in(seed.NETWORK_ADMIN_USERNAME, seed.NETWORK_ADMIN_PASSWORD, path="/admin/login/")

    assert visit.page.url == visit.base_url + "admin/"
    assert visit.page.locator("#user-tools").inner_text().upper().startswith("WELCOME")
    assert visit.page.locator("a[href='/admin/network/']").count() >= 1
    assert visit.shot("admin-index").stat().st_size > 0


def test_it_keeps_a_wrong_password_on_the_login_page(visit: Visit) -> None:
    visit.log_in(seed.NETWORK_ADMIN_USERNAME, "not-the-password", path="/admin/login/")

    assert visit.page.url.startswith(visit.base_url + "admin/login/")
    assert visit.page.locator(".errornote").is_visible()
    visit.shot("admin-login-refused")


def test_it_records_a_request_that_leaves_the_machine(visit: Visit) -> None:
    """The guard every browser test ends with must be able to fail: a page that names an
    outside address is caught (the request is refused here, so nothing leaves). A page's own
    fetch would not get that far (the next test), so the browser is sent there instead."""
    visit.page.route("https://example.org/**", lambda route: route.abort())
    visit.go("/admin/login/")
    # The aborted navigation raises playwright's Error (not imported here: browser.py skips
    # the browser tests cleanly when playwright is missing).
    with contextlib.suppress(Exception):
        visit.page.goto("https://example.org/plotly.min.js")

    assert visit.foreign_requests() == ["https://example.org/plotly.min.js"]
    visit.requested.clear()  # this test's deliberate request, not a finding


def test_it_records_what_the_content_security_policy_refuses(visit: Visit) -> None:
    """The other guard: a script of the page fetching from another origin is refused by the
    CSP (connect-src falls back to default-src 'self'), and the refusal is recorded."""
    visit.go("/admin/login/")
    with visit.page.expect_console_message(lambda message: "connect-src" in message.text):
        visit.page.evaluate("fetch('https://example.org/plotly.min.js').catch(() => null)")

    assert visit.csp_violations
    assert visit.foreign_requests() == []
    # Chromium may report the same refusal more than once; the browser's messages arrive in
    # order, so once the page is closed no late report of it can follow the clear.
    visit.page.close()
    visit.csp_violations.clear()  # this test's deliberate violation, not a finding
