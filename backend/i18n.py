"""Language helpers shared by the public pages (the catalogue, the event calendar)."""

from typing import Any
from urllib.parse import urlencode

from django.conf import settings
from django.http import HttpRequest
from django.utils import translation


def language_links(request: HttpRequest, current: str) -> list[dict[str, Any]]:
    """The page in each other language, keeping the query (a search, a filter, a page)."""
    return [
        {
            "code": code,
            "name": translation.get_language_info(code)["name_local"],
            "query": urlencode({**request.GET.dict(), "lang": code}),
        }
        for code, _name in settings.LANGUAGES
        if code != current
    ]
