"""The four role pages. Views are interfaces: check the role, call a selector or service,
render. Page content is assembled in pages.py; POSTs are parsed by forms.py."""

import csv

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.forms import Form
from django.http import Http404, HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from engagement.badges import services as badge_services
from engagement.dashboards import exports, pages, selectors, services
from engagement.dashboards.access import DashboardViewer, role_required
from engagement.dashboards.forms import (
    BadgeShareForm,
    ConsentGiveForm,
    MessageLearnersForm,
    StudyPlanForm,
    SummaryFrequencyForm,
)
from engagement.network import services as network_services
from engagement.network.models import Cohort, Person
from engagement.privacy.views import export_response
from engagement.rules import services as rules_services
from notifications import selectors as notification_selectors
from notifications import services as notification_services


def _refused(request: HttpRequest, form: Form) -> HttpResponse:
    """A 400 page naming what was wrong with each field, and a way back."""
    return render(request, "dashboards/refused.html", {"form": form}, status=400)


def _person(viewer: DashboardViewer) -> Person:
    if viewer.person is None:  # a role is always a person's: only a bare superuser lands here
        raise PermissionDenied(_("Your login is not linked to a person in the directory."))
    return viewer.person


# --- Teacher ----------------------------------------------------------------------------------


def _taught(viewer: DashboardViewer, cohort_id: int) -> Cohort:
    cohort = selectors.cohort_taught(person=_person(viewer), cohort_id=cohort_id)
    if cohort is None:
        # Another teacher's cohort looks the same as one that does not exist.
        raise Http404(_("No such cohort among the ones you teach."))
    return cohort


@require_GET
@role_required(lambda viewer: viewer.is_teacher)
def teacher(
    request: HttpRequest, viewer: DashboardViewer, cohort_id: int | None = None
) -> HttpResponse:
    cohorts = list(selectors.cohorts_taught(person=_person(viewer)))
    if cohort_id is None and len(cohorts) != 1:
        return render(request, "dashboards/teacher_index.html", {"cohorts": cohorts})
    cohort = _taught(viewer, cohort_id) if cohort_id is not None else cohorts[0]
    context = pages.teacher_cohort(cohort=cohort, now=timezone.now())
    return render(request, "dashboards/teacher.html", {**context, "cohorts": cohorts})


@require_GET
@role_required(lambda viewer: viewer.is_teacher)
def teacher_csv(request: HttpRequest, viewer: DashboardViewer, cohort_id: int) -> HttpResponse:
    cohort = _taught(viewer, cohort_id)
    rows = selectors.learner_rows(
        enrolments=selectors.cohort_enrolments(cohort=cohort), now=timezone.now()
    )
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="cohort-{cohort.pk}.csv"'
    exports.learner_rows_csv(csv.writer(response), rows)
    return response


@require_POST
@role_required(lambda viewer: viewer.is_teacher)
def teacher_message(request: HttpRequest, viewer: DashboardViewer, cohort_id: int) -> HttpResponse:
    cohort = _taught(viewer, cohort_id)
    enrolments = selectors.cohort_enrolments(cohort=cohort)
    form = MessageLearnersForm(request.POST, cohort_enrolments=cohort.enrolments.all())
    if not form.is_valid():
        return _refused(request, form)
    recipients = selectors.message_recipients(
        enrolments=enrolments,
        colour=form.cleaned_data["colour"],
        chosen={e.pk for e in form.cleaned_data["enrolments"]},
        now=timezone.now(),
    )
    outcome = services.learners_message(
        teacher=_person(viewer), cohort=cohort, enrolments=recipients, today=timezone.localdate()
    )
    messages.success(request, pages.message_outcome_text(outcome))
    return redirect("dashboards:teacher", cohort.pk)


# --- Employer ---------------------------------------------------------------------------------


@require_GET
@role_required(lambda viewer: viewer.is_employer_contact)
def employer(request: HttpRequest, viewer: DashboardViewer) -> HttpResponse:
    context = pages.employer(person=_person(viewer), now=timezone.now())
    return render(request, "dashboards/employer.html", context)


