from django.urls import path

from engagement.dashboards import plotly_js, views

app_name = "dashboards"

urlpatterns = [
    path("teacher/", views.teacher, name="teacher"),
    path("teacher/cohorts/<int:cohort_id>/", views.teacher, name="teacher"),
    path("employer/", views.employer, name="employer"),
    path("me/", views.learner, name="learner"),
    path("network/", views.network, name="network"),
    path("dashboards/plotly-<str:version>.min.js", plotly_js.plotly_js, name="plotly_js"),
]
