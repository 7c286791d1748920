"""plotly.js served by our own server, from the plotly wheel: no page loads a CDN script.

The URL carries the plotly version, so the file can be cached for a year: a new plotly
release changes the URL, never the content behind an old one.
"""

import functools
from pathlib import Path

import plotly
from django.http import Http404, HttpRequest, HttpResponse
from django.views.decorators.http import require_GET

PLOTLY_VERSION: str = plotly.__version__
_BUNDLE = Path(plotly.__file__).parent / "package_data" / "plotly.min.js"
_ONE_YEAR = 365 * 24 * 3600


@functools.cache
def _bundle_bytes() -> bytes:
    # Read once per process: about 4.6 MB, and every page asks for it (browsers then cache it).
    return _BUNDLE.read_bytes()


@require_GET
def plotly_js(request: HttpRequest, version: str) -> HttpResponse:
    if version != PLOTLY_VERSION:
        # An old page asking for an older release: its figures would not match this bundle.
        raise Http404
    response = HttpResponse(_bundle_bytes(), content_type="text/javascript; charset=utf-8")
    response["Cache-Control"] = f"public, max-age={_ONE_YEAR}, immutable"
    return response
