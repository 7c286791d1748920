"""Server-rendered pages of the events room: the public calendar, an event's page with its
register/cancel button, and the iCalendar feed."""

from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from backend.i18n import language_links
from engagement.events import selectors, services
from engagement.events.ics import calendar_of
from engagement.events.models import Event

PAGE_SIZE = 20
# The feed lists what is coming; a calendar client polls it, so it stays small.
FEED_LIMIT = 500


def _language(request: HttpRequest) -> str:
    language = request.GET.get("lang", "")
    if language not in dict(settings.LANGUAGES):
        language = translation.get_language() or settings.LANGUAGE_CODE
    return language[:2]


@require_GET
def calendar(request: HttpRequest) -> HttpResponse:
    """Upcoming published events, filtered by ?kind= and ?audience=, paginated."""
    language = _language(request)
    kind = request.GET.get("kind", "")
    audience = request.GET.get("audience", "")
    errors = []
    if kind and kind not in Event.Kind.values:
        errors.append(_("Unknown kind of event."))
    if audience and audience not in Event.Audience.values:
        errors.append(_("Unknown audience."))
    events = selectors.event_list_upcoming(
        now=timezone.now(),
        kind="" if errors else kind,
        audience="" if errors else audience,
    )
    keep = {k: v for k, v in request.GET.items() if k != "page" and v}
    context = {
        "page": Paginator(events, PAGE_SIZE).get_page(request.GET.get("page")),
        "kinds": Event.Kind.choices,
        "audiences": Event.Audience.choices,
        "kind": kind,
        "audience": audience,
        "errors": errors,
        "query": urlencode(keep),
        "language_links": language_links(request, language),
    }
    with translation.override(language):
        response = render(request, "events/calendar.html", context, status=400 if errors else 200)
    response.headers["Content-Language"] = language
    return response


@require_GET
def detail(request: HttpRequest, event_uuid: str) -> HttpResponse:
    language = _language(request)
    event = selectors.event_published(event_uuid=event_uuid)
    if event is None:
        raise Http404(_("No such event."))
    person = selectors.person_of(request.user)
    registration = selectors.registration_of(event=event, person=person)
    context = {
        "event": event,
        "person": person,
        "registration": registration,
        "waiting_place": selectors.waiting_place(registration=registration),
        "is_past": event.starts_at <= timezone.now(),
        "language_links": language_links(request, language),
    }
    with translation.override(language):
        response = render(request, "events/detail.html", context)
    response.headers["Content-Language"] = language
    return response


@login_required
@require_POST
def register(request: HttpRequest, event_uuid: str) -> HttpResponse:
    return _act(request, event_uuid, "register")


@login_required
@require_POST
def cancel(request: HttpRequest, event_uuid: str) -> HttpResponse:
    return _act(request, event_uuid, "cancel")


def _act(request: HttpRequest, event_uuid: str, action: str) -> HttpResponse:
    event = selectors.event_published(event_uuid=event_uuid)
    person = selectors.person_of(request.user)
    if event is None:
        raise Http404(_("No such event."))
    if person is None:
        messages.error(request, _("Your login has no person in the network directory."))
        return redirect("events:detail", event_uuid=event.uuid)
    now = timezone.now()
    try:
        if action == "register":
            registration = services.registration_create(event=event, person=person, now=now)
            messages.success(request, registration.get_status_display())
        else:
            found = selectors.registration_of(event=event, person=person)
            if found is None:
                raise services.EventError(_("You have no registration for this event."))
            services.registration_cancel(registration=found, person=person, now=now)
            messages.success(request, _("Your registration is cancelled."))
    except services.EventError as refused:
        messages.error(request, str(refused))
    return redirect("events:detail", event_uuid=event.uuid)


@require_GET
def feed(request: HttpRequest) -> HttpResponse:
    """Every upcoming published event as iCalendar, for calendar subscriptions."""
    language = _language(request)
    events = selectors.event_list_upcoming(now=timezone.now())[:FEED_LIMIT]
    with translation.override(language):
        body = calendar_of(events, language=language, name=_("Kipinä network events"))
    response = HttpResponse(body, content_type="text/calendar; charset=utf-8")
    response.headers["Content-Disposition"] = 'inline; filename="kipina-events.ics"'
    return response
