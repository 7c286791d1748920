"""The "you earned a badge" notification renders from its own templates, naming the badge in
the learner's language."""

import pytest

from engagement.badges.models import BadgeClass
from engagement.badges.services import badge_award
from notifications.models import Notification
from notifications.rendering import Rendered, notification_render
from tests.engagement.builders import Network

pytestmark = pytest.mark.django_db

UNSUBSCRIBE = "https://kipina.example/u/x"


def _rendered(net: Network, badge_class: BadgeClass, language: str) -> Rendered:
    net.learner.language = language
    net.learner.save(update_fields=["language"])
    assertion = badge_award(
        badge_class=badge_class, recipient=net.learner, enrolment=net.enrolment
    ).assertion
    notification = Notification.objects.get(idempotency_key=f"badge:{assertion.uuid}")
    return notification_render(notification, language=language, unsubscribe_url=UNSUBSCRIBE)


def test_the_badge_earned_message_names_the_badge(net: Network, safety_badge: BadgeClass) -> None:
    rendered = _rendered(net, safety_badge, "en")

    assert rendered.subject == "You earned a badge, Aino!"
    text = rendered.text
    assert 'You earned the badge "Battery safety".' in text
    assert "Battery cell manufacturing" in text
    assert UNSUBSCRIBE in text
    assert "Battery safety" in rendered.html


def test_a_finnish_learner_gets_the_finnish_badge_name(
    net: Network, safety_badge: BadgeClass
) -> None:
    rendered = _rendered(net, safety_badge, "fi")

    assert "Akkuturvallisuus" in rendered.text


def test_the_message_links_to_the_badge_page(
    net: Network, safety_badge: BadgeClass, settings
) -> None:
    settings.KIPINA_PUBLIC_URL = "https://kipina.example"
    rendered = _rendered(net, safety_badge, "en")

    [assertion] = safety_badge.assertions.all()
    page = f"https://kipina.example/badges/assertions/{assertion.uuid}"
    assert page in rendered.text
    assert f'href="{page}"' in rendered.html


def test_a_stored_link_to_another_site_is_not_followed(
    net: Network, safety_badge: BadgeClass, settings
) -> None:
    settings.KIPINA_PUBLIC_URL = "https://kipina.example"
    assertion = badge_award(
        badge_class=safety_badge, recipient=net.learner, enrolment=net.enrolment
    ).assertion
    notification = Notification.objects.get(idempotency_key=f"badge:{assertion.uuid}")
    notification.context["badge_url"] = "https://kipina.example.evil.test/phish"
    notification.save(update_fields=["context"])

    rendered = notification_render(notification, language="en", unsubscribe_url=UNSUBSCRIBE)

    assert "evil" not in rendered.text
    assert "evil" not in rendered.html
