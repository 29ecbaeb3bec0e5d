/* Charts and map of the indicator pages. Data come from <script type="application/json" id="ua-chart-data">;
   every chart has a table beside it with the same numbers (the text alternative). */
(function () {
  "use strict";
  var COLORS = ["#1f5fa8", "#d9822b", "#2b9d5b", "#a83f3f", "#7a4fb0", "#4f8f9f"];
  var OTHER = "#8a8a8a";

  function data() {
    var node = document.getElementById("ua-chart-data");
    return node ? JSON.parse(node.textContent) : null;
  }

  /* One colour per city across every chart of the page: the city's position in the page's city list (the page's
     own city first), so a city keeps its colour in the trend, the comparison and the map. */
  function colorOf(d, city, fallback) {
    var i = (d.cities || []).indexOf(city);
    if (i < 0 && d.others) { return OTHER; }  /* a city of the portal's ranking that is not on the page: grey */
    return COLORS[(i < 0 ? fallback : i) % COLORS.length];
  }

  /* A period (indicators/schema.py PERIOD) as a number of years, at the middle of its span: "2020" -> 2020,
     "2020-03" -> 2020 + (3 - 0.5) / 12, "2020-Q2" -> 2020 + (6 - 1.5) / 12, "2020-H1" -> 2020 + 3 / 12. */
  function yearOf(period) {
    var m = /^(\d{4})(?:-(?:(\d{2})|Q([1-4])|H([12])))?$/.exec(String(period));
    if (!m) { return null; }
    var year = parseInt(m[1], 10);
    if (m[2]) { return year + (parseInt(m[2], 10) - 0.5) / 12; }
    if (m[3]) { return year + (parseInt(m[3], 10) * 3 - 1.5) / 12; }
    if (m[4]) { return year + (parseInt(m[4], 10) * 6 - 3) / 12; }
    return year;
  }

  function trendChart(canvas, d) {
    var chart = new Chart(canvas, {
      type: "line",
      data: {
        datasets: d.trend.map(function (s, i) {
          var color = colorOf(d, s.city, i);
          var points = s.points.map(function (p) { return { x: yearOf(p.x), y: p.y, period: p.x }; })
            .filter(function (p) { return p.x !== null; })
            .sort(function (a, b) { return a.x - b.x; });
          // a segment across missing years is dashed: the gap shows in the line as well as on the axis
          return { label: s.label, city: s.city, data: points, borderColor: color, backgroundColor: color,
                   spanGaps: true, tension: 0.1,
                   segment: { borderDash: function (ctx) { return ctx.p1.parsed.x - ctx.p0.parsed.x > 1.001 ? [6, 4] : undefined; } } };
        })
      },
      options: {
        animation: false, responsive: true, maintainAspectRatio: false, parsing: true,
        scales: {
          // a linear axis in years: 1991, 1992 and 1995 stand at their true distances (no date adapter needed)
          x: { type: "linear", ticks: { precision: 0, callback: function (v) { return Number.isInteger(v) ? String(v) : ""; } } },
          y: { title: { display: !!d.unit, text: d.unit } }
        },
        plugins: { tooltip: { callbacks: {
          title: function (items) { return items.length ? String(items[0].raw.period) : ""; }
        } } }
      }
    });
    canvas.setAttribute("data-drawn", String(chart.data.datasets.length));
  }

  function rankingChart(canvas, d) {
    var chart = new Chart(canvas, {
      type: "bar",
      data: { labels: d.ranking.map(function (r) { return r.label; }),
              datasets: [{ label: d.unit || "", data: d.ranking.map(function (r) { return r.value; }),
                           backgroundColor: d.ranking.map(function (r, i) { return colorOf(d, r.city, i); }) }] },
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
      var marker = L.circleMarker([p.lat, p.lon], { radius: 9, color: colorOf(d, p.city, i), fillOpacity: 0.7 }).addTo(m);
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
