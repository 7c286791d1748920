"""The needs pages: the employer contact's form (/needs/), the report for administrators
and providers (/needs/offer/), and the learner's matches (/needs/for-me/). Interfaces only."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from engagement.dashboards.access import DashboardViewer, role_required
from engagement.needs import selectors, services
from engagement.needs.forms import EmployerLinkForm, TrainingNeedForm
from engagement.needs.models import TrainingNeed
from engagement.network.models import Person


def _person(viewer: DashboardViewer) -> Person:
    if viewer.person is None:
        raise PermissionDenied(_("Your login is not linked to a person in the directory."))
    return viewer.person


def _reads_offer(viewer: DashboardViewer) -> bool:
    return selectors.reads_every_need(person=viewer.person, is_admin=viewer.is_network_admin)


def _saved(form: TrainingNeedForm, error: ValidationError) -> None:
    """A service's refusal shown on the form's own fields."""
    for field, problems in error.message_dict.items():
        form.add_error(field if field in form.fields else None, problems)


def _need_page(
    request: HttpRequest, person: Person, form: TrainingNeedForm, status: int
) -> HttpResponse:
    needs = selectors.needs_of_contact(person=person).order_by("status", "needed_by", "pk")
    return render(request, "needs/index.html", {"form": form, "needs": needs}, status=status)


@require_http_methods(["GET", "POST"])
@role_required(lambda viewer: viewer.is_employer_contact)
def index(request: HttpRequest, viewer: DashboardViewer) -> HttpResponse:
    person = _person(viewer)
    companies = selectors.companies_of_contact(person=person)
    if request.method == "GET":
        return _need_page(request, person, TrainingNeedForm(companies=companies), 200)
    form = TrainingNeedForm(request.POST, companies=companies)
    if form.is_valid():
        try:
            services.training_need_create(
                company=form.cleaned_data["company"],
                recorded_by=person,
                skill_uris=form.skill_uris(),
                today=timezone.localdate(),
                **form.fields_of_need(),
            )
        except ValidationError as error:
            _saved(form, error)
        else:
            messages.success(request, _("The training need is recorded."))
            return redirect("needs:index")
    return _need_page(request, person, form, 400)


def _own_need(viewer: DashboardViewer, need_id: int) -> TrainingNeed:
    need = selectors.needs_of_contact(person=_person(viewer)).filter(pk=need_id).first()
    if need is None:
        # Another company's need looks the same as one that does not exist.
        raise Http404(_("No such training need of your company."))
    return need


@require_http_methods(["GET", "POST"])
@role_required(lambda viewer: viewer.is_employer_contact)
def edit(request: HttpRequest, viewer: DashboardViewer, need_id: int) -> HttpResponse:
    need = _own_need(viewer, need_id)
    companies = selectors.companies_of_contact(person=_person(viewer)).filter(pk=need.company_id)
    if request.method == "GET":
        form = TrainingNeedForm(initial=TrainingNeedForm.initial_of(need), companies=companies)
        return render(request, "needs/edit.html", {"form": form, "need": need})
    form = TrainingNeedForm(request.POST, companies=companies)
    if form.is_valid():
        try:
            services.training_need_update(
                need=need,
                today=timezone.localdate(),
                skill_uris=form.skill_uris(),
                **form.fields_of_need(),
            )
        except ValidationError as error:
            _saved(form, error)
        else:
            messages.success(request, _("The training need is saved."))
            return redirect("needs:index")
    return render(request, "needs/edit.html", {"form": form, "need": need}, status=400)


@require_POST
@role_required(lambda viewer: viewer.is_employer_contact)
def withdraw(request: HttpRequest, viewer: DashboardViewer, need_id: int) -> HttpResponse:
    services.training_need_withdraw(need=_own_need(viewer, need_id))
    messages.success(request, _("The training need is withdrawn."))
    return redirect("needs:index")


@require_GET
@role_required(_reads_offer)
def offer(request: HttpRequest, viewer: DashboardViewer) -> HttpResponse:
    rows = selectors.needs_offer_report()
    gaps = [row for row in rows if row.is_gap]
    return render(request, "needs/offer.html", {"rows": rows, "gaps": gaps})


_HAS_PERSON = lambda viewer: viewer.person is not None  # noqa: E731


@require_GET
@role_required(_HAS_PERSON)
def for_me(request: HttpRequest, viewer: DashboardViewer) -> HttpResponse:
    person = _person(viewer)
    context = {
        "links": selectors.active_employer_links(person=person),
        "matches": selectors.pathways_for_linked_employers(person=person),
        "form": EmployerLinkForm(),
    }
    return render(request, "needs/for_me.html", context)


@require_POST
@role_required(_HAS_PERSON)
def link(request: HttpRequest, viewer: DashboardViewer) -> HttpResponse:
    form = EmployerLinkForm(request.POST)
    if not form.is_valid():
        return render(request, "dashboards/refused.html", {"form": form}, status=400)
    services.employer_link_create(
        person=_person(viewer), company=form.cleaned_data["company"], now=timezone.now()
    )
    messages.success(request, _("Your employer is linked: pathways matching its needs are shown."))
    return redirect("needs:for_me")


@require_POST
@role_required(_HAS_PERSON)
def unlink(request: HttpRequest, viewer: DashboardViewer, link_id: int) -> HttpResponse:
    link = selectors.active_employer_links(person=_person(viewer)).filter(pk=link_id).first()
    if link is None:
        raise Http404(_("No such employer link of yours."))
    services.employer_link_revoke(link=link, now=timezone.now())
    messages.success(request, _("The employer is unlinked."))
    return redirect("needs:for_me")
