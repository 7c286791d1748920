"""/api/notifications/ (included by backend/urls.py) and the routes outside the API.

`unsubscribe_urlpatterns` serves /notifications/unsubscribe/<token>/ and SendGrid's Event
Webhook at /notifications/sendgrid/events/; the project's URLconf adds it at the root
(`*unsubscribe_urlpatterns` in backend/urls.py).
"""

from django.urls import URLPattern, URLResolver, path
from rest_framework.routers import SimpleRouter

from notifications import apis, views, webhooks

app_name = "notifications"

router = SimpleRouter()
router.register("", apis.InboxViewSet, basename="notification")

urlpatterns: list[URLPattern | URLResolver] = [*router.urls]

unsubscribe_urlpatterns: list[URLPattern | URLResolver] = [
    path(
        "notifications/unsubscribe/<str:token>/",
        views.unsubscribe,
        name="notifications-unsubscribe",
    ),
    path(
        "notifications/sendgrid/events/",
        webhooks.sendgrid_events,
        name="notifications-sendgrid-events",
    ),
]
