"""Fixtures of the browser tests (tests/e2e/browser.py), for every test file here."""

from tests.e2e.browser import browser, demo_site, visit

__all__ = ["browser", "demo_site", "visit"]
