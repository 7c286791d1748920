"""Figures to HTML: a div and its figure as a JSON data block, which dashboards/figures.js
(a static file) draws with plotly.js, itself from our server. No inline script: the pages'
Content-Security-Policy refuses it (backend/settings.py)."""

import json

from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe
from plotly.graph_objects import Figure

_CONFIG = {"displaylogo": False, "responsive": True}
# As django.utils.html.json_script escapes: no "</script>" or "<!--" can end the data block.
_JSON_ESCAPES = {ord(">"): "\\u003E", ord("<"): "\\u003C", ord("&"): "\\u0026"}


def figure_html(figure: Figure, *, div_id: str) -> SafeString:
    """The chart's div and its data: plotly's own JSON encoding (typed arrays included)."""
    figure_json = figure.to_json(validate=False).translate(_JSON_ESCAPES)
    data = f'{{"config":{json.dumps(_CONFIG)},{figure_json[1:]}'
    return format_html(
        '<div id="{}" class="figure"></div>'
        '<script type="application/json" data-figure="{}">{}</script>',
        div_id,
        div_id,
        mark_safe(data),  # noqa: S308 - JSON with <, > and & escaped: it cannot end the block
    )
