"""Each page's content: selectors' rows, the figures drawn from them (labels in the active
language), and the tables that say the same for screen readers."""

import datetime as dt
from typing import Any

from django.conf import settings
from django.utils import formats
from django.utils.translation import get_language, ngettext
from django.utils.translation import gettext as _

from engagement.badges.selectors import assertions_of, share_of, share_token
from engagement.dashboards import figures, selectors
from engagement.dashboards.figures import Completion
from engagement.dashboards.forms import (
    ConsentGiveForm,
    MessageLearnersForm,
    StudyPlanForm,
    SummaryFrequencyForm,
)
from engagement.dashboards.rendering import figure_html
from engagement.dashboards.services import MessageOutcome
from engagement.network.models import Cohort, Person
from engagement.rules.models import StudyPlan
from engagement.rules.selectors import study_plan_of
from notifications import selectors as notification_selectors
from notifications.links import preference_url
from notifications.next_step import next_step

INBOX_SHOWN = 10


def _weekday_names() -> list[str]:
    # 2024-01-01 was a Monday: its week gives the locale's day names, Monday first.
    monday = dt.date(2024, 1, 1)
    return [formats.date_format(monday + dt.timedelta(days=d), "D") for d in range(7)]


def teacher_cohort(*, cohort: Cohort, now: dt.datetime) -> dict[str, Any]:
    enrolments = selectors.cohort_enrolments(cohort=cohort)
    rows = selectors.learner_rows(enrolments=enrolments, now=now)
    reached = selectors.milestone_reached(
        enrolments=cohort.enrolments.all(), pathway_ids={e.pathway_id for e in enrolments}
    )
    steps = selectors.funnel_steps(reached)
    since = selectors.heatmap_start(now)
    days = selectors.active_days(cohort=cohort, since=since)
    heatmap = figures.weekly_activity_heatmap(
        days,
        first_monday=since,
        weeks=selectors.HEATMAP_WEEKS,
        weekday_names=_weekday_names(),
        title=_("Learners active per day"),
        hover=_("week of %(week)s, %(day)s: %(count)s learners")
        % {"week": "%{x}", "day": "%{y}", "count": "%{z}"},
    )
    colours = {
        colour: sum(1 for r in rows if r.colour == colour) for colour in ("green", "amber", "red")
    }
    return {
        "cohort": cohort,
        "rows": rows,
        "colours": colours,
        "steps": steps,
        "days": [d for d in days if d.learners],
        "funnel_html": figure_html(
            figures.milestone_funnel(steps, title=_("Learners who reached each milestone")),
            div_id="milestone-funnel",
        ),
        "heatmap_html": figure_html(heatmap, div_id="activity-heatmap"),
        "message_form": MessageLearnersForm(cohort_enrolments=cohort.enrolments.all()),
    }


def message_outcome_text(outcome: MessageOutcome) -> str:
    parts = [
        ngettext(
            "A study reminder was handed to the dispatcher for %(count)d learner; it sends it "
            "when their preferences, quiet hours and weekly cap allow.",
            "A study reminder was handed to the dispatcher for %(count)d learners; it sends "
            "each when their preferences, quiet hours and weekly cap allow.",
            outcome.queued,
        )
        % {"count": outcome.queued}
    ]
    if outcome.opted_out:
        parts.append(
            ngettext(
                "%(count)d of them has opted out of study reminders and will not get it.",
                "%(count)d of them have opted out of study reminders and will not get it.",
                outcome.opted_out,
            )
            % {"count": outcome.opted_out}
        )
    if outcome.repeated:
        parts.append(
            ngettext(
                "%(count)d learner already had your message today: not sent again.",
                "%(count)d learners already had your message today: not sent again.",
                outcome.repeated,
            )
            % {"count": outcome.repeated}
        )
    return " ".join(parts)


def employer(*, person: Person, now: dt.datetime) -> dict[str, Any]:
    language = (get_language() or settings.LANGUAGE_CODE)[:2]
    staff = selectors.staff_page(person=person, now=now, language=language)
    preference = notification_selectors.preference_of(person)
    context: dict[str, Any] = {
        "staff": staff,
        "summary_form": SummaryFrequencyForm(
            initial={"summary_frequency": preference.summary_frequency}
        ),
    }
    if staff.rows:
        context["pathways_html"] = figure_html(
            figures.completion_bars(
                staff.pathways,
                title=_("Completion per pathway"),
                completed=_("completed"),
                enrolled=_("studying"),
            ),
            div_id="pathway-completion",
        )
        context["milestones_html"] = figure_html(
            figures.completion_bars(
                staff.milestones,
                title=_("Completion per milestone"),
                completed=_("completed"),
                enrolled=_("studying"),
            ),
            div_id="milestone-completion",
        )
        context["timeline_html"] = figure_html(
            figures.cumulative_line(
                staff.completions,
                title=_("Milestones completed over time"),
                name=_("milestones completed"),
            ),
            div_id="completion-timeline",
        )
    return context


def study_plan(person: Person) -> StudyPlan | None:
    return study_plan_of(person_id=person.pk)


def learner(*, person: Person, now: dt.datetime) -> dict[str, Any]:
    language = (get_language() or settings.LANGUAGE_CODE)[:2]
    enrolments = selectors.my_enrolments(person=person)
    milestones = selectors.my_milestones(person=person)
    bars = [
        Completion(
            f"{m.pathway.translated_title}: {m.translated_title}",
            progress.activities_done if progress else 0,
            progress.activities_needed if progress and progress.activities_needed else 1,
        )
        for m, progress in milestones
    ]
    plan = study_plan(person)
    share = share_of(person=person)
    return {
        "enrolments": [
            (e, selectors.progress_of(e), next_step(enrolment=e, language=language))
            for e in enrolments
        ],
        "milestones": milestones,
        "milestones_html": figure_html(
            figures.milestone_progress_bars(bars, title=_("My milestones")),
            div_id="my-milestones",
        )
        if bars
        else "",
        "plan": plan,
        "plan_form": StudyPlanForm(
            initial={
                "days_per_week": plan.days_per_week if plan else None,
                "hours_per_week": plan.hours_per_week if plan else None,
            }
        ),
        "badges": list(assertions_of(person=person)),
        "share": share,
        "share_token": share_token(share) if share and share.enabled else None,
        "inbox": list(notification_selectors.inbox_of(person_id=person.pk)[:INBOX_SHOWN]),
        "unread": notification_selectors.unread_count(person_id=person.pk),
        "preferences": notification_selectors.preferences_shown(person),
        "preferences_url": preference_url(person_id=person.pk),
        "consents": list(selectors.my_consents(person=person)),
        "consent_form": ConsentGiveForm(person=person),
    }


def network(*, now: dt.datetime) -> dict[str, Any]:
    pathways = selectors.by_pathway()
    return {
        "providers": selectors.by_provider(pathways),
        "companies": selectors.by_company(),
        "pathways": pathways,
        "pathways_html": figure_html(
            figures.completion_bars(
                [p for p in pathways if p.enrolled],
                title=_("Enrolments and completions per pathway"),
                completed=_("completed"),
                enrolled=_("enrolled"),
            ),
            div_id="network-pathways",
        ),
        "overlaps": selectors.overlaps(),
        "effects": selectors.rule_effects(now=now),
        "delivery": selectors.delivery_health(),
    }
