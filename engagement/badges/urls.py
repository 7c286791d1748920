"""The badges room's URLs. `urlpatterns` (public documents, included by backend/urls.py under
/badges/) are permanent: Open Badges verifiers re-read them, never move one.
`api_urlpatterns` are the signed-in APIs under /api/badges/."""

from django.urls import URLPattern, URLResolver, path

from engagement.badges import apis, views

app_name = "badges"

urlpatterns: list[URLPattern | URLResolver] = [
    path("issuers/<uuid:uuid>", views.issuer, name="issuer"),
    path("classes/<uuid:uuid>", views.badge_class, name="badge-class"),
    path("classes/<uuid:uuid>/image.png", views.badge_class_image, name="badge-class-image"),
    path("assertions/<uuid:uuid>", views.assertion, name="assertion"),
    path("assertions/<uuid:uuid>/baked.png", views.assertion_baked, name="assertion-baked"),
    path("contexts/<slug:name>.json", views.context, name="context"),
    path("shared/<str:token>", views.shared, name="shared"),
]

api_urlpatterns: list[URLPattern | URLResolver] = [
    path("mine/", apis.MyBadgesView.as_view(), name="mine"),
    path("share/", apis.ShareView.as_view(), name="share"),
    path(
        "assertions/<uuid:uuid>/revoke/",
        apis.RevokeView.as_view(),
        name="assertion-revoke",
    ),
]
