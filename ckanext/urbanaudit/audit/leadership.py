"""The page for the city's leadership (``/city/<teryt>/leadership``): what ``urbanaudit_leadership`` returns.

- **Themes at a glance**, per ISO 37120 theme (clauses 5-23): how many of the catalogued indicators of the theme
  (every edition, the harvesters' source variables left out) have a published value for the city (coverage, and
  the same for core indicators), and how many moved the good or the bad way between their last two values
  (by the indicator's polarity, as on the city dashboard; neutral indicators are neither).
- **Off track**: the city's targets whose status is *off track* (``targets.py``), with every status counted.
- **Biggest gaps**: from ``urbanaudit_gaps``: the themes with the most gaps (at most 10) and the core indicators
  without a value (gaps with no published value for the city; at most 10 listed, all counted).

Only what the caller may see (``indicators/visibility.py``) and published values (the values table holds only
approved department values).
"""
from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Collection
from typing import Any

import sqlalchemy as sa
from ckan import model

from ckanext.urbanaudit.audit import targets
from ckanext.urbanaudit.cities.model import City
from ckanext.urbanaudit.indicators import report, sources
from ckanext.urbanaudit.indicators.catalogue import Indicator, catalogue
from ckanext.urbanaudit.indicators.store import IndicatorValue

TOP = 10


def _latest_two(codes: list[str], teryt: str) -> dict[str, list[dict]]:
    """{code: [previous, latest]} (or [latest]) of the city's published values, preferred source per period."""
    table = IndicatorValue.__table__
    query = sa.select(table.c.indicator_code, table.c.period, table.c.value, table.c.source).where(
        table.c.city_teryt == teryt, table.c.indicator_code.in_(codes), table.c.value.isnot(None))
    best: dict[str, dict[str, dict]] = defaultdict(dict)
    for row in model.Session.execute(query):
        new = {"period": row.period, "value": float(row.value), "source": row.source}
        if sources.preferred(best[row.indicator_code].get(row.period), new):
            best[row.indicator_code][row.period] = new
    return {code: [periods[p] for p in sorted(periods)[-2:]] for code, periods in best.items()}


def themes(indicators: list[Indicator], teryt: str) -> list[dict[str, Any]]:
    cat = catalogue()
    values = _latest_two([i.code for i in indicators], teryt)
    out = []
    for clause, names in cat.themes.items():
        mine = [i for i in indicators if i.theme == clause]
        core = [i for i in mine if i.kind == "core"]
        moves = Counter()
        for ind in mine:
            last = values.get(ind.code) or []
            move = report.trend(last[-1], last[0], ind.polarity) if len(last) == 2 else None
            if move and move["good"] is not None:
                moves["good" if move["good"] else "bad"] += 1
        with_values = sum(1 for i in mine if i.code in values)
        out.append({"theme": clause, "name": names, "indicators": len(mine), "with_values": with_values,
                    "coverage": round(with_values / len(mine) * 100) if mine else None,
                    "core": len(core), "core_with_values": sum(1 for i in core if i.code in values),
                    "good": moves["good"], "bad": moves["bad"]})
    return out


def summary(city: City, hidden: Collection[str], gaps: dict[str, Any]) -> dict[str, Any]:
    """The leadership page of ``city`` for a caller who may not see ``hidden``; ``gaps``: the answer of
    ``urbanaudit_gaps`` for the same caller and city."""
    visible = [i for i in catalogue().indicators if i.code not in hidden and i.kind != "variable"]
    city_targets = targets.for_city(city, hidden)
    core_missing = sorted((g for g in gaps["gaps"] if g["kind"] == "core" and g["latest_period"] is None),
                          key=lambda g: g["code"])
    top_themes = sorted((t for t in gaps["themes"] if t["gaps"]), key=lambda t: (-t["gaps"], int(t["theme"])))
    return {
        "city": city.as_dict(),
        "themes": themes(visible, city.teryt),
        "targets": {"count": len(city_targets),
                    "statuses": {s: sum(1 for t in city_targets if t["progress"]["status"] == s)
                                 for s in targets.STATUSES},
                    "off_track": [t for t in city_targets if t["progress"]["status"] == targets.OFF_TRACK]},
        "gaps": {"counts": gaps["counts"], "total": len(gaps["gaps"]),
                 "themes": [{"theme": t["theme"], "name": t["name"], "gaps": t["gaps"]} for t in top_themes[:TOP]],
                 "core_without_values": core_missing[:TOP], "core_without_values_count": len(core_missing)},
    }
