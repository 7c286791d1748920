"""The public badge documents (no sign-in): Open Badges 2.0 JSON-LD for machines, pages for
people, images, the bundled JSON-LD contexts, and a learner's shared badge list.

One URL per document, content-negotiated: `application/ld+json` or `application/json` get
JSON-LD, `text/html` gets the page. A client that names neither (no Accept, or */*) gets
JSON-LD: verifiers and backpacks are the URLs' first readers. `?format=json` asks for the
JSON-LD from a browser. Vary: Accept tells caches.
"""

import uuid
from pathlib import Path
from typing import Any

from django.http import FileResponse, Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils.cache import patch_vary_headers
from django.utils.translation import gettext as _
from django.views.decorators.http import require_safe

from engagement.badges import baking, ob2, selectors

JSON_LD = "application/ld+json"
_OFFERED = [JSON_LD, "application/json", "text/html"]
CONTEXTS = Path(__file__).resolve().parent / "contexts"


def _negotiated(
    request: HttpRequest,
    document: dict[str, Any],
    page: str,
    context: dict[str, Any],
    status: int = 200,
) -> HttpResponse:
    preferred = request.get_preferred_type(_OFFERED) or JSON_LD
    if request.GET.get("format") == "json":  # a link a person can click to see the JSON-LD
        preferred = JSON_LD
    if preferred == "text/html":
        response: HttpResponse = render(request, page, context, status=status)
    else:
        response = JsonResponse(
            document,
            status=status,
            content_type=preferred,
            json_dumps_params={"ensure_ascii": False, "indent": 2},
        )
        # Backpacks read these documents from browsers on other origins.
        response["Access-Control-Allow-Origin"] = "*"
    patch_vary_headers(response, ["Accept"])
    return response


@require_safe
def issuer(request: HttpRequest, uuid: uuid.UUID) -> HttpResponse:
    found = selectors.issuer_get(public_id=uuid)
    if found is None:
        raise Http404(_("No such issuer."))
    document = ob2.issuer_document(found)
    return _negotiated(
        request, document, "badges/issuer.html", {"issuer": found, "document": document}
    )


@require_safe
def badge_class(request: HttpRequest, uuid: uuid.UUID) -> HttpResponse:
    found = selectors.badge_class_get(public_id=uuid)
    if found is None:
        raise Http404(_("No such badge."))
    document = ob2.badge_class_document(found)
    context = {
        "badge_class": found,
        "document": document,
        "criteria": ob2.machine_criteria(found),
    }
    return _negotiated(request, document, "badges/badge_class.html", context)


@require_safe
def badge_class_image(request: HttpRequest, uuid: uuid.UUID) -> HttpResponse:
    found = selectors.badge_class_get(public_id=uuid)
    if found is None:
        raise Http404(_("No such badge."))
    return HttpResponse(baking.badge_image(found), content_type="image/png")


@require_safe
def assertion(request: HttpRequest, uuid: uuid.UUID) -> HttpResponse:
    """The hosted assertion and its verification page. A revoked assertion answers 410 Gone
    with `revoked: true` and the reason (OB 2.0 hosted verification); the page says so."""
    found = selectors.assertion_get(public_id=uuid)
    if found is None:
        if not selectors.assertion_erased(public_id=uuid):
            raise Http404(_("No such badge assertion."))
        # The recipient was erased: revoked, and nothing else said (privacy.py).
        return JsonResponse(ob2.erased_assertion_document(uuid), status=410)
    document = ob2.assertion_document(found)
    context = {"assertion": found, "badge_class": found.badge_class, "document": document}
    status = 410 if found.is_revoked else 200
    return _negotiated(request, document, "badges/assertion.html", context, status)


@require_safe
def assertion_baked(request: HttpRequest, uuid: uuid.UUID) -> HttpResponse:
    """The badge image with this assertion baked in, as a download."""
    found = selectors.assertion_get(public_id=uuid)
    if found is None or found.is_revoked:
        raise Http404(_("No such badge assertion."))
    image = baking.baked(baking.badge_image(found.badge_class), ob2.assertion_document(found))
    response = HttpResponse(image, content_type="image/png")
    response["Content-Disposition"] = f'attachment; filename="badge-{found.uuid}.png"'
    return response


@require_safe
def context(request: HttpRequest, name: str) -> FileResponse:
    """A bundled JSON-LD context (contexts/<name>.json), byte for byte as shipped."""
    path = CONTEXTS / f"{name}.json"
    if not path.is_file():
        raise Http404(_("No such JSON-LD context."))
    response = FileResponse(path.open("rb"), content_type=JSON_LD)
    response["Access-Control-Allow-Origin"] = "*"
    return response


@require_safe
def shared(request: HttpRequest, token: str) -> HttpResponse:
    found = selectors.shared_list(token=token)
    if found is None:
        raise Http404(_("This badge list is not shared."))
    person, assertions = found
    return render(request, "badges/shared.html", {"person": person, "assertions": list(assertions)})
