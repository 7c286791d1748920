"""/api/notifications/ (included by backend/urls.py; the inbox comes next) and the
unsubscribe page's route.

`unsubscribe_urlpatterns` serves /notifications/unsubscribe/<token>/; the project's URLconf
adds it at the root (`*unsubscribe_urlpatterns` in backend/urls.py).
"""

from django.urls import URLPattern, URLResolver, path

from notifications import views

app_name = "notifications"

urlpatterns: list[URLPattern | URLResolver] = []

unsubscribe_urlpatterns: list[URLPattern | URLResolver] = [
    path(
        "notifications/unsubscribe/<str:token>/",
        views.unsubscribe,
        name="notifications-unsubscribe",
    ),
]
