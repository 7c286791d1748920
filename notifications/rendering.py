"""Render a notification in the person's language: a subject, a text part and an HTML part
from Django templates under templates/notifications/.

A rule's template key picks `notifications/<key>/`, else the topic's own templates
(`notifications/<topic>/`), so a rule whose key has no templates yet still says something
sensible. Strings are gettext-wrapped; the fi/sv/en catalogues translate them.
"""

import re
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.template.loader import select_template
from django.urls import reverse
from django.utils import translation

from engagement.network.models import Enrolment
from engagement.rules.reasons import reasons_text
from notifications.models import Notification, Topic

# Template keys come from rule definitions that administrators write: only plain names are
# looked up, so a key can never reach outside templates/notifications/.
_PLAIN_KEY = re.compile(r"^[a-z0-9_-]{1,100}$")


@dataclass(frozen=True)
class Rendered:
    subject: str
    text: str
    html: str


def notification_render(
    notification: Notification, *, language: str, unsubscribe_url: str
) -> Rendered:
    folders = [f"notifications/{notification.topic}/"]
    if _PLAIN_KEY.match(notification.template):
        folders.insert(0, f"notifications/{notification.template}/")
    with translation.override(language):
        context = _context(notification, language, unsubscribe_url)
        subject = select_template([f + "subject.txt" for f in folders]).render(context)
        text = select_template([f + "body.txt" for f in folders]).render(context)
        html = select_template([f + "body.html" for f in folders]).render(context)
    # A subject is one line (a newline in it would start a new header).
    return Rendered(" ".join(subject.split()), text.strip() + "\n", html)


def _context(notification: Notification, language: str, unsubscribe_url: str) -> dict[str, Any]:
    person = notification.person
    given: dict[str, Any] = notification.context or {}
    enrolment_id = given.get("enrolment_id")
    enrolment: Enrolment | None = None
    if isinstance(enrolment_id, int):
        found = Enrolment.objects.select_related("pathway", "learner").filter(pk=enrolment_id)
        enrolment = found.first()
    return {
        "given_name": person.given_name,
        "pathway": enrolment.pathway.translated("title", language) if enrolment else "",
        # Teachers are told whom an alert is about; learners' own nudges name them anyway.
        "learner": f"{enrolment.learner.given_name} {enrolment.learner.family_name}"
        if enrolment
        else "",
        # Stored as codes with values; worded here, in the person's language.
        "reasons": reasons_text(given.get("reasons", [])),
        "topic": Topic(notification.topic).label,
        "link": settings.KIPINA_PUBLIC_URL + reverse("home"),
        "unsubscribe_url": unsubscribe_url,
    }
