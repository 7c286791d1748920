"""The badges admin: badge classes take a checked PNG upload; assertions are read-only and
revoked by an action that asks for the reason; awards on request from the badge class list."""

import io
from typing import Any

import png  # type: ignore[import-untyped]
import pytest
from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from engagement.badges.baking import unbaked
from engagement.badges.models import Assertion, BadgeClass, Issuer
from tests.engagement.builders import Network

pytestmark = pytest.mark.django_db


@pytest.fixture
def superuser() -> Client:
    user = get_user_model().objects.create_superuser("root", "root@kipina.example", "x")
    client = Client()
    client.force_login(user)
    return client


def _png(size: int = 8) -> bytes:
    out = io.BytesIO()
    png.Writer(size, size, greyscale=True).write(out, [[128] * size] * size)
    return out.getvalue()


def _badge_form(issuer: Issuer, net: Network, image: Any = None) -> dict[str, Any]:
    data: dict[str, Any] = {
        "issuer": issuer.pk,
        "milestone": net.chemistry.pk,
        "name_en": "Cell chemistry",
        "description_en": "Knows the chemistry of cells.",
        "tags": '["chemistry"]',
    }
    if image is not None:
        data["image_upload"] = image
    return data


def test_a_badge_class_is_added_with_its_png(
    superuser: Client, issuer: Issuer, net: Network
) -> None:
    image = SimpleUploadedFile("badge.png", _png(), content_type="image/png")

    response = superuser.post("/admin/badges/badgeclass/add/", _badge_form(issuer, net, image))

    assert response.status_code == 302
    badge_class = BadgeClass.objects.get(milestone=net.chemistry)
    assert bytes(badge_class.image) == _png()
    assert badge_class.tags == ["chemistry"]


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"GIF89a not a png", "not a PNG"),
        (b"\x89PNG\r\n\x1a\n" + b"\x00" * 40, "does not decode"),
        (b"\x89PNG\r\n\x1a\n" + b"\x00" * (600 * 1024), "larger than"),
    ],
)
def test_an_image_that_is_not_a_good_png_is_refused(
    superuser: Client, issuer: Issuer, net: Network, content: bytes, message: str
) -> None:
    image = SimpleUploadedFile("badge.png", content, content_type="image/png")

    response = superuser.post("/admin/badges/badgeclass/add/", _badge_form(issuer, net, image))

    assert response.status_code == 200
    assert message in response.content.decode()
    assert not BadgeClass.objects.filter(milestone=net.chemistry).exists()


def test_tags_must_be_a_list_of_strings(superuser: Client, issuer: Issuer, net: Network) -> None:
    form = {**_badge_form(issuer, net), "tags": '{"a": 1}'}

    response = superuser.post("/admin/badges/badgeclass/add/", form)

    assert response.status_code == 200
    assert not BadgeClass.objects.filter(milestone=net.chemistry).exists()


def test_the_uploaded_image_is_what_gets_baked(
    superuser: Client, issuer: Issuer, net: Network
) -> None:
    from engagement.badges.services import badge_award

    image = SimpleUploadedFile("badge.png", _png(16), content_type="image/png")
    superuser.post("/admin/badges/badgeclass/add/", _badge_form(issuer, net, image))
    badge_class = BadgeClass.objects.get(milestone=net.chemistry)
    assertion = badge_award(badge_class=badge_class, recipient=net.learner).assertion

    baked = Client().get(f"/badges/assertions/{assertion.uuid}/baked.png").content

    width, height, _rows, _info = png.Reader(bytes=baked).read()
    assert (width, height) == (16, 16)
    assert unbaked(baked) is not None


def test_the_revoke_action_asks_for_a_reason_first(superuser: Client, assertion: Assertion) -> None:
    response = superuser.post(
        "/admin/badges/assertion/", {"action": "revoke", "_selected_action": [assertion.pk]}
    )

    assert response.status_code == 200
    assert "Revoking is final" in response.content.decode()
    assert Assertion.objects.get().revoked_at is None


def test_the_revoke_action_revokes_with_the_reason(superuser: Client, assertion: Assertion) -> None:
    response = superuser.post(
        "/admin/badges/assertion/",
        {"action": "revoke", "_selected_action": [assertion.pk], "reason": "Issued in error"},
    )

    assert response.status_code == 302
    revoked = Assertion.objects.get()
    assert revoked.revoked_at is not None
    assert revoked.revocation_reason == "Issued in error"


def test_assertions_cannot_be_edited_by_hand(superuser: Client, assertion: Assertion) -> None:
    superuser.post(
        f"/admin/badges/assertion/{assertion.pk}/change/",
        {"recipient_hash": "sha256$forged", "status_list_index": "99"},
    )

    unchanged = Assertion.objects.get()
    assert unchanged.recipient_hash == assertion.recipient_hash
    assert unchanged.status_list_index == assertion.status_list_index


def test_the_award_action_awards_earlier_completions(
    superuser: Client, safety_badge: BadgeClass, net: Network
) -> None:
    from engagement.progress.services import progress_project
    from tests.engagement.builders import EXPERIENCED, SAFETY_QUIZ, SAFETY_VIDEO, statement, store

    store(net.client, statement(SAFETY_VIDEO, EXPERIENCED), statement(SAFETY_QUIZ))
    progress_project()

    response = superuser.post(
        "/admin/badges/badgeclass/",
        {"action": "award_completed", "_selected_action": [safety_badge.pk]},
        follow=True,
    )

    assert "1 badge awarded." in response.content.decode()
    assert Assertion.objects.get().recipient == net.learner


@pytest.mark.parametrize(
    "page",
    [
        "/admin/badges/issuer/",
        "/admin/badges/badgeclass/",
        "/admin/badges/assertion/",
        "/admin/badges/awarddecision/",
        "/admin/badges/badgeshare/",
        "/admin/badges/statuslistcounter/",
    ],
)
def test_every_admin_list_opens(superuser: Client, assertion: Assertion, page: str) -> None:
    assert superuser.get(page).status_code == 200
