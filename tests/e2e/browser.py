"""A real browser against a real server: Playwright driving Debian's chromium (never a
browser Playwright downloads), and the demo network served by gunicorn.

The demo site is made as `make demo` makes it (migrate, then `manage.py demo`, which seeds
the network and replays the LMS traffic through the live xAPI endpoint), on a SQLite file
of its own in a tmp dir, then served by gunicorn (tests/e2e/stack.py). Screenshots go to
test-output/e2e/<test>/ (git-ignored), where a reviewer finds them after the run.
"""

import os
import re
import shutil
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest

from backend.demo import seed
from tests.conftest import REQUIRE_SERVICES
from tests.e2e.stack import BASE_DIR, Stack, free_port

# Debian's package (apt-get install chromium); .ci/run installs it when it is missing.
CHROMIUM = os.environ.get("KIPINA_CHROMIUM", "/usr/bin/chromium")
OUTPUT_DIR = Path(os.environ.get("KIPINA_TEST_OUTPUT", BASE_DIR / "test-output")) / "e2e"
# Chromium's own schemes (the page before the first navigation, inline images) fetch nothing.
LOCAL_SCHEMES = {"about", "data", "blob"}
LOOPBACK = "127.0.0.1"
CONTEXT: dict[str, Any] = {"locale": "en-GB", "viewport": {"width": 1280, "height": 900}}
# Each Content-Security-Policy violation the document sees, told on the console (where
# chromium also says "Refused to ..." in its own words): a page with one fails its test.
CSP_LISTENER = """
document.addEventListener("securitypolicyviolation", (event) => {
  console.error(`CSP violation: ${event.effectiveDirective} refused ${event.blockedURI || "inline"}`
    + ` at ${event.sourceFile || event.documentURI}:${event.lineNumber}`);
});
"""


def _missing(message: str) -> None:
    if REQUIRE_SERVICES:
        pytest.fail(message + " (KIPINA_REQUIRE_SERVICES=1 makes this a failure)")
    pytest.skip(message)


def chromium_path() -> str:
    """Debian's chromium: skip without it, or fail when CI requires it."""
    if shutil.which(CHROMIUM) is None:
        _missing(f"chromium is needed at {CHROMIUM} (Debian package chromium)")
    return CHROMIUM


@dataclass
class Visit:
    """A browser page and every URL it requested, to prove nothing left the machine."""

    page: Any
    base_url: str
    shots: Path
    requested: list[str] = field(default_factory=list)
    csp_violations: list[str] = field(default_factory=list)

    def watch(self) -> None:
        """Record the page's requests and its CSP violations."""
        self.page.context.add_init_script(script=CSP_LISTENER)
        self.page.on("request", lambda sent: self.requested.append(sent.url))
        self.page.on("console", self._console)

    def _console(self, message: Any) -> None:
        text = message.text
        if message.type == "error" and (
            text.startswith("CSP violation") or "Content Security Policy" in text
        ):
            self.csp_violations.append(f"{self.page.url}: {text}")

    def go(self, path: str) -> Any:
        return self.page.goto(self.base_url + path.lstrip("/"))

    def log_in(self, username: str, password: str, path: str = "/accounts/login/") -> None:
        self.go(path)
        self.page.fill("input[name=username]", username)
        self.page.fill("input[name=password]", password)
        # Enter submits the password's own form (the page has others: the language switch).
        with self.page.expect_navigation():
            self.page.press("input[name=password]", "Enter")

    def shot(self, name: str) -> Path:
        self.shots.mkdir(parents=True, exist_ok=True)
        path = self.shots / f"{name}.png"
        self.page.screenshot(path=str(path), full_page=True)
        return path

    def another(self) -> "Visit":
        """A second person at another browser (a context of its own: no shared cookies),
        whose requests are checked with this one's."""
        context = self.page.context.browser.new_context(**CONTEXT)
        self.page.context.on("close", lambda _: context.close())
        other = Visit(
            context.new_page(), self.base_url, self.shots, self.requested, self.csp_violations
        )
        other.watch()
        return other

    def refused(self, path: str) -> int:
        """The status of a page this person may not see (its screenshot kept too)."""
        status = int(self.go(path).status)
        self.shot("refused-" + path.strip("/").replace("/", "-"))
        return status

    def foreign_requests(self) -> list[str]:
        return [
            url
            for url in self.requested
            if urlsplit(url).scheme not in LOCAL_SCHEMES and urlsplit(url).hostname != LOOPBACK
        ]


@dataclass
class DemoSite:
    stack: Stack
    output: str  # what `manage.py demo` printed: its progress table is an oracle of the pages

    def progress(self) -> dict[str, tuple[str, str]]:
        """Each learner's (pathway, milestones "done/total") as the demo printed them."""
        table = re.findall(r"^  (\S+ \S+)\s{2,}(.+?)\s{2,}\d+%\s+(\d+/\d+)\s", self.output, re.M)
        return {learner: (pathway, milestones) for learner, pathway, milestones in table}


@pytest.fixture(scope="module")
def demo_site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[DemoSite]:
    """The demo network as `make demo` leaves it, served by gunicorn on its own SQLite."""
    chromium_path()  # no point seeding for a browser that is not there
    stack = Stack(
        tmp_path_factory.mktemp("demo-site"),
        # As `make demo` sets them: small batches, a short settle wait.
        KIPINA_XAPI_STORE_DEADLINE_SECONDS="5",
        KIPINA_PROGRESS_SETTLE_SECONDS="6",
    )
    # Embedded, as the demo runs: no broker (Celery eager), whatever the suite runs against.
    stack.env.pop("REDIS_URL")
    stack.env.pop("KIPINA_PUBLIC_URL", None)
    try:
        stack.manage("migrate", "--no-input")
        output = stack.manage("demo", "--exit-after-replay", "--port", str(free_port()))
        stack.start_web()
        yield DemoSite(stack, output)
    finally:
        stack.close()


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _missing("playwright is needed (pip install -e '.[dev]')")
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=chromium_path(), headless=True)
        yield launched
        launched.close()


@pytest.fixture
def visit(browser: Any, demo_site: DemoSite, request: pytest.FixtureRequest) -> Iterator[Visit]:
    """A fresh browser context (no cookies) on the demo site; after the test, no request may
    have gone anywhere but our own server."""
    context = browser.new_context(**CONTEXT)
    page = context.new_page()
    test_name = re.sub(r"[^\w.-]+", "_", request.node.name)
    base_url = f"http://{LOOPBACK}:{demo_site.stack.web_port}/"
    visit = Visit(page, base_url, OUTPUT_DIR / test_name)
    visit.watch()
    try:
        yield visit
    finally:
        context.close()
    assert visit.foreign_requests() == [], "the page fetched from outside our server"
    assert visit.csp_violations == [], f"the CSP refused part of a page: {visit.csp_violations}"


# --- Steps the dashboard tests share ----------------------------------------------------


def log_in_as(visit: Visit, role: str) -> None:
    """Sign in with the demo login of `role` and land on its dashboard."""
    login = next(login for login in seed.DASHBOARD_LOGINS if login.role == role)
    visit.log_in(login.username, login.password, path=f"/accounts/login/?next={login.dashboard}")
    assert visit.page.url == visit.base_url + login.dashboard.lstrip("/")


def table_rows(visit: Visit, selector: str) -> list[list[str]]:
    return [
        [cell.strip() for cell in row.locator("td").all_inner_texts()]
        for row in visit.page.locator(f"{selector} tbody tr").all()
    ]
