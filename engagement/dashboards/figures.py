"""Dashboard charts: pure functions, rows in, plotly Figure out.

No ORM and no clock here (tests run them without a database). Labels arrive translated
from the caller, so a figure never needs to know the language.
"""

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

import plotly.graph_objects as go

# One look for every chart: readable type, no plotly logo, room for long Finnish labels.
_LAYOUT = {
    "font": {"family": "system-ui, sans-serif", "size": 14, "color": "#1d2a33"},
    "margin": {"l": 10, "r": 10, "t": 40, "b": 10},
    # The small margins above grow to fit the tick labels; without this they are cut off.
    "xaxis": {"automargin": True},
    "yaxis": {"automargin": True},
    "paper_bgcolor": "white",
    "plot_bgcolor": "white",
    # The default template adds ~8 kB of JSON to every chart; "none" adds nothing.
    "template": "none",
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


@dataclass(frozen=True)
class DayActivity:
    """How many learners were active on one local day."""

    day: dt.date
    learners: int


def weekly_activity_heatmap(
    days: Sequence[DayActivity],
    *,
    first_monday: dt.date,
    weeks: int,
    weekday_names: Sequence[str],
    title: str,
    hover: str,
) -> go.Figure:
    """Learners active per weekday (rows, Monday first) and week (columns), `weeks` weeks
    from `first_monday`. Days outside the range are left out; empty days show as 0."""
    counts = {entry.day: entry.learners for entry in days}
    columns = [first_monday + dt.timedelta(weeks=week) for week in range(weeks)]
    z = [
        [counts.get(monday + dt.timedelta(days=weekday), 0) for monday in columns]
        for weekday in range(7)
    ]
    figure = go.Figure(
        go.Heatmap(
            z=z,
            x=[monday.isoformat() for monday in columns],
            y=list(weekday_names),
            colorscale="Blues",
            hovertemplate=hover + "<extra></extra>",
            xgap=2,
            ygap=2,
        )
    )
    figure.update_layout(title={"text": title}, **_LAYOUT)
    figure.update_yaxes(autorange="reversed")
    return figure


@dataclass(frozen=True)
class Completion:
    """One bar: how many of `enrolled` completed."""

    label: str
    completed: int
    enrolled: int


def completion_bars(
    rows: Sequence[Completion], *, title: str, completed: str, enrolled: str
) -> go.Figure:
    """Enrolled and completed side by side per row (a pathway, or a milestone)."""
    labels = [row.label for row in rows]
    figure = go.Figure(
        [
            go.Bar(
                name=enrolled,
                y=labels,
                x=[row.enrolled for row in rows],
                orientation="h",
                marker={"color": "#c5ced5"},
            ),
            go.Bar(
                name=completed,
                y=labels,
                x=[row.completed for row in rows],
                orientation="h",
                marker={"color": "#0b6e4f"},
            ),
        ]
    )
    figure.update_layout(title={"text": title}, barmode="overlay", **_LAYOUT)
    figure.update_yaxes(autorange="reversed", automargin=True)
    return figure


@dataclass(frozen=True)
class DatedCount:
    day: dt.date
    count: int


def cumulative_line(events: Sequence[DatedCount], *, title: str, name: str) -> go.Figure:
    """A running total over time (e.g. milestones completed), one point per day with events."""
    total, x, y = 0, [], []
    for event in sorted(events, key=lambda e: e.day):
        total += event.count
        x.append(event.day.isoformat())
        y.append(total)
    figure = go.Figure(go.Scatter(x=x, y=y, name=name, mode="lines+markers", line={"shape": "hv"}))
    figure.update_layout(title={"text": title}, **_LAYOUT)
    return figure


def milestone_progress_bars(rows: Sequence[Completion], *, title: str) -> go.Figure:
    """A learner's own milestones: activities done of those needed, as percent bars."""
    labels = [row.label for row in rows]
    percent = [round(100 * row.completed / row.enrolled) if row.enrolled else 0 for row in rows]
    figure = go.Figure(
        go.Bar(
            y=labels,
            x=percent,
            orientation="h",
            text=[f"{p}%" for p in percent],
            marker={"color": "#0b5cad"},
        )
    )
    figure.update_layout(title={"text": title}, **_LAYOUT)
    figure.update_xaxes(range=[0, 100], ticksuffix="%")
    figure.update_yaxes(autorange="reversed", automargin=True)
    return figure
