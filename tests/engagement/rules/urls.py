"""The project's URLs with /api/rules/, until backend/urls.py includes it itself."""

from django.urls import URLPattern, URLResolver, include, path

from backend.urls import urlpatterns as project

urlpatterns: list[URLPattern | URLResolver] = list(project)
if not any(getattr(pattern, "namespace", None) == "rules" for pattern in project):
    urlpatterns.append(path("api/rules/", include("engagement.rules.urls")))
