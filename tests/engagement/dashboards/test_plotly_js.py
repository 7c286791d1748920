"""plotly.js comes from our server, out of the plotly package, cacheable for a year."""

from pathlib import Path

import plotly
from django.test import Client
from django.urls import reverse

from engagement.dashboards.plotly_js import PLOTLY_VERSION


def test_the_bundle_is_the_one_inside_the_plotly_package() -> None:
    response = Client().get(reverse("dashboards:plotly_js", args=[PLOTLY_VERSION]))
    bundle = Path(plotly.__file__).parent / "package_data" / "plotly.min.js"
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/javascript")
    assert response.content == bundle.read_bytes()


def test_the_bundle_may_be_cached_for_a_year() -> None:
    response = Client().get(reverse("dashboards:plotly_js", args=[PLOTLY_VERSION]))
    assert response["Cache-Control"] == "public, max-age=31536000, immutable"


def test_another_version_is_not_found() -> None:
    assert Client().get(reverse("dashboards:plotly_js", args=["0.0.1"])).status_code == 404


def test_pages_load_plotly_from_our_server_only(role_clients: dict[str, Client]) -> None:
    html = role_clients["teacher"].get(reverse("dashboards:teacher")).content.decode()
    assert f'<script src="/dashboards/plotly-{PLOTLY_VERSION}.min.js"></script>' in html
    assert "cdn" not in html.lower()
