"""Figures are pure: rows in, plotly Figure out (no database mark: a query would fail)."""

import datetime as dt

from engagement.dashboards import figures
from engagement.dashboards.figures import Completion, DatedCount, DayActivity, FunnelStep
from engagement.dashboards.rendering import figure_html


def test_the_funnel_shows_each_milestone_in_order_with_its_count() -> None:
    figure = figures.milestone_funnel(
        [FunnelStep("Safety", 10), FunnelStep("Chemistry", 4)], title="Funnel"
    )
    assert list(figure.data[0].y) == ["Safety", "Chemistry"]
    assert list(figure.data[0].x) == [10, 4]
    assert figure.layout.title.text == "Funnel"


WEEKDAYS = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"]


def test_the_heatmap_puts_each_day_in_its_weekday_row_and_week_column() -> None:
    monday = dt.date(2026, 2, 2)
    figure = figures.weekly_activity_heatmap(
        [DayActivity(dt.date(2026, 2, 4), 3), DayActivity(dt.date(2026, 2, 15), 1)],
        first_monday=monday,
        weeks=2,
        weekday_names=WEEKDAYS,
        title="t",
        hover="h",
    )
    z = figure.data[0].z
    assert z[2][0] == 3  # Wednesday of the first week
    assert z[6][1] == 1  # Sunday of the second week
    assert sum(sum(row) for row in z) == 4
    assert list(figure.data[0].x) == ["2026-02-02", "2026-02-09"]


def test_the_heatmap_leaves_out_days_outside_its_weeks() -> None:
    figure = figures.weekly_activity_heatmap(
        [DayActivity(dt.date(2026, 1, 1), 9)],
        first_monday=dt.date(2026, 2, 2),
        weeks=1,
        weekday_names=WEEKDAYS,
        title="t",
        hover="h",
    )
    assert sum(sum(row) for row in figure.data[0].z) == 0


def test_completion_bars_show_enrolled_behind_completed() -> None:
    figure = figures.completion_bars(
        [Completion("Safety", 2, 5)], title="t", completed="done", enrolled="all"
    )
    assert [trace.name for trace in figure.data] == ["all", "done"]
    assert list(figure.data[0].x) == [5]
    assert list(figure.data[1].x) == [2]


def test_the_cumulative_line_adds_up_in_date_order() -> None:
    figure = figures.cumulative_line(
        [DatedCount(dt.date(2026, 2, 5), 2), DatedCount(dt.date(2026, 2, 3), 1)],
        title="t",
        name="n",
    )
    assert list(figure.data[0].x) == ["2026-02-03", "2026-02-05"]
    assert list(figure.data[0].y) == [1, 3]


def test_milestone_progress_is_a_percentage_of_what_is_needed() -> None:
    figure = figures.milestone_progress_bars(
        [Completion("Safety", 1, 2), Completion("Chemistry", 0, 0)], title="t"
    )
    assert list(figure.data[0].x) == [50, 0]


def test_labels_cannot_end_the_script_they_are_drawn_in() -> None:
    figure = figures.milestone_funnel([FunnelStep("</script><b>x", 1)], title="t")
    assert "</script><b>" not in figure_html(figure, div_id="f")


def test_the_heatmap_makes_room_for_its_weekday_and_week_labels() -> None:
    """The layout's margins are small; the axes must grow them, or the weekday names are cut
    off and only the tick marks show (seen in the browser screenshot of the teacher page)."""
    figure = figures.weekly_activity_heatmap(
        [], first_monday=dt.date(2026, 2, 2), weeks=2, weekday_names=WEEKDAYS, title="t", hover="h"
    )
    assert figure.layout.xaxis.automargin is True
    assert figure.layout.yaxis.automargin is True
    assert figure.layout.yaxis.autorange == "reversed"
