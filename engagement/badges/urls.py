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

# Open Badges 3.0 (views_ob3.py, apis_ob3.py): the signing key by its kid, 3.0 documents,
# each issuer's status list, the learner's own credential, badges shown to employers.
from engagement.badges import apis_ob3, views_ob3  # noqa: E402

urlpatterns += [
    path("v3/keys", views_ob3.key_set, name="ob3-keys"),
    path("v3/keys/<str:thumbprint>", views_ob3.key, name="ob3-key"),
    path("v3/did.json", views_ob3.did_document, name="ob3-did"),
    path("v3/issuers/<uuid:uuid>", views_ob3.issuer, name="ob3-issuer"),
    path("v3/achievements/<uuid:uuid>", views_ob3.achievement, name="ob3-achievement"),
    path("v3/status/<uuid:uuid>", views_ob3.status_list, name="ob3-status-list"),
    path("v3/credentials/<uuid:uuid>.jwt", views_ob3.credential_jwt, name="ob3-credential-jwt"),
    path("v3/credentials/<uuid:uuid>.json", views_ob3.credential_json, name="ob3-credential-json"),
]
api_urlpatterns += [
    path(
        "assertions/<uuid:uuid>/employers/",
        apis_ob3.EmployerSharesView.as_view(),
        name="employer-shares",
    ),
    path(
        "assertions/<uuid:uuid>/employers/<slug:employer>/",
        apis_ob3.EmployerShareView.as_view(),
        name="employer-share",
    ),
    path("shown-to-employer/", apis_ob3.ShownToMeView.as_view(), name="shown-to-employer"),
]
