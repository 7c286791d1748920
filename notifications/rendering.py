"""Render a notification in the person's language: a subject, a text part and an HTML part
from Django templates under templates/notifications/.

The templates are looked up in this order: the rule action's own key (`notifications/<key>/`,
for an administrator who wrote one), the rule's kind (`notifications/inactive/`, ...: every
built-in kind has its own), then the topic's (`notifications/<topic>/`), so a notification
always says something sensible. Strings are gettext-wrapped; the fi/sv/en catalogues
translate them.

The context is built here, at render time, so that an e-mail deferred by quiet hours still
names the learner's next step as it is when it goes out.
"""

import datetime as dt
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from django.conf import settings
from django.template.loader import select_template
from django.urls import reverse
from django.utils import formats, timezone, translation
from django.utils.translation import ngettext

from engagement.network.models import Enrolment, Milestone
from engagement.rules.reasons import reasons_text
from engagement.rules.selectors import enrolment_facts
from notifications import selectors
from notifications.digests.selectors import digest_context
from notifications.links import preference_url
from notifications.models import Notification, Topic
from notifications.next_step import catalogue_link, next_step

# Template keys come from rule definitions that administrators write: only plain names are
# looked up, so a key can never reach outside templates/notifications/.
_PLAIN_KEY = re.compile(r"^[a-z0-9_-]{1,100}$")


@dataclass(frozen=True)
class Attachment:
    filename: str
    content: bytes
    mimetype: str


@dataclass(frozen=True)
class Rendered:
    subject: str
    text: str
    html: str
    attachments: tuple[Attachment, ...] = ()


# A template's own context and the files attached to its e-mails, computed at render time
# like the rest of the context (a deferred confirmation carries the event as it is when it goes
# out). A room that owns templates registers its functions from its AppConfig.ready, so this
# room imports none of them.
ContextHook = Callable[[Notification, str], dict[str, Any]]
AttachmentHook = Callable[[Notification, str], Sequence[Attachment]]
_CONTEXT_HOOKS: dict[str, ContextHook] = {}
_ATTACHMENT_HOOKS: dict[str, AttachmentHook] = {}


def template_hooks_register(
    *, template: str, context: ContextHook, attachments: AttachmentHook | None = None
) -> None:
    _CONTEXT_HOOKS[template] = context
    if attachments is not None:
        _ATTACHMENT_HOOKS[template] = attachments


def notification_render(
    notification: Notification, *, language: str, unsubscribe_url: str
) -> Rendered:
    keys = [notification.template, str((notification.context or {}).get("kind", ""))]
    folders = [f"notifications/{key}/" for key in keys if _PLAIN_KEY.match(key)]
    folders.append(f"notifications/{notification.topic}/")
    with translation.override(language):
        context = _context(notification, language, unsubscribe_url)
        if notification.template in _CONTEXT_HOOKS:
            context.update(_CONTEXT_HOOKS[notification.template](notification, language))
        subject = select_template([f + "subject.txt" for f in folders]).render(context)
        text = select_template([f + "body.txt" for f in folders]).render(context)
        html = select_template([f + "body.html" for f in folders]).render(context)
        hook = _ATTACHMENT_HOOKS.get(notification.template)
        attachments = tuple(hook(notification, language)) if hook else ()
    # A subject is one line (a newline in it would start a new header).
    return Rendered(" ".join(subject.split()), text.strip() + "\n", html, attachments)


def _context(notification: Notification, language: str, unsubscribe_url: str) -> dict[str, Any]:
    person = notification.person
    given: dict[str, Any] = notification.context or {}
    enrolment_id = given.get("enrolment_id")
    enrolment: Enrolment | None = None
    if isinstance(enrolment_id, int):
        found = Enrolment.objects.select_related("pathway", "learner").filter(pk=enrolment_id)
        enrolment = found.first()
    context = {
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
        "preference_url": preference_url(person_id=person.pk),
        **digest_context(notification, language),
    }
    # The next step and the plan are the learner's own: a teacher's alert about them has none.
    if enrolment is not None and enrolment.learner_id == person.pk:
        context.update(_learner_context(notification, enrolment, language))
    # Teacher alerts and the cohort summary lead to the teacher's cohort page.
    if notification.topic == Topic.TEACHER_ALERTS:
        context["link"] = settings.KIPINA_PUBLIC_URL + reverse("dashboards:teacher")
    # "You earned a badge" links to the badge's own page. Only a page of ours is linked, so a
    # stored context can never point a button somewhere else.
    badge_url = given.get("badge_url")
    if isinstance(badge_url, str) and badge_url.startswith(settings.KIPINA_PUBLIC_URL + "/"):
        context["link"] = badge_url
    return context


