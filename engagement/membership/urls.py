"""/api/membership/ (included by backend/urls.py) and the public pages' routes.

`page_urlpatterns` serves /join/, /join/secret/<token>/ and /members/; the project's URLconf
adds them at the root.
"""

from django.urls import URLPattern, path

from engagement.membership import apis, views

urlpatterns: list[URLPattern] = [
    path("applications/<int:pk>/approve", apis.ApproveView.as_view(), name="membership-approve"),
    path("applications/<int:pk>/decline", apis.DeclineView.as_view(), name="membership-decline"),
]

page_urlpatterns: list[URLPattern] = [
    path("join/", views.join, name="membership-join"),
    path("join/thanks/", views.thanks, name="membership-thanks"),
    path("join/secret/<str:token>/", views.secret, name="membership-secret"),
    path("members/", views.members, name="members"),
]
