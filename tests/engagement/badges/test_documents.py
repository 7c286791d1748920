"""The public OB 2.0 documents and pages: content negotiation, permanent URLs under
KIPINA_PUBLIC_URL, the hashed recipient, revocation, images, contexts, bad input."""

import hashlib
import json
import uuid
from typing import Any

import pytest
from django.test import Client

from engagement.badges.baking import unbaked
from engagement.badges.models import Assertion, BadgeClass, Issuer
from engagement.badges.services import assertion_revoke
from tests.engagement.badges.conftest import NOON

pytestmark = pytest.mark.django_db

LD = {"Accept": "application/ld+json"}
BROWSER = {"Accept": "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"}


@pytest.fixture(autouse=True)
def _public_url(settings: Any) -> None:
    settings.KIPINA_PUBLIC_URL = "https://badges.kipina.example"


def test_the_assertion_is_json_ld_for_a_verifier(client: Client, assertion: Assertion) -> None:
    response = client.get(f"/badges/assertions/{assertion.uuid}", headers=LD)

    assert response.status_code == 200
    assert response["Content-Type"] == "application/ld+json"
    assert "Accept" in response["Vary"]
    document = response.json()
    assert document["@context"] == "https://w3id.org/openbadges/v2"
    assert document["id"] == f"https://badges.kipina.example/badges/assertions/{assertion.uuid}"
    assert document["verification"] == {"type": "hosted"}
    assert document["badge"].endswith(f"/badges/classes/{assertion.badge_class.uuid}")
    assert document["recipient"]["hashed"] is True


def test_a_client_that_names_no_type_gets_json_ld(client: Client, assertion: Assertion) -> None:
    response = client.get(f"/badges/assertions/{assertion.uuid}")

    assert response["Content-Type"] == "application/ld+json"


def test_a_browser_gets_the_verification_page(client: Client, assertion: Assertion) -> None:
    response = client.get(f"/badges/assertions/{assertion.uuid}", headers=BROWSER)

    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/html")
    page = response.content.decode()
    assert "Battery safety" in page
    assert "Savonia UAS" in page
    assert "This badge is valid" in page
    assert assertion.recipient_hash in page


def test_format_json_gives_a_browser_the_json_ld(client: Client, assertion: Assertion) -> None:
    response = client.get(f"/badges/assertions/{assertion.uuid}?format=json", headers=BROWSER)

    assert response.json()["type"] == "Assertion"


def test_the_page_is_in_the_readers_language(client: Client, assertion: Assertion) -> None:
    response = client.get(
        f"/badges/assertions/{assertion.uuid}", headers={**BROWSER, "Accept-Language": "fi"}
    )

    assert "Akkuturvallisuus" in response.content.decode()


def test_the_email_is_never_in_the_document_or_the_page(
    client: Client, assertion: Assertion
) -> None:
    for headers in (LD, BROWSER):
        body = client.get(f"/badges/assertions/{assertion.uuid}", headers=headers).content
        assert b"aino@example.fi" not in body
        assert b"aino" not in body.lower()


def test_the_hash_is_of_the_email_and_the_published_salt(
    client: Client, assertion: Assertion
) -> None:
    recipient = client.get(f"/badges/assertions/{assertion.uuid}", headers=LD).json()["recipient"]

    digest = hashlib.sha256(("aino@example.fi" + recipient["salt"]).encode()).hexdigest()
    assert recipient["identity"] == f"sha256${digest}"
    assert recipient["identity"] != "aino@example.fi"


def test_a_revoked_assertion_answers_gone_with_the_reason(
    client: Client, assertion: Assertion
) -> None:
    assertion_revoke(assertion=assertion, reason="Issued in error", now=NOON)

    response = client.get(f"/badges/assertions/{assertion.uuid}", headers=LD)

    assert response.status_code == 410
    assert response.json() == {
        "@context": "https://w3id.org/openbadges/v2",
        "type": "Assertion",
        "id": f"https://badges.kipina.example/badges/assertions/{assertion.uuid}",
        "revoked": True,
        "revocationReason": "Issued in error",
    }


def test_a_revoked_assertions_page_says_so(client: Client, assertion: Assertion) -> None:
    assertion_revoke(assertion=assertion, reason="Issued in error", now=NOON)

    response = client.get(f"/badges/assertions/{assertion.uuid}", headers=BROWSER)

    page = response.content.decode()
    assert response.status_code == 410
    assert "This badge was revoked" in page
    assert "Issued in error" in page
    assert "This badge is valid" not in page


def test_the_badge_class_names_its_criteria_and_alignments(
    client: Client, safety_badge: BadgeClass
) -> None:
    document = client.get(f"/badges/classes/{safety_badge.uuid}", headers=LD).json()

    assert document["type"] == "BadgeClass"
    assert document["issuer"].endswith(f"/badges/issuers/{safety_badge.issuer.uuid}")
    assert document["image"].endswith(f"/badges/classes/{safety_badge.uuid}/image.png")
    narrative = document["criteria"]["narrative"]
    assert narrative.startswith("Watch the safety video")
    assert "2 of these 2 activities" in narrative
    assert "https://moodle.savonia.fi/mod/quiz/1" in narrative
    frameworks = [a["targetFramework"] for a in document["alignment"]]
    assert frameworks == ["ESCO", "European Qualifications Framework"]
    assert document["alignment"][1]["targetCode"] == "5"
    assert document["tags"] == ["safety", "battery"]


