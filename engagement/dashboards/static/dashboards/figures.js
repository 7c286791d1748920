// Draws each figure from the JSON beside its div (engagement/dashboards/rendering.py). The
// pages carry no inline script, so the Content-Security-Policy can refuse every inline one.
"use strict";
document.querySelectorAll("script[type='application/json'][data-figure]").forEach(function (data) {
  var figure = JSON.parse(data.textContent);
  Plotly.newPlot(data.dataset.figure, figure.data, figure.layout, figure.config);
});