def _learner_context(
    notification: Notification, enrolment: Enrolment, language: str
) -> dict[str, Any]:
    given: dict[str, Any] = notification.context or {}
    kind = given.get("kind", "")
    reasons = [r for r in given.get("reasons", []) if isinstance(r, dict)]
    context: dict[str, Any] = {
        "catalogue_url": catalogue_link(enrolment=enrolment, language=language)
    }
    due = _reason_values(reasons, "milestone_due")
    if kind == "milestone_due_soon" and due:
        milestone = _milestone(enrolment, due.get("milestone"))
        context["due_milestone"] = milestone.translated("title", language) if milestone else ""
        context["due_date"] = _date(due.get("due"))
    completed = _reason_values(reasons, "milestone_completed")
    if completed:
        milestone = _milestone(enrolment, completed.get("milestone"))
        context["done_milestone"] = milestone.translated("title", language) if milestone else ""
    # Due soon: the step inside the milestone that is due; otherwise the pathway's next one.
    within = due.get("milestone") if kind == "milestone_due_soon" and due else None
    step = next_step(
        enrolment=enrolment,
        language=language,
        milestone_id=within if isinstance(within, int) else None,
    )
    if step is not None:
        context.update(
            step_milestone=step.milestone,
            step_activity=step.activity_iri,
            step_activity_name=step.activity_name,
            link=step.link,
        )
    else:
        context["link"] = context["catalogue_url"]
    if kind == "pathway_completed":
        # Done with this one: the catalogue's other pathways are what comes next.
        query = urlencode({"lang": language})
        context["link"] = f"{settings.KIPINA_PUBLIC_URL}{reverse('catalogue')}?{query}"
    if kind == "study_goal_at_risk":
        context.update(_plan_context(enrolment))
    return context


def _plan_context(enrolment: Enrolment) -> dict[str, Any]:
    """The learner's own plan and their week so far, as the study-goal nudge words them."""
    now = timezone.now()
    facts = enrolment_facts(enrolment_ids=[enrolment.pk], now=now)
    plan = facts[0].study_plan if facts else None
    if plan is None:
        return {}
    zone = selectors.zone_of(selectors.preference_of(enrolment.learner), enrolment.learner)
    today = now.astimezone(zone).date()
    left = 7 - today.weekday()  # today included, as the rule counts
    days_left = ngettext("%(n)d day is left this week", "%(n)d days are left this week", left)
    context = {"days_left": days_left % {"n": left}}
    if plan.days_per_week:
        week_start = today - dt.timedelta(days=today.weekday())
        studied = sum(1 for day in facts[0].active_days_this_week if day >= week_start)
        goal = ngettext("%(n)d study day a week", "%(n)d study days a week", plan.days_per_week)
        done = ngettext("you have studied on %(n)d day", "you have studied on %(n)d days", studied)
        context.update(plan_goal=goal % {"n": plan.days_per_week}, plan_done=done % {"n": studied})
    elif plan.hours_per_week:
        planned, hours = float(plan.hours_per_week), facts[0].seconds_this_week / 3600
        goal = ngettext(
            "%(hours)s hour of study a week", "%(hours)s hours of study a week", _count(planned)
        )
        done = ngettext(
            "you have studied %(hours)s hour", "you have studied %(hours)s hours", _count(hours)
        )
        context.update(
            plan_goal=goal % {"hours": _number(planned)}, plan_done=done % {"hours": _number(hours)}
        )
    return context


def _reason_values(reasons: list[dict[str, Any]], code: str) -> dict[str, Any]:
    return next((r for r in reasons if r.get("code") == code), {})


def _milestone(enrolment: Enrolment, milestone_id: object) -> Milestone | None:
    if not isinstance(milestone_id, int):
        return None
    return Milestone.objects.filter(pk=milestone_id, pathway_id=enrolment.pathway_id).first()


def _date(iso: object) -> str:
    try:
        day = dt.date.fromisoformat(str(iso))
    except ValueError:
        return ""
    return formats.date_format(day, "DATE_FORMAT")


def _count(value: float) -> int:
    """The number a plural form is chosen by: 1.5 hours is plural, as is 0."""
    rounded = round(value, 1)
    return int(rounded) if rounded.is_integer() else 2


def _number(value: float) -> str:
    value = round(float(value), 1)
    return str(int(value)) if value.is_integer() else formats.number_format(value, decimal_pos=1)
