"""Figures to HTML: a div and its drawing script; plotly.js itself comes from our server."""

from django.utils.safestring import SafeString, mark_safe
from plotly.graph_objects import Figure

_CONFIG = {"displaylogo": False, "responsive": True}


def figure_html(figure: Figure, *, div_id: str) -> SafeString:
    """The chart's div and script. The page loads plotly.js once (base template); the JSON
    inside is plotly's own encoding, which escapes "</" so labels cannot end the script."""
    html = figure.to_html(full_html=False, include_plotlyjs=False, div_id=div_id, config=_CONFIG)
    return mark_safe(html)  # noqa: S308 - plotly's output: JSON-escaped labels, no user HTML
