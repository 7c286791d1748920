from django.contrib import admin
from django.urls import include, path

from backend import health, views

urlpatterns = [
    path("", views.home, name="home"),
    path("healthz", health.healthz, name="healthz"),
    path("xapi/", include("learning_records.urls")),
    path("admin/", admin.site.urls),
]
