"""The VC 2.0 and OB 3.0 JSON-LD contexts are bundled byte for byte (contexts/README.md)."""

import hashlib
import json
from pathlib import Path

import pytest

from engagement.badges.credentials import OB_V3_CONTEXT, VC_V2_CONTEXT

CONTEXTS = Path(__file__).resolve().parents[3] / "engagement" / "badges" / "contexts"


def recorded() -> dict[str, tuple[str, str]]:
    """file -> (context URL, sha256), from the README's table."""
    rows = {}
    for line in (CONTEXTS / "README.md").read_text().splitlines():
        cells = [cell.strip() for cell in line.strip("|").split("|")]
        if len(cells) == 4 and cells[0].startswith("`"):
            rows[cells[0].strip("`")] = (cells[1], cells[3])
    return rows


@pytest.mark.parametrize("name", ["credentials-v2.json", "openbadges-v3.json"])
def test_a_bundled_context_has_the_recorded_bytes(name):
    _, sha256 = recorded()[name]
    assert hashlib.sha256((CONTEXTS / name).read_bytes()).hexdigest() == sha256


def test_the_credentials_name_the_bundled_contexts():
    urls = {url for url, _ in recorded().values()}
    assert {VC_V2_CONTEXT, OB_V3_CONTEXT} <= urls


def test_the_vc_context_defines_the_status_list_terms():
    terms = json.loads((CONTEXTS / "credentials-v2.json").read_text())["@context"]
    assert {"BitstringStatusListCredential", "BitstringStatusListEntry"} <= set(terms)
