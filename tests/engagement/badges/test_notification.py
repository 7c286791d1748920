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
