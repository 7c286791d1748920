from django.urls import path

from engagement.dashboards import plotly_js, views

app_name = "dashboards"

urlpatterns = [
    path("teacher/", views.teacher, name="teacher"),
    path("teacher/cohorts/<int:cohort_id>/", views.teacher, name="teacher"),
    path("teacher/cohorts/<int:cohort_id>/learners.csv", views.teacher_csv, name="teacher_csv"),
    path("teacher/cohorts/<int:cohort_id>/message/", views.teacher_message, name="teacher_message"),
    path("employer/", views.employer, name="employer"),
    path("employer/summary/", views.employer_summary, name="employer_summary"),
    path("me/", views.learner, name="learner"),
    path("me/study-plan/", views.learner_plan, name="learner_plan"),
    path("me/consents/", views.learner_consent_give, name="learner_consent_give"),
    path("me/badge-page/", views.learner_badge_share, name="learner_badge_share"),
    path(
        "me/consents/<int:consent_id>/revoke/",
        views.learner_consent_revoke,
        name="learner_consent_revoke",
    ),
    path(
        "me/notifications/<int:notification_id>/read/",
        views.learner_notification_read,
        name="learner_notification_read",
    ),
    path("me/export.json", views.learner_export, name="learner_export"),
    path("network/", views.network, name="network"),
    path("dashboards/plotly-<str:version>.min.js", plotly_js.plotly_js, name="plotly_js"),
]
