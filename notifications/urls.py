"""/api/notifications/ (included by backend/urls.py) and the routes outside the API.

`unsubscribe_urlpatterns` serves /notifications/unsubscribe/<token>/, the signed preference
page /notifications/preferences/<token>/ and SendGrid's Event
Webhook at /notifications/sendgrid/events/; the project's URLconf adds it at the root
(`*unsubscribe_urlpatterns` in backend/urls.py).
"""

from django.urls import URLPattern, URLResolver, path
from rest_framework.routers import SimpleRouter

from notifications import apis, views, webhooks

app_name = "notifications"

router = SimpleRouter()
router.register("", apis.InboxViewSet, basename="notification")

urlpatterns: list[URLPattern | URLResolver] = [
    path("preferences/", apis.PreferenceView.as_view(), name="notification-preferences"),
    *router.urls,
]

unsubscribe_urlpatterns: list[URLPattern | URLResolver] = [
    path(
        "notifications/unsubscribe/<str:token>/",
        views.unsubscribe,
        name="notifications-unsubscribe",
    ),
    path(
        "notifications/preferences/<str:token>/",
        views.preferences,
        name="notifications-preferences",
    ),
    path(
        "notifications/sendgrid/events/",
        webhooks.sendgrid_events,
        name="notifications-sendgrid-events",
    ),
]
