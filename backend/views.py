from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse


def home(request: HttpRequest) -> HttpResponse:
    """The front page: where LMSs connect and where people go next."""
    endpoint = request.build_absolute_uri(reverse("xapi:about")).removesuffix("about")
    return render(request, "home.html", {"xapi_endpoint": endpoint})
