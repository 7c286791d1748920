from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext
from django.views import defaults


def home(request: HttpRequest) -> HttpResponse:
    """The front page: where LMSs connect and where people go next."""
    endpoint = request.build_absolute_uri(reverse("xapi:about")).removesuffix("about")
    return render(request, "home.html", {"xapi_endpoint": endpoint})


def not_found(request: HttpRequest, exception: Exception) -> HttpResponse:
    """404 for a URL no route matches: JSON under /api/ (an API client reads `detail` as it
    does from every other refusal there), Django's page elsewhere."""
    if request.path.startswith("/api/"):
        return JsonResponse({"detail": gettext("Not found.")}, status=404)
    return defaults.page_not_found(request, exception)
