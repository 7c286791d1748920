"""Dashboard charts: pure functions, rows in, plotly Figure out.

No ORM and no clock here (tests run them without a database). Labels arrive translated
from the caller, so a figure never needs to know the language.
"""

from collections.abc import Sequence
from dataclasses import dataclass

import plotly.graph_objects as go

# One look for every chart: readable type, no plotly logo, room for long Finnish labels.
_LAYOUT = {
    "font": {"family": "system-ui, sans-serif", "size": 14, "color": "#1d2a33"},
    "margin": {"l": 10, "r": 10, "t": 40, "b": 10},
    "paper_bgcolor": "white",
    "plot_bgcolor": "white",
    # The default template adds ~8 kB of JSON to every chart; this one is small and plain.
    "template": "simple_white",
}


@dataclass(frozen=True)
class FunnelStep:
    """How many reached one milestone (position order)."""

    label: str
    reached: int


def milestone_funnel(steps: Sequence[FunnelStep], *, title: str) -> go.Figure:
    """How many learners reached each milestone, first milestone at the top."""
    figure = go.Figure(
        go.Funnel(
            y=[step.label for step in steps],
            x=[step.reached for step in steps],
            textinfo="value",
            marker={"color": "#0b5cad"},
        )
    )
    figure.update_layout(title={"text": title}, **_LAYOUT)
    figure.update_yaxes(automargin=True)
    return figure