def test_a_pathway_badge_lists_the_milestones(client: Client, pathway_badge: BadgeClass) -> None:
    document = client.get(f"/badges/classes/{pathway_badge.uuid}", headers=LD).json()

    assert "1. Safety" in document["criteria"]["narrative"]
    assert "2. Cell chemistry" in document["criteria"]["narrative"]


def test_the_issuer_is_a_profile(client: Client, issuer: Issuer) -> None:
    document = client.get(f"/badges/issuers/{issuer.uuid}", headers=LD).json()

    assert document["type"] == "Profile"
    assert document["email"] == "badges@savonia.fi"
    assert document["url"] == "https://www.savonia.fi"


def test_the_badge_image_is_the_default_png(client: Client, safety_badge: BadgeClass) -> None:
    response = client.get(f"/badges/classes/{safety_badge.uuid}/image.png")

    assert response["Content-Type"] == "image/png"
    assert response.content.startswith(b"\x89PNG\r\n\x1a\n")


def test_the_baked_png_carries_the_assertion(client: Client, assertion: Assertion) -> None:
    response = client.get(f"/badges/assertions/{assertion.uuid}/baked.png")

    assert response["Content-Type"] == "image/png"
    assert "attachment" in response["Content-Disposition"]
    inside = unbaked(response.content)
    assert inside is not None
    assert inside["id"].endswith(f"/badges/assertions/{assertion.uuid}")
    assert inside["recipient"]["identity"] == assertion.recipient_hash


def test_a_revoked_badge_has_no_baked_png(client: Client, assertion: Assertion) -> None:
    assertion_revoke(assertion=assertion, reason="Issued in error", now=NOON)

    assert client.get(f"/badges/assertions/{assertion.uuid}/baked.png").status_code == 404


def test_the_bundled_context_is_served_byte_for_byte(client: Client, db: None) -> None:
    response = client.get("/badges/contexts/openbadges-v2.json")

    body = response.getvalue()
    assert response["Content-Type"] == "application/ld+json"
    assert (
        hashlib.sha256(body).hexdigest()
        == "3c0c25a0e581c64cbe632197377c4f334c6c0b95f0d90e3b74449781612b153d"
    )
    assert "hosted" in json.loads(body)["@context"]


@pytest.mark.parametrize(
    "path",
    [
        "/badges/assertions/{unknown}",
        "/badges/assertions/{unknown}/baked.png",
        "/badges/classes/{unknown}",
        "/badges/classes/{unknown}/image.png",
        "/badges/issuers/{unknown}",
        "/badges/contexts/nothing-here.json",
        "/badges/shared/no-such-token",
    ],
)
def test_unknown_documents_are_404(client: Client, db: None, path: str) -> None:
    assert client.get(path.format(unknown=uuid.uuid4())).status_code == 404


@pytest.mark.parametrize(
    "path",
    [
        "/badges/assertions/not-a-uuid",
        "/badges/classes/12",
        "/badges/contexts/../settings.json",
        "/badges/contexts/%2e%2e%2fsettings.json",
    ],
)
def test_malformed_addresses_are_404(client: Client, db: None, path: str) -> None:
    assert client.get(path).status_code == 404


def test_documents_refuse_writes(client: Client, assertion: Assertion) -> None:
    response = client.post(f"/badges/assertions/{assertion.uuid}", {"revoked": True})

    assert response.status_code == 405
    assert Assertion.objects.get().revoked_at is None


def test_the_verification_page_is_in_finnish_and_swedish(
    client: Client, assertion: Assertion
) -> None:
    finnish = client.get(
        f"/badges/assertions/{assertion.uuid}", headers={**BROWSER, "Accept-Language": "fi"}
    )
    swedish = client.get(
        f"/badges/assertions/{assertion.uuid}", headers={**BROWSER, "Accept-Language": "sv"}
    )

    assert "Tämä osaamismerkki on voimassa" in finnish.content.decode()
    assert "Det här märket är giltigt" in swedish.content.decode()


@pytest.mark.parametrize("language", ["fi", "sv"])
def test_the_catalogues_are_complete(language: str) -> None:
    import gettext
    from pathlib import Path

    import engagement.badges

    po = Path(engagement.badges.__file__).parent / "locale" / language / "LC_MESSAGES"
    text = (po / "django.po").read_text()
    entries = text.split("\n\n")[1:]
    assert entries
    assert "#, fuzzy" not in text
    assert not [e for e in entries if e.rstrip().endswith('msgstr ""')]
    with (po / "django.mo").open("rb") as compiled:
        catalogue = gettext.GNUTranslations(compiled)
    # Compiled from this .po: one key per entry and plural form, and the header's.
    plurals = sum("msgid_plural" in entry for entry in entries)
    assert len(catalogue._catalog) == len(entries) + plurals + 1  # type: ignore[attr-defined]


@pytest.mark.parametrize("path", ["/badges/issuers/{issuer}", "/badges/classes/{badge}"])
def test_issuer_and_badge_class_have_pages(client: Client, assertion: Assertion, path: str) -> None:
    badge_class = assertion.badge_class
    url = path.format(issuer=badge_class.issuer.uuid, badge=badge_class.uuid)

    response = client.get(url, headers={**BROWSER, "Accept-Language": "en"})

    assert response.status_code == 200
    assert "Savonia UAS" in response.content.decode()
