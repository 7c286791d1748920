"""Server-rendered pages of the network directory: the public pathway catalogue."""

from urllib.parse import urlencode

from django.conf import settings
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import translation

from backend.i18n import language_links
from engagement.network.filters import CatalogueFilter
from engagement.network.models import Pathway
from engagement.network.selectors import (
    OVERLAP_SKILL_JACCARD,
    catalogue_pathways_in_full,
    catalogue_providers,
    pathway_overlaps,
)

PAGE_SIZE = 20


def catalogue(request: HttpRequest) -> HttpResponse:
    """The public catalogue: search published pathways, and see which of them overlap.

    ?lang=fi|sv|en picks the language (otherwise the browser's, via LocaleMiddleware)."""
    language = request.GET.get("lang", "")
    if language not in dict(settings.LANGUAGES):
        language = translation.get_language() or settings.LANGUAGE_CODE
    search = CatalogueFilter(request.GET, queryset=catalogue_pathways_in_full())
    results = search.qs if search.is_valid() else Pathway.objects.none()
    context = {
        "search": search,
        "errors": [(search.form.fields[name].label, errs) for name, errs in search.errors.items()],
        "page": Paginator(results, PAGE_SIZE).get_page(request.GET.get("page")),
        "query": urlencode({k: v for k, v in request.GET.items() if k != "page" and v}),
        "language_links": language_links(request, language),
        "providers": catalogue_providers(),
        "eqf_levels": range(1, 9),
        "overlaps": pathway_overlaps(),
        "jaccard_threshold": OVERLAP_SKILL_JACCARD,
    }
    # override, not activate: the choice holds for this response only.
    with translation.override(language):
        response = render(request, "network/catalogue.html", context)
    response.headers["Content-Language"] = language
    return response
