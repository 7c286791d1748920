from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from backend import health, login, views
from engagement.badges.urls import api_urlpatterns as badges_api_urlpatterns
from engagement.events.urls import api_urlpatterns as events_api_urlpatterns
from engagement.events.urls import page_urlpatterns as events_page_urlpatterns
from engagement.membership.urls import page_urlpatterns as membership_page_urlpatterns
from engagement.needs.urls import page_urlpatterns as needs_page_urlpatterns
from engagement.network.urls import catalogue_urlpatterns
from notifications.urls import unsubscribe_urlpatterns

urlpatterns = [
    path("", views.home, name="home"),
    path("healthz", health.healthz, name="healthz"),
    path("xapi/", include("learning_records.urls")),
    path("api/network/", include("engagement.network.urls")),
    path("api/rules/", include("engagement.rules.urls")),
    path("api/notifications/", include("notifications.urls")),
    path("api/needs/", include("engagement.needs.urls")),
    path("api/badges/", include((badges_api_urlpatterns, "badges-api"))),
    path("badges/", include("engagement.badges.urls")),
    path("events/", include((events_page_urlpatterns, "events"))),
    path("api/events/", include((events_api_urlpatterns, "events-api"))),
    path("api/membership/", include("engagement.membership.urls")),
    path("api/me/", include("engagement.privacy.urls")),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    # The split view serves Swagger UI's start-up script as a file: no inline script (CSP).
    path("api/docs/", SpectacularSwaggerSplitView.as_view(url_name="schema"), name="api-docs"),
    path("admin/", admin.site.urls),
    path("accounts/login/", login.LoginView.as_view(), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("", include("engagement.dashboards.urls")),
    *catalogue_urlpatterns,
    *needs_page_urlpatterns,
    *unsubscribe_urlpatterns,
    *membership_page_urlpatterns,
]

# A URL no route matches under /api/ is answered in JSON like every other API refusal.
handler404 = views.not_found
