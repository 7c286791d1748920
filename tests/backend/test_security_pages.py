"""Security headers on every page and CSRF on every form, over every URL the resolver knows."""

import re
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.contrib.auth import get_user_model
from django.template import Engine
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, resolve
from django.urls.exceptions import Resolver404

pytestmark = pytest.mark.django_db

BASE_DIR = Path(__file__).resolve().parents[2]
_SAMPLES = {"int": "1", "uuid": str(uuid.UUID(int=1)), "path": "1"}


def _concrete(route: str) -> str:
    """A URL the pattern matches: parameters filled with samples of their type."""
    route = re.sub(r"<(?:(\w+):)?\w+>", lambda m: _SAMPLES.get(m.group(1) or "", "x"), route)
    route = re.sub(r"\(\?P<\w+>[^)]*\)", "1", route)  # DRF router groups: [^/.]+ and \d+
    return "/" + route.replace("^", "").replace("$", "").replace("/?", "/")


def url_patterns(
    resolver: URLResolver | None = None, prefix: str = ""
) -> Iterator[tuple[str, URLPattern]]:
    for entry in (resolver or get_resolver()).url_patterns:
        if isinstance(entry, URLResolver):
            yield from url_patterns(entry, prefix + str(entry.pattern))
        else:
            yield prefix + str(entry.pattern), entry


def concrete_urls() -> Iterator[tuple[str, URLPattern]]:
    """One URL per pattern that resolves back to the pattern's own view."""
    for route, pattern in url_patterns():
        path = _concrete(route)
        try:
            match = resolve(path)
        except Resolver404:
            continue  # an alternation (the admin's app index): its own tests cover it
        if match.func is pattern.callback:
            yield path, pattern


def page_urls() -> list[str]:
    """The URLs that take no parameters (plus the admin's, which need none of ours)."""
    return sorted({_concrete(route) for route, _ in url_patterns() if "<" not in route})


@pytest.fixture
def staff_browser() -> Client:
    browser = Client()
    browser.force_login(get_user_model().objects.create_superuser("root", password="x" * 20))
    return browser


@pytest.mark.parametrize("signed_in", [False, True], ids=["anonymous", "superuser"])
def test_every_response_carries_the_security_headers(staff_browser, signed_in):
    browser = staff_browser if signed_in else Client()
    checked = 0
    for path in page_urls():
        if path.startswith("/dashboards/plotly-") or path == "/api/schema/":
            continue  # a 4.6 MB file and a slow schema: the same middleware answers them
        response = browser.get(path)
        checked += 1
        policy = response.get("Content-Security-Policy", "")
        assert "default-src 'self'" in policy, path
        assert "script-src 'self';" in policy + ";", path  # no inline script, no eval
        for directive in (
            "object-src 'none'",
            "base-uri 'self'",
            "form-action 'self'",
            "frame-ancestors 'none'",
        ):
            assert directive in policy, (path, directive)
        # Only style attributes (plotly's SVG) may be inline: no script, no <style> block.
        assert "unsafe-inline" not in policy.replace("style-src-attr 'unsafe-inline'", "")
        assert "unsafe-eval" not in policy
        assert response["X-Frame-Options"] == "DENY", path
        assert response["X-Content-Type-Options"] == "nosniff", path
        assert response["Referrer-Policy"] == "same-origin", path
    assert checked > 30


def test_html_pages_have_no_inline_script_or_style_attribute_and_nonced_styles(staff_browser):
    """What the policy would refuse in a browser, found in the HTML (the browser tests in
    tests/e2e fail on any violation too)."""
    pages = 0
    for path in page_urls():
        response = staff_browser.get(path)
        if not response.get("Content-Type", "").startswith("text/html"):
            continue
        pages += 1
        html = response.content.decode()
        policy = response["Content-Security-Policy"]
        nonces = set(re.findall(r"'nonce-([^']+)'", policy))
        for tag in re.findall(r"<script\b[^>]*>", html):
            assert "src=" in tag or 'type="application/json"' in tag, (path, tag)
        for tag in re.findall(r"<style\b[^>]*>", html):
            nonce = re.search(r'nonce="([^"]+)"', tag)
            assert nonce, (path, tag)
            assert nonce.group(1) in nonces, (path, tag)
        assert not re.search(r"<[^>]+\sstyle=", html), path
        assert not re.search(r"<[^>]+\son[a-z]+=", html), path
        assert "javascript:" not in html, path
    assert pages > 10


def test_hsts_is_sent_over_tls_only(settings):
    settings.SECURE_HSTS_SECONDS = 31_536_000
    settings.SECURE_HSTS_INCLUDE_SUBDOMAINS = True

    over_tls = Client().get("/", secure=True)
    plain = Client().get("/")

    assert over_tls["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains"
    assert "Strict-Transport-Security" not in plain


def _with_includes(text: str) -> str:
    """The template's text with the templates it includes put in their place."""
    return re.sub(
        r"{% include \"([^\"]+)\"[^%]*%}",
        lambda m: _with_includes(Engine.get_default().get_template(m.group(1)).source),
        text,
    )


# Its one button posts to the one-click unsubscribe URL, exempt below (RFC 8058).
_TOKENLESS_FORMS = {"notifications/templates/notifications/unsubscribe.html"}


def test_templates_put_a_csrf_token_in_every_post_form():
    forms = 0
    for template in sorted(BASE_DIR.glob("*/**/templates/**/*.html")):
        name = "/".join(template.relative_to(BASE_DIR).parts)
        if ".venv" in template.parts or name in _TOKENLESS_FORMS:
            continue
        text = _with_includes(template.read_text())
        for form in re.findall(r"<form\b[^>]*>.*?</form>", text, re.S | re.I):
            if re.search(r"method=\"?post", form, re.I):
                forms += 1
                assert "{% csrf_token %}" in form, (template, form[:200])
    assert forms > 15


# Views Django's CSRF middleware does not guard. Each is authenticated otherwise: a
# session cookie does nothing for them, so a cross-site page gains nothing by posting.
CSRF_EXEMPT = {
    # The xAPI LRS: HTTP Basic of LRS clients on every request, no session (xAPI 1.0.3 §4).
    "/xapi/about/",
    "/xapi/statements/",
    "/xapi/activities/",
    "/xapi/activities/state/",
    "/xapi/activities/profile/",
    "/xapi/agents/",
    "/xapi/agents/profile/",
    # SendGrid's Event Webhook: an ECDSA signature over each call.
    "/notifications/sendgrid/events/",
    # One-click unsubscribe (RFC 8058 §3.2): the mail client posts with no cookie and no
    # form of ours; the signed token in the URL is the authority, and it only unsubscribes.
    "/notifications/unsubscribe/x/",
}


def test_every_post_without_a_token_is_refused_but_the_exempt_machine_endpoints(staff_browser):
    """A signed-in person's browser, made to post by another site: no CSRF token. Django's
    views are refused by the middleware; DRF's (exempt from it) by SessionAuthentication."""
    staff_browser.handler.enforce_csrf_checks = True
    answered = set()
    for path, _ in concrete_urls():
        response = staff_browser.post(path, {"field": "value"})
        if response.status_code != 403:
            answered.add(path)
    assert answered == CSRF_EXEMPT


@pytest.mark.parametrize(
    "path", ["/accounts/login/", "/join/", "/i18n/setlang/", "/admin/login/", "/needs/"]
)
def test_public_and_login_forms_refuse_a_post_without_the_token(path):
    browser = Client(enforce_csrf_checks=True)

    response = browser.post(path, {"username": "aino", "password": "guess"})

    assert response.status_code == 403
