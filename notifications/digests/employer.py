"""The employer contact's progress summary of the staff who share their studies with the
company, weekly or monthly (Preference.summary_frequency).

Only employees whose consent to that company is in force *when the summary is rendered*
appear: the content is computed at send time through the network room's consent-aware
selector (`enrolments_shared_with`), so a consent revoked after the summary was queued hides
the employee from it. What is shown is completion and credential status only, per pathway and
milestone (DESIGN.md "Who may see what"; Act 759/2004 §3): never activity, log-ins, time on
task or risk flags. Nothing here reads Evidence, EnrolmentProgress.last_active_at or
time_spent_seconds, or the rules' traffic lights.

The summary is computed from the progress projection, not from `employer_summary_line`
decisions: those lines exist only where an administrator configured that rule, they are
decided at sweep time (a line can outlive a consent revoked since), and they carry text, not
the per-milestone counts the chart needs.
"""

import datetime as dt
from collections import defaultdict
from collections.abc import Collection
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db.models import QuerySet
from django.urls import reverse_lazy

from backend.db import among
from engagement.network.models import Enrolment, Milestone, Person
from engagement.network.selectors import (
    Viewer,
    contacts_with_shared_enrolments,
    enrolments_shared_with,
)
from engagement.progress.models import MilestoneProgress
from notifications.digests.badges import shared_badges_earned

# The employer dashboard's path under KIPINA_PUBLIC_URL, reversed so link and page stay equal.
EMPLOYER_DASHBOARD_PATH = reverse_lazy("dashboards:employer")


def _viewer(person: Person) -> Viewer:
    # An administrator who is also an employer contact gets the contact's summary, nothing more.
    return Viewer(person=person, is_admin=False)


# Withdrawn and paused studies are not progress to report.
REPORTED = (Enrolment.Status.ACTIVE, Enrolment.Status.COMPLETED)


def _shown(enrolments: QuerySet[Enrolment]) -> QuerySet[Enrolment]:
    return enrolments.filter(status__in=REPORTED)


def contacts_with_sharing_staff(person_ids: Collection[int]) -> set[int]:
    """Those of these employer contacts with at least one employee sharing progress now."""
    return contacts_with_shared_enrolments(person_ids, statuses=REPORTED)


def dashboard_url() -> str:
    return settings.KIPINA_PUBLIC_URL + str(EMPLOYER_DASHBOARD_PATH)


def employer_summary(
    person: Person, start: dt.datetime, end: dt.datetime, zone: ZoneInfo, language: str
) -> dict[str, Any]:
    """Per company the contact represents: each sharing employee's pathway with milestones
    done of the total and completion (credential) status, and per pathway the counts of
    employees enrolled and completed per milestone, as bars."""
    shared = list(
        _shown(enrolments_shared_with(_viewer(person)))
        .select_related("learner", "pathway")
        .order_by("learner__family_name", "learner__given_name", "id")
    )
    milestones: dict[int, list[Milestone]] = defaultdict(list)
    for milestone in Milestone.objects.filter(
        pathway_id__in={e.pathway_id for e in shared}
    ).order_by("position"):
        milestones[milestone.pathway_id].append(milestone)
    completed: dict[tuple[int, int], dt.datetime] = {
        (enrolment_id, milestone_id): at
        for enrolment_id, milestone_id, at in MilestoneProgress.objects.filter(
            among("enrolment_id", [e.pk for e in shared]), completed_at__isnull=False
        ).values_list("enrolment_id", "milestone_id", "completed_at")
        if at is not None
    }
    badges = shared_badges_earned(
        pairs={(e.learner_id, e.pathway_id) for e in shared},
        start=start,
        end=end,
        language=language,
    )
    by_company: dict[int, list[Enrolment]] = defaultdict(list)
    names: dict[int, str] = {}
    for enrolment in shared:
        for consent in enrolment.shared_consents:  # type: ignore[attr-defined]
            by_company[consent.employer_id].append(enrolment)
            names[consent.employer_id] = consent.employer.translated("name", language)
    companies = [
        _company(
            names[c], by_company[c], milestones, completed, badges, (start, end), zone, language
        )
        for c in sorted(by_company, key=lambda c: names[c])
    ]
    return {"companies": companies, "nobody_shares": not companies, "link": dashboard_url()}


def _company(
    name: str,
    enrolments: list[Enrolment],
    milestones: dict[int, list[Milestone]],
    completed: dict[tuple[int, int], dt.datetime],
    badges: dict[tuple[int, int], list[str]],
    period: tuple[dt.datetime, dt.datetime],
    zone: ZoneInfo,
    language: str,
) -> dict[str, Any]:
    start, end = period
    employees = []
    by_pathway: dict[int, list[Enrolment]] = defaultdict(list)
    for enrolment in enrolments:
        steps = milestones[enrolment.pathway_id]
        done = [completed[(enrolment.pk, m.pk)] for m in steps if (enrolment.pk, m.pk) in completed]
        finished = max(done) if steps and len(done) == len(steps) else None
        employees.append(
            {
                "name": f"{enrolment.learner.given_name} {enrolment.learner.family_name}",
                "pathway": enrolment.pathway.translated("title", language),
                "done": len(done),
                "total": len(steps),
                # The day in the contact's zone: 23:30 UTC is already tomorrow in Helsinki.
                "completed_on": finished.astimezone(zone).date() if finished else None,
                "badges": badges.get((enrolment.learner_id, enrolment.pathway_id), []),
            }
        )
        by_pathway[enrolment.pathway_id].append(enrolment)
    pathways = []
    for members in by_pathway.values():
        pathway = members[0].pathway
        bars = [
            _bar(
                m.translated("title", language),
                sum((e.pk, m.pk) in completed for e in members),
                len(members),
            )
            for m in milestones[pathway.pk]
        ]
        pathways.append({"title": pathway.translated("title", language), "bars": bars})
    new = sum(
        1
        for e in enrolments
        for m in milestones[e.pathway_id]
        if start <= completed.get((e.pk, m.pk), end) < end
    )
    return {
        "name": name,
        "employees": employees,
        "pathways": sorted(pathways, key=lambda p: p["title"]),
        "milestones_completed_in_period": new,
    }


def _bar(label: str, completed: int, enrolled: int) -> dict[str, Any]:
    """One row of the chart: the share of enrolled employees who completed the milestone.
    The width is a whole percentage for an inline style (mail clients run no scripts)."""
    percent = round(100 * completed / enrolled) if enrolled else 0
    filled = round(percent / 10)
    return {
        "label": label,
        "completed": completed,
        "enrolled": enrolled,
        "percent": percent,
        # The text part's equivalent of the bar, ten characters wide.
        "text_bar": "#" * filled + "-" * (10 - filled),
    }
