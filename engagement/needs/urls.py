"""The needs pages (`page_urlpatterns`, at /needs/) and API (`urlpatterns`, at /api/needs/)."""

from django.urls import URLPattern, URLResolver, include, path
from rest_framework.routers import SimpleRouter

from engagement.needs import apis, views

router = SimpleRouter()
router.register("", apis.TrainingNeedViewSet, basename="need")

app_name = "needs-api"
urlpatterns: list[URLPattern | URLResolver] = [
    path("offer/", apis.NeedsOfferView.as_view(), name="offer"),
    *router.urls,
]

_pages = [
    path("", views.index, name="index"),
    path("<int:need_id>/edit/", views.edit, name="edit"),
    path("<int:need_id>/withdraw/", views.withdraw, name="withdraw"),
    path("offer/", views.offer, name="offer"),
    path("for-me/", views.for_me, name="for_me"),
    path("for-me/link/", views.link, name="link"),
    path("for-me/links/<int:link_id>/unlink/", views.unlink, name="unlink"),
]
page_urlpatterns = [path("needs/", include((_pages, "needs")))]
