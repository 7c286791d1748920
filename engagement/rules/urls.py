"""/api/rules/ (included by backend/urls.py):
path("api/rules/", include("engagement.rules.urls"))."""

from django.urls import URLPattern, URLResolver, path
from rest_framework.routers import SimpleRouter

from engagement.rules import apis

app_name = "rules"

router = SimpleRouter()
router.register("", apis.RuleViewSet, basename="rule")

urlpatterns: list[URLPattern | URLResolver] = [
    path("study-plan/", apis.StudyPlanView.as_view(), name="study-plan"),
    path("traffic-lights/", apis.TrafficLightsView.as_view(), name="traffic-lights"),
    *router.urls,
]
