/* Charts and map of the indicator pages. Data come from <script type="application/json" id="ua-chart-data">;
   every chart has a table beside it with the same numbers (the text alternative). */
(function () {
  "use strict";
  var COLORS = ["#1f5fa8", "#d9822b", "#2b9d5b", "#a83f3f", "#7a4fb0", "#4f8f9f"];

  function data() {
    var node = document.getElementById("ua-chart-data");
    return node ? JSON.parse(node.textContent) : null;
  }

  function trendChart(canvas, d) {
    var periods = [];
    d.trend.forEach(function (s) { s.points.forEach(function (p) { if (periods.indexOf(p.x) < 0) { periods.push(p.x); } }); });
    periods.sort();
    var chart = new Chart(canvas, {
      type: "line",
      data: {
        labels: periods,
        datasets: d.trend.map(function (s, i) {
          var byPeriod = {};
          s.points.forEach(function (p) { byPeriod[p.x] = p.y; });
          return { label: s.label, data: periods.map(function (p) { return p in byPeriod ? byPeriod[p] : null; }),
                   borderColor: COLORS[i % COLORS.length], backgroundColor: COLORS[i % COLORS.length],
                   spanGaps: true, tension: 0.1 };
        })
      },
      options: { animation: false, responsive: true, maintainAspectRatio: false,
                 scales: { y: { title: { display: !!d.unit, text: d.unit } } } }
    });
    canvas.setAttribute("data-drawn", String(chart.data.datasets.length));
  }

  function rankingChart(canvas, d) {
    var chart = new Chart(canvas, {
      type: "bar",
      data: { labels: d.ranking.map(function (r) { return r.label; }),
              datasets: [{ label: d.unit || "", data: d.ranking.map(function (r) { return r.value; }),
                           backgroundColor: d.ranking.map(function (r, i) { return COLORS[i % COLORS.length]; }) }] },
      options: { animation: false, indexAxis: "y", responsive: true, maintainAspectRatio: false,
                 plugins: { legend: { display: false } } }
    });
    canvas.setAttribute("data-drawn", String(chart.data.labels.length));
  }

  function map(node, d) {
    if (typeof L === "undefined" || !d.points.length) { return; }
    var m = L.map(node, { attributionControl: true });
    var tiles = node.getAttribute("data-tiles");
    if (tiles) { L.tileLayer(tiles, { maxZoom: 18 }).addTo(m); }
    var bounds = [];
    d.points.forEach(function (p, i) {
      var marker = L.circleMarker([p.lat, p.lon], { radius: 9, color: COLORS[i % COLORS.length], fillOpacity: 0.7 }).addTo(m);
      // names and units are data, never markup: the tooltip is a text node (Leaflet sets a string as HTML)
      var label = document.createElement("span");
      label.textContent = p.name + (p.value !== null ? ": " + p.value + " " + (d.unit || "") + " (" + p.period + ")" : "");
      marker.bindTooltip(label, { permanent: true, direction: "right" });
      bounds.push([p.lat, p.lon]);
    });
    m.fitBounds(bounds, { padding: [40, 40], maxZoom: 9 });
    node.setAttribute("data-drawn", String(bounds.length));
  }

  function init() {
    var d = data();
    if (!d || typeof Chart === "undefined") { return; }
    var trend = document.getElementById("ua-trend-chart");
    if (trend && d.trend.some(function (s) { return s.points.length; })) { trendChart(trend, d); }
    var ranking = document.getElementById("ua-ranking-chart");
    if (ranking && d.ranking.length) { rankingChart(ranking, d); }
    var mapNode = document.getElementById("ua-map");
    if (mapNode) { map(mapNode, d); }
  }

  if (document.readyState === "loading") { document.addEventListener("DOMContentLoaded", init); } else { init(); }
})();
