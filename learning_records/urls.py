from django.urls import re_path

from learning_records import views

app_name = "xapi"

# xAPI resources have no trailing slash; one is tolerated, as LMS configurations vary.
urlpatterns = [
    re_path(r"^about/?$", views.about, name="about"),
    re_path(r"^statements/?$", views.StatementsView.as_view(), name="statements"),
]
