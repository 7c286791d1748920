"""/api/network/ (included by backend/urls.py) and the catalogue page's route.

`catalogue_urlpatterns` serves the public page /catalogue/; the project's URLconf adds it
at the root (`*catalogue_urlpatterns` in backend/urls.py).
"""

from django.urls import URLPattern, URLResolver, path
from rest_framework.routers import SimpleRouter

from engagement.network import apis, views

app_name = "network"

router = SimpleRouter()
router.register("organisations", apis.OrganisationViewSet, basename="organisation")
router.register("people", apis.PersonViewSet, basename="person")
router.register("roles", apis.RoleViewSet, basename="role")
router.register("identities", apis.IdentityViewSet, basename="identity")
router.register("skills", apis.SkillViewSet, basename="skill")
router.register("pathways", apis.PathwayViewSet, basename="pathway")
router.register("milestones", apis.MilestoneViewSet, basename="milestone")
router.register("activities", apis.ActivityViewSet, basename="activity")
router.register("enrolments", apis.EnrolmentViewSet, basename="enrolment")
router.register("shared-enrolments", apis.SharedEnrolmentViewSet, basename="shared-enrolment")
router.register("cohorts", apis.CohortViewSet, basename="cohort")
router.register("consents", apis.ConsentViewSet, basename="consent")
router.register("catalogue", apis.CatalogueViewSet, basename="catalogue")

urlpatterns: list[URLPattern | URLResolver] = [
    path("import/", apis.NetworkImportView.as_view(), name="import"),
    path("export/", apis.NetworkExportView.as_view(), name="export"),
    *router.urls,
]

catalogue_urlpatterns: list[URLPattern | URLResolver] = [
    path("catalogue/", views.catalogue, name="catalogue"),
]
