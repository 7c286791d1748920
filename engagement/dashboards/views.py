"""The four role pages. Views are interfaces: check the role, call a selector, render."""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _

from engagement.dashboards import figures
from engagement.dashboards.access import DashboardViewer, role_required
from engagement.dashboards.rendering import figure_html


@role_required(lambda viewer: viewer.is_teacher)
def teacher(
    request: HttpRequest, viewer: DashboardViewer, cohort_id: int | None = None
) -> HttpResponse:
    funnel = figures.milestone_funnel([], title=_("Milestone funnel"))
    return render(
        request,
        "dashboards/teacher.html",
        {"funnel_html": figure_html(funnel, div_id="milestone-funnel")},
    )


@role_required(lambda viewer: viewer.is_employer_contact)
def employer(request: HttpRequest, viewer: DashboardViewer) -> HttpResponse:
    return render(request, "dashboards/employer.html", {})


@role_required(lambda viewer: viewer.person is not None)
def learner(request: HttpRequest, viewer: DashboardViewer) -> HttpResponse:
    return render(request, "dashboards/learner.html", {})


@role_required(lambda viewer: viewer.is_network_admin)
def network(request: HttpRequest, viewer: DashboardViewer) -> HttpResponse:
    return render(request, "dashboards/network.html", {})
