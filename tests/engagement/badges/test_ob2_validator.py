"""The 1EdTech Open Badges 2.0 validator (PyPI `openbadges`, openbadges-validator-core) checks
our hosted assertions against a live server: zero errors for a valid one; a revoked one is
refused.

The validator runs in its own virtualenv through /work/shared/tools/ob2-validate (it pins
2017-era packages; the tool builds the virtualenv on first use from the package index). It
fetches every document from the live server, so KIPINA_PUBLIC_URL is the server's URL.
"""

import fcntl
import os
import subprocess
from pathlib import Path
from typing import Any

import pytest
import requests

from engagement.badges.models import Assertion, BadgeClass
from engagement.badges.services import assertion_revoke, badge_award
from tests.conftest import REQUIRE_SERVICES
from tests.engagement.badges.conftest import NOON
from tests.engagement.builders import Network

pytestmark = [pytest.mark.live, pytest.mark.django_db(transaction=True)]

# The tool lives in the shared folder beside the repository (CI copies it there too).
_CANDIDATES = [
    os.environ.get("KIPINA_OB2_VALIDATE", ""),
    str(Path(__file__).resolve().parents[3].parent / "shared" / "tools" / "ob2-validate"),
    "/work/shared/tools/ob2-validate",
]
# The first run installs the validator's virtualenv; later runs take seconds.
VALIDATOR_TIMEOUT_SECONDS = 900


@pytest.fixture(autouse=True)
def _noon() -> None:
    """The live server runs in a thread of this process: no frozen clock here (the shared
    fixture freezes it), the validator compares issuedOn with the real time anyway."""


@pytest.fixture
def validator() -> str:
    for candidate in _CANDIDATES:
        if candidate and os.access(candidate, os.X_OK):
            _install_once(candidate)
            return candidate
    message = "the ob2-validate tool is needed: set KIPINA_OB2_VALIDATE to its path"
    if REQUIRE_SERVICES:
        pytest.fail(message + " (KIPINA_REQUIRE_SERVICES=1 makes this a failure)")
    pytest.skip(message)


@pytest.fixture
def hosted(live_server: Any, settings: Any, net: Network, safety_badge: BadgeClass) -> Assertion:
    settings.KIPINA_PUBLIC_URL = live_server.url
    return badge_award(badge_class=safety_badge, recipient=net.learner, now=NOON).assertion


def _install_once(tool: str) -> None:
    """Let one pytest-xdist worker build the tool's virtualenv while the other waits: two
    first runs at once would install into the same directory. A run against a closed port
    builds it (the tool installs before it validates) and then fails, as it should."""
    venv = Path(os.environ.get("OB2_VENV", str(Path.home() / ".cache" / "kipina-ob2-venv")))
    venv.parent.mkdir(parents=True, exist_ok=True)
    with open(f"{venv}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        ready = (
            subprocess.run(
                [str(venv / "bin" / "python"), "-c", "import openbadges"],
                capture_output=True,
                check=False,
            )
            if (venv / "bin" / "python").exists()
            else None
        )
        if ready is None or ready.returncode != 0:
            subprocess.run(
                [tool, "http://127.0.0.1:9/"],
                capture_output=True,
                timeout=VALIDATOR_TIMEOUT_SECONDS,
                check=False,
            )


def _validate(validator: str, url: str, email: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [validator, url, email],
        capture_output=True,
        text=True,
        timeout=VALIDATOR_TIMEOUT_SECONDS,
        check=False,
    )


def test_a_hosted_assertion_validates_with_zero_errors(
    validator: str, live_server: Any, hosted: Assertion
) -> None:
    url = f"{live_server.url}/badges/assertions/{hosted.uuid}"

    result = _validate(validator, url, "aino@example.fi")

    assert result.returncode == 0, result.stdout + result.stderr
    assert "valid=True errors=0" in result.stdout


def test_the_recipient_check_fails_for_another_email(
    validator: str, live_server: Any, hosted: Assertion
) -> None:
    url = f"{live_server.url}/badges/assertions/{hosted.uuid}"

    result = _validate(validator, url, "someone.else@example.fi")

    assert result.returncode == 1, result.stdout + result.stderr
    assert "VERIFY_RECIPIENT_IDENTIFIER" in result.stdout


def test_a_revoked_assertion_is_refused_and_answers_revoked(
    validator: str, live_server: Any, hosted: Assertion
) -> None:
    """OB 2.0: a revoked hosted assertion answers 410 Gone with revoked: true and only what
    it still requires (id). The validator 1.1.2 has no hosted-revocation check of its own
    (it reads revocation lists of signed badges only), so what it reports is that the
    document is no longer a valid assertion; the document itself says why."""
    assertion_revoke(assertion=hosted, reason="Issued in error", now=NOON)
    url = f"{live_server.url}/badges/assertions/{hosted.uuid}"

    result = _validate(validator, url, "aino@example.fi")
    answer = requests.get(url, headers={"Accept": "application/ld+json"}, timeout=10)

    assert result.returncode == 1, result.stdout + result.stderr
    assert "valid=False" in result.stdout
    assert answer.status_code == 410
    assert answer.json()["revoked"] is True
    assert answer.json()["revocationReason"] == "Issued in error"