@require_POST
@role_required(lambda viewer: viewer.is_employer_contact)
def employer_summary(request: HttpRequest, viewer: DashboardViewer) -> HttpResponse:
    form = SummaryFrequencyForm(request.POST)
    if not form.is_valid():
        return _refused(request, form)
    notification_services.preference_update(
        person_id=_person(viewer).pk, summary_frequency=form.cleaned_data["summary_frequency"]
    )
    messages.success(request, _("Your summary e-mail setting is saved."))
    return redirect("dashboards:employer")


# --- Learner ----------------------------------------------------------------------------------

_HAS_PERSON = lambda viewer: viewer.person is not None  # noqa: E731


@require_GET
@role_required(_HAS_PERSON)
def learner(request: HttpRequest, viewer: DashboardViewer) -> HttpResponse:
    context = pages.learner(person=_person(viewer), now=timezone.now())
    return render(request, "dashboards/learner.html", context)


@require_POST
@role_required(_HAS_PERSON)
def learner_plan(request: HttpRequest, viewer: DashboardViewer) -> HttpResponse:
    form = StudyPlanForm(request.POST)
    if not form.is_valid():
        return _refused(request, form)
    person = _person(viewer)
    current = pages.study_plan(person)
    rules_services.study_plan_set(
        person=person,
        days_per_week=form.cleaned_data["days_per_week"],
        hours_per_week=form.cleaned_data["hours_per_week"],
        # The page sets the weekly goal only; the preferred times set elsewhere are kept.
        preferred_times=current.preferred_times if current else (),
    )
    messages.success(request, _("Your weekly goal is saved."))
    return redirect("dashboards:learner")


@require_POST
@role_required(_HAS_PERSON)
def learner_badge_share(request: HttpRequest, viewer: DashboardViewer) -> HttpResponse:
    form = BadgeShareForm(request.POST)
    if not form.is_valid():
        return _refused(request, form)
    action = form.cleaned_data["action"]
    badge_services.badge_share_set(
        person=_person(viewer), enabled=action != "off", new_link=action == "new_link"
    )
    messages.success(
        request,
        _("Your public badge page is off.")
        if action == "off"
        else _("Your public badge page is on: anyone with its link sees your badges."),
    )
    return redirect("dashboards:learner")


@require_POST
@role_required(_HAS_PERSON)
def learner_consent_give(request: HttpRequest, viewer: DashboardViewer) -> HttpResponse:
    form = ConsentGiveForm(request.POST, person=_person(viewer))
    if not form.is_valid():
        return _refused(request, form)
    network_services.consent_give(**form.cleaned_data)
    messages.success(request, _("Your progress on these studies is now shared with the employer."))
    return redirect("dashboards:learner")


@require_POST
@role_required(_HAS_PERSON)
def learner_consent_revoke(
    request: HttpRequest, viewer: DashboardViewer, consent_id: int
) -> HttpResponse:
    consent = selectors.my_consents(person=_person(viewer)).filter(pk=consent_id).first()
    if consent is None:
        raise Http404(_("No such consent of yours in force."))
    network_services.consent_revoke(consent=consent)
    messages.success(request, _("Sharing stopped: the employer no longer sees these studies."))
    return redirect("dashboards:learner")


@require_POST
@role_required(_HAS_PERSON)
def learner_notification_read(
    request: HttpRequest, viewer: DashboardViewer, notification_id: int
) -> HttpResponse:
    inbox = notification_selectors.inbox_of(person_id=_person(viewer).pk)
    notification = inbox.filter(pk=notification_id).first()
    if notification is None:
        raise Http404(_("No such notification in your inbox."))
    notification_services.notification_mark_read(
        notification=notification, read=True, now=timezone.now()
    )
    return redirect("dashboards:learner")


@require_GET
@role_required(_HAS_PERSON)
def learner_export(request: HttpRequest, viewer: DashboardViewer) -> StreamingHttpResponse:
    """Everything held about me, as one JSON document (engagement/privacy/export.py)."""
    return export_response(person=_person(viewer), now=timezone.now())


# --- Network administrator --------------------------------------------------------------------


@require_GET
@role_required(lambda viewer: viewer.is_network_admin)
def network(request: HttpRequest, viewer: DashboardViewer) -> HttpResponse:
    return render(request, "dashboards/network.html", pages.network(now=timezone.now()))
