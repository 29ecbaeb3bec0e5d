"""Issue 14 item 10: charts that read true, in headless Chromium. The indicator page's trend chart has a linear
time axis in years (1991, 1992 and 1995 at their true distances, a month at the middle of its month) and every
city keeps one colour across the trend, the peer comparison and the map (assets/indicator.js). And item 7's
methodology page passes axe-core's WCAG A/AA rules in both languages."""
from __future__ import annotations

import pytest
from ckan.tests import factories, helpers

from tests.browser_support import axe_violations, console_errors, describe, open_page
from tests.indicator_data import _v

PM10 = "ISO37120:2018:8.2"
SERIES = {
    "kielce": {"1989": 40.0, "1991": 38.0, "1992": 35.0, "1995": 30.0},
    "lublin": {"1991": 28.0, "1995": 25.0},
    "bialystok": {"1992": 22.0, "1993-03": 21.0, "1995": 20.0},
}

CHARTS = """
const trend = Chart.getChart('ua-trend-chart'), ranking = Chart.getChart('ua-ranking-chart');
const x = trend.scales.x;
return {
  type: x.type,
  trend: trend.data.datasets.map((d, i) => ({label: d.label, color: d.borderColor,
    points: d.data.map(p => ({period: p.period, x: p.x})),
    pixels: trend.getDatasetMeta(i).data.map(e => e.x)})),
  ranking: ranking.data.labels.map((label, i) => ({label: label,
                                                   color: ranking.data.datasets[0].backgroundColor[i]})),
};
"""
MAP_COLOURS = ("return [...document.querySelectorAll('#ua-map path.leaflet-interactive')]"
               ".map(p => p.getAttribute('stroke'));")


@pytest.fixture
def pm10_history(cities):
    values = [_v(city, PM10, period, value, source="city") for city, series in SERIES.items()
              for period, value in series.items()]
    helpers.call_action("urbanaudit_indicator_value_upsert", {"user": factories.Sysadmin()["name"]}, values=values)


@pytest.mark.usefixtures("pm10_history")
def test_trend_axis_is_linear_in_years_and_each_city_keeps_its_colour(server, page):
    open_page(page, f"{server}/indicator/iso37120-2018-8-2?city=kielce", "chart-linear-years",
              "#ua-ranking-chart[data-drawn]")
    charts = page.execute_script(CHARTS)
    assert charts["type"] == "linear"

    kielce = next(d for d in charts["trend"] if d["label"] == "Kielce")
    assert [p["x"] for p in kielce["points"]] == [1989, 1991, 1992, 1995]
    at = dict(zip((p["period"] for p in kielce["points"]), kielce["pixels"], strict=True))
    step = at["1992"] - at["1991"]
    assert step > 10
    # three years apart are drawn three times as far as one year apart (a category axis drew them equally apart)
    assert at["1995"] - at["1992"] == pytest.approx(3 * step, abs=1.0)
    assert at["1991"] - at["1989"] == pytest.approx(2 * step, abs=1.0)

    # a month stands at year + (month - 0.5) / 12: March 1993 between 1992 and 1995 at its true place
    bialystok = next(d for d in charts["trend"] if d["label"] == "Białystok")
    march = next(i for i, p in enumerate(bialystok["points"]) if p["period"] == "1993-03")
    assert bialystok["points"][march]["x"] == pytest.approx(1993 + 2.5 / 12)
    assert bialystok["pixels"][march] - at["1992"] == pytest.approx((1 + 2.5 / 12) * step, abs=1.0)

    # one colour per city in both charts, the page's own city first in the palette; the ranking orders the
    # cities otherwise (lower is better: Białystok first), so a colour by position there would differ
    trend_colours = {d["label"]: d["color"] for d in charts["trend"]}
    ranking_colours = {r["label"]: r["color"] for r in charts["ranking"]}
    assert [r["label"] for r in charts["ranking"]] == ["Białystok", "Lublin", "Kielce"]
    assert ranking_colours == trend_colours
    assert len(set(trend_colours.values())) == 3
    assert trend_colours["Kielce"] == "#1f5fa8"
    assert sorted(page.execute_script(MAP_COLOURS)) == sorted(trend_colours.values())
    assert console_errors(page) == []


@pytest.mark.usefixtures("cities")
@pytest.mark.parametrize("path", ["/metodologia", "/en/metodologia"])
def test_methodology_page_passes_axe(server, page, path):
    open_page(page, server + path, "methodology" + path.replace("/", "-"), "#ua-method-indicators")
    violations = axe_violations(page)
    assert violations == [], describe(path, violations)
    assert console_errors(page) == []
