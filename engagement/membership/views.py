"""Public pages: the application form, the one-time secret link, the member directory."""

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from engagement.membership import selectors, services
from engagement.membership.forms import ApplicationForm


@require_http_methods(["GET", "POST"])
def join(request: HttpRequest) -> HttpResponse:
    form = ApplicationForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        if not form.is_bot:
            services.application_submit(data=form.application_data())
        return redirect("membership-thanks")
    status = 400 if request.method == "POST" else 200
    return render(request, "membership/join.html", {"form": form}, status=status)


def thanks(request: HttpRequest) -> HttpResponse:
    return render(request, "membership/thanks.html")


@never_cache
@require_http_methods(["GET", "POST"])
def secret(request: HttpRequest, token: str) -> HttpResponse:
    # GET only asks to confirm: mail scanners that open links must not use up the one look.
    if request.method == "GET":
        application = services.secret_link_application(token)
        if application is None:
            raise Http404
        return render(request, "membership/secret.html", {"application": application})
    revealed = services.secret_reveal(token=token, now=timezone.now())
    if revealed is None:
        raise Http404
    return render(request, "membership/secret.html", {"revealed": revealed})


def members(request: HttpRequest) -> HttpResponse:
    return render(request, "membership/members.html", {"directory": selectors.member_directory()})
