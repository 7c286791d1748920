from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

from backend import health, views
from engagement.badges.urls import api_urlpatterns as badges_api_urlpatterns
from engagement.network.urls import catalogue_urlpatterns
from notifications.urls import unsubscribe_urlpatterns

urlpatterns = [
    path("", views.home, name="home"),
    path("healthz", health.healthz, name="healthz"),
    path("xapi/", include("learning_records.urls")),
    path("api/network/", include("engagement.network.urls")),
    path("api/rules/", include("engagement.rules.urls")),
    path("api/notifications/", include("notifications.urls")),
    path("api/badges/", include((badges_api_urlpatterns, "badges-api"))),
    path("badges/", include("engagement.badges.urls")),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    path("api/docs/", SpectacularSwaggerView.as_view(url_name="schema"), name="api-docs"),
    path("admin/", admin.site.urls),
    *catalogue_urlpatterns,
    *unsubscribe_urlpatterns,
]
