from django.urls import re_path

from learning_records import document_views, views

app_name = "xapi"

# xAPI resources have no trailing slash; one is tolerated, as LMS configurations vary.
urlpatterns = [
    re_path(r"^about/?$", views.about, name="about"),
    re_path(r"^statements/?$", views.StatementsView.as_view(), name="statements"),
    re_path(r"^activities/?$", views.ActivitiesView.as_view(), name="activities"),
    re_path(r"^activities/state/?$", document_views.StateView.as_view(), name="state"),
    re_path(
        r"^activities/profile/?$",
        document_views.ActivityProfileView.as_view(),
        name="activity-profile",
    ),
    re_path(r"^agents/?$", views.AgentsView.as_view(), name="agents"),
    re_path(r"^agents/profile/?$", document_views.AgentProfileView.as_view(), name="agent-profile"),
]
