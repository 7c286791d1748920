"""Open Badges 3.0 over HTTP, plain Django views. Interfaces only.

Public, no sign-in, permanent URLs (verifiers re-read them): the JWK Set and each key by its
`kid`, the issuer Profile, the Achievement, and each issuer's status list as a signed VC-JWT.
Signed-in: the learner's own credential as VC-JWT or JSON; another person's badge answers 404
like an unknown one, so ids reveal nothing.
"""

import json
import uuid
from typing import Any

from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_safe

from engagement.badges import ob3, selectors
from engagement.badges.models import Assertion, ErasedAssertion, Issuer
from engagement.network.selectors import viewer_of_user

JSON_LD = "application/ld+json"
# VC-JOSE-COSE §3.1.1 media type of a VC secured as a JWT.
VC_JWT = "application/vc+jwt"
# Verifiers re-read the status list for every check; five minutes of caching bounds how long
# a revocation takes to show, and keeps a popular list from being signed on every request.
STATUS_LIST_MAX_AGE = 300


def _public(response: HttpResponse, max_age: int = 3600) -> HttpResponse:
    # Wallets and verifiers run in browsers on other origins.
    response["Access-Control-Allow-Origin"] = "*"
    response["Cache-Control"] = f"public, max-age={max_age}"
    return response


def _json(document: dict[str, Any], content_type: str) -> JsonResponse:
    return JsonResponse(
        document, content_type=content_type, json_dumps_params={"ensure_ascii": False}
    )


@require_safe
def key_set(request: HttpRequest) -> HttpResponse:
    return _public(_json(ob3.key_set(), "application/jwk-set+json"))


@require_safe
def key(request: HttpRequest, thumbprint: str) -> HttpResponse:
    public = ob3.published_key(thumbprint)
    if public is None:
        raise Http404(_("No such key."))
    return _public(_json(public, "application/jwk+json"))


@require_safe
def did_document(request: HttpRequest) -> HttpResponse:
    return _public(_json(ob3.did_document(), "application/did+json"))


@require_safe
def issuer(request: HttpRequest, uuid: uuid.UUID) -> HttpResponse:
    found = selectors.issuer_get(public_id=uuid)
    if found is None:
        raise Http404(_("No such issuer."))
    return _public(_json(ob3.profile_document(found), JSON_LD))


@require_safe
def achievement(request: HttpRequest, uuid: uuid.UUID) -> HttpResponse:
    found = selectors.badge_class_get(public_id=uuid)
    if found is None:
        raise Http404(_("No such badge."))
    return _public(_json(ob3.achievement_document(found), JSON_LD))


@require_safe
def status_list(request: HttpRequest, uuid: uuid.UUID) -> HttpResponse:
    """The issuer's BitstringStatusListCredential, built from its revoked assertions now."""
    found = selectors.issuer_get(public_id=uuid)
    if found is None:
        raise Http404(_("No such issuer."))
    revoked = _revoked_indexes(found)
    token = ob3.signed_status_list(found, revoked, timezone.now())
    return _public(HttpResponse(token, content_type=VC_JWT), STATUS_LIST_MAX_AGE)


@require_safe
def credential_jwt(request: HttpRequest, uuid: uuid.UUID) -> HttpResponse:
    """OB 3.0 §5.3.2 (document formats): the compact JWS, as text/plain, saved as .jwt."""
    found = _own_assertion(request, uuid)
    if isinstance(found, HttpResponse):
        return found
    token = ob3.signed(ob3.credential(found, found.badge_class))
    return _download(HttpResponse(token, content_type="text/plain; charset=utf-8"), found, "jwt")


@require_safe
def credential_json(request: HttpRequest, uuid: uuid.UUID) -> HttpResponse:
    """The credential's JSON for reading; the .jwt download is the copy that verifies."""
    found = _own_assertion(request, uuid)
    if isinstance(found, HttpResponse):
        return found
    body = json.dumps(ob3.credential(found, found.badge_class), ensure_ascii=False, indent=2)
    return _download(HttpResponse(body, content_type="application/ld+json"), found, "json")


def _download(response: HttpResponse, assertion: Assertion, extension: str) -> HttpResponse:
    response["Content-Disposition"] = f'attachment; filename="badge-{assertion.uuid}.{extension}"'
    response["Cache-Control"] = "private, no-store"
    return response


def _own_assertion(request: HttpRequest, public_id: uuid.UUID) -> Assertion | HttpResponse:
    person = viewer_of_user(request.user).person
    if person is None:
        detail = _("Sign in to download your badges.")
        return JsonResponse({"detail": detail}, status=403)
    found = selectors.assertion_get(public_id=public_id)
    if found is None or found.recipient_id != person.pk:
        raise Http404(_("No such badge assertion."))
    if found.is_revoked:
        detail = _("This badge was revoked: %(reason)s") % {"reason": found.revocation_reason}
        return JsonResponse({"detail": detail}, status=410)
    # The credential names the milestone's activities and skills: load them as the OB 2.0
    # badge class document does.
    badge_class = selectors.badge_class_get(public_id=found.badge_class.uuid)
    if badge_class is None:  # deleted since the line above: PROTECT makes it all but impossible
        raise Http404(_("No such badge."))
    found.badge_class = badge_class
    return found


def _revoked_indexes(issuer: Issuer) -> list[int]:
    revoked = Assertion.objects.filter(badge_class__issuer=issuer, revoked_at__isnull=False)
    # An erased recipient's credentials stay revoked (engagement/badges/privacy.py).
    erased = ErasedAssertion.objects.filter(issuer=issuer)
    return [
        *revoked.values_list("status_list_index", flat=True),
        *erased.values_list("status_list_index", flat=True),
    ]
