"""/api/notifications/ (included by backend/urls.py) and the unsubscribe page's route.

`unsubscribe_urlpatterns` serves /notifications/unsubscribe/<token>/; the project's URLconf
adds it at the root (`*unsubscribe_urlpatterns` in backend/urls.py).
"""

from django.urls import URLPattern, URLResolver, path
from rest_framework.routers import SimpleRouter

from notifications import apis, views

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
]
