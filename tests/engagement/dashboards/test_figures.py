"""Figures are pure: rows in, plotly Figure out (no database mark: a query would fail)."""

from engagement.dashboards import figures
from engagement.dashboards.figures import FunnelStep


def test_the_funnel_shows_each_milestone_in_order_with_its_count() -> None:
    figure = figures.milestone_funnel(
        [FunnelStep("Safety", 10), FunnelStep("Chemistry", 4)], title="Funnel"
    )
    assert list(figure.data[0].y) == ["Safety", "Chemistry"]
    assert list(figure.data[0].x) == [10, 4]
    assert figure.layout.title.text == "Funnel"
