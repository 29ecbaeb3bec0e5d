"""What the indicator pages, the city dashboard and the gaps page show, built from the catalogue and the
values table (the actions return these dicts; the pages render them, so the API gives the same data).

Scaled value (0-100): min-max over the compared cities (the city and its peers) in the reference period (the
latest period with a value for the city): ``(v - min) / (max - min) x 100`` when higher is better,
``(max - v) / (max - min) x 100`` when lower is better; none for neutral indicators, for fewer than two cities
with a value, or when all values are equal.

Quality-of-life composite: the scaled values of the city's indicators (those with a polarity) are averaged per
ISO 37120 theme, then the theme means are averaged; coverage says how many indicators and themes it rests on.
"""
from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection
from datetime import UTC, date, datetime
from statistics import fmean
from typing import Any

import sqlalchemy as sa
from ckan import model

from ckanext.urbanaudit import config
from ckanext.urbanaudit.cities.model import City
from ckanext.urbanaudit.indicators import sources
from ckanext.urbanaudit.indicators.catalogue import NONE, Indicator, catalogue
from ckanext.urbanaudit.indicators.store import IndicatorValue
from ckanext.urbanaudit.indicators.visibility import redact_inputs

SCALING_METHOD = {
    "en": "Min–max over the compared cities in the reference period: (v − min)/(max − min) × 100 when higher is "
          "better, (max − v)/(max − min) × 100 when lower is better; not scored when neutral.",
    "pl": "Min–max wśród porównywanych miast w okresie odniesienia: (v − min)/(max − min) × 100, gdy lepiej wyżej, "
          "(max − v)/(max − min) × 100, gdy lepiej niżej; wskaźniki neutralne nie są skalowane.",
}
COMPOSITE_METHOD = {
    "en": "Scaled values (0–100) of the city's indicators averaged per ISO 37120 theme, then the theme means "
          "averaged (each theme counts once). Neutral indicators and those without peers' values are left out.",
    "pl": "Wartości skalowane (0–100) wskaźników miasta uśrednione w każdym obszarze ISO 37120, a następnie "
          "średnia z obszarów (każdy obszar liczy się raz). Bez wskaźników neutralnych i bez danych porównawczych.",
}


def _rows(codes: list[str], cities: list[str]) -> list[Any]:
    table = IndicatorValue.__table__
    query = sa.select(table).where(table.c.indicator_code.in_(codes), table.c.city_teryt.in_(cities)).order_by(
        table.c.indicator_code, table.c.city_teryt, table.c.period)
    return model.Session.execute(query).fetchall()


def _value_dict(r: Any, hidden: Collection[str]) -> dict[str, Any]:
    return {"city": r.city_teryt, "indicator_code": r.indicator_code, "period": r.period,
            "value": float(r.value) if r.value is not None else None, "unit": r.unit, "source": r.source,
            "source_ref": r.source_ref, "source_variable": r.source_variable, "method": r.method,
            "flags": list(r.flags or []), "inputs": redact_inputs(list(r.inputs or []), hidden),
            "computed_at": r.computed_at.isoformat() if r.computed_at else None}


def best_series(rows: list[Any], hidden: Collection[str]) -> dict[tuple[str, str], dict[str, dict]]:
    """{(code, city): {period: value dict}} keeping, per period, the preferred source with a value; inputs of
    derived values that come from ``hidden`` indicators are blanked."""
    out: dict[tuple[str, str], dict[str, dict]] = defaultdict(dict)
    for r in rows:
        slot = out[(r.indicator_code, r.city_teryt)]
        current = slot.get(r.period)
        new = _value_dict(r, hidden)
        if sources.preferred(current, new):
            slot[r.period] = new
    return out


def stale_after_years() -> int:
    return config.stale_after_years()


def is_stale(period: str | None, today: date | None = None) -> bool:
    if not period:
        return False
    return int(period[:4]) < (today or datetime.now(UTC).date()).year - stale_after_years()


def scale(values: dict[str, float], polarity: str) -> tuple[dict[str, float], str | None]:
    """Scaled 0-100 values per city, or an empty dict and the reason none can be given."""
    if polarity == "neutral":
        return {}, "neutral"
    if len(values) < 2:
        return {}, "too_few_cities"
    low, high = min(values.values()), max(values.values())
    if high == low:
        return {}, "all_equal"
    if polarity == "higher":
        return {c: round((v - low) / (high - low) * 100, 1) for c, v in values.items()}, None
    return {c: round((high - v) / (high - low) * 100, 1) for c, v in values.items()}, None


def trend(latest: dict | None, previous: dict | None, polarity: str) -> dict[str, Any] | None:
    if not latest or not previous or latest["value"] is None or previous["value"] is None:
        return None
    delta = latest["value"] - previous["value"]
    direction = "up" if delta > 0 else "down" if delta < 0 else "flat"
    good = None if polarity == "neutral" or direction == "flat" else (direction == "up") == (polarity == "higher")
    return {"direction": direction, "delta": round(delta, 4), "previous_period": previous["period"],
            "previous_value": previous["value"], "good": good}


def compared_cities(city: City) -> list[City]:
    peers = [c for c in (model.Session.get(City, t) for t in (city.peers or [])) if c is not None]
    return [city, *peers]


def indicator_report(ind: Indicator, city: City, hidden: Collection[str]) -> dict[str, Any]:
    """Everything the indicator page shows for one city and its peers (``ind`` must be visible to the caller;
    ``hidden``: the codes the caller may not see, see visibility.py)."""
    cities = compared_cities(city)
    teryts = [c.teryt for c in cities]
    series = best_series(_rows([ind.code], teryts), hidden)
    per_city = []
    for c in cities:
        values = series.get((ind.code, c.teryt), {})
        with_value = [v for p, v in sorted(values.items()) if v["value"] is not None]
        per_city.append({"city": c.as_dict(), "series": [values[p] for p in sorted(values)],
                         "latest": with_value[-1] if with_value else None,
                         "previous": with_value[-2] if len(with_value) > 1 else None})
    home = per_city[0]
    reference = home["latest"]["period"] if home["latest"] else None
    in_reference = {}
    if reference:
        for entry in per_city:
            row = next((v for v in entry["series"] if v["period"] == reference and v["value"] is not None), None)
            if row:
                in_reference[entry["city"]["teryt"]] = row["value"]
    scaled, reason = scale(in_reference, ind.polarity)
    ranking = sorted(
        ({"city": e["city"], "value": in_reference[e["city"]["teryt"]],
          "scaled": scaled.get(e["city"]["teryt"])} for e in per_city if e["city"]["teryt"] in in_reference),
        key=lambda r: -(r["scaled"] if r["scaled"] is not None else r["value"]) if ind.polarity != "lower"
        else (r["value"]))
    flags = sorted({f for e in per_city for v in e["series"] for f in v["flags"]})
    return {
        "indicator": ind.as_dict(),
        "city": city.as_dict(),
        "reference_period": reference,
        "latest": home["latest"],
        "trend": trend(home["latest"], home["previous"], ind.polarity),
        "stale": is_stale(reference) if reference else None,
        "scaled": scaled.get(city.teryt),
        "scaled_reason": reason if city.teryt not in scaled else None,
        "scaling_method": SCALING_METHOD,
        "ranking": ranking,
        "cities": [{"city": e["city"], "series": e["series"], "latest": e["latest"]} for e in per_city],
        "flags": flags,
        "source_refs": sorted({ref for e in per_city for v in e["series"]
                               for ref in [v["source_ref"], *(i.get("source_ref") for i in v["inputs"])] if ref}),
    }


def city_dashboard(city: City, hidden: Collection[str], per_theme: int = 4) -> dict[str, Any]:
    """Headline indicators per theme with trends, scaled values, and the quality-of-life composite, all
    without the ``hidden`` indicators (the codes the caller may not see, see visibility.py)."""
    cat = catalogue()
    cities = compared_cities(city)
    teryts = [c.teryt for c in cities]
    scorable = [i for i in cat.indicators if i.theme and i.kind != "variable" and i.availability != NONE
                and i.code not in hidden]
    series = best_series(_rows([i.code for i in scorable], teryts), hidden)
    themes: dict[str, list[dict]] = defaultdict(list)
    for ind in scorable:
        mine = series.get((ind.code, city.teryt), {})
        with_value = [v for _, v in sorted(mine.items()) if v["value"] is not None]
        if not with_value:
            continue
        latest = with_value[-1]
        in_period = {t: v["value"] for t in teryts
                     if (v := series.get((ind.code, t), {}).get(latest["period"])) and v["value"] is not None}
        scaled, _ = scale(in_period, ind.polarity)
        themes[ind.theme].append({
            "indicator": {"code": ind.code, "name": ind.name, "unit": ind.unit, "polarity": ind.polarity,
                          "kind": ind.kind, "slug": ind.slug},
            "latest": latest, "trend": trend(latest, with_value[-2] if len(with_value) > 1 else None, ind.polarity),
            "scaled": scaled.get(city.teryt), "peers": {t: v for t, v in in_period.items() if t != city.teryt},
            "stale": is_stale(latest["period"]),
        })
    kind_order = {"core": 0, "supporting": 1, "profile": 2, "unknown": 3}
    theme_scores, headline = {}, []
    for clause in sorted(themes, key=int):
        entries = themes[clause]
        scores = [e["scaled"] for e in entries if e["scaled"] is not None]
        if scores:
            theme_scores[clause] = round(fmean(scores), 1)
        entries.sort(key=lambda e: (e["scaled"] is None, kind_order.get(e["indicator"]["kind"], 9),
                                    e["indicator"]["code"]))
        headline.append({"theme": clause, "name": cat.themes[clause], "score": theme_scores.get(clause),
                         "indicators": entries[:per_theme], "count": len(entries)})
    scored = sum(1 for entries in themes.values() for e in entries if e["scaled"] is not None)
    return {
        "city": city.as_dict(),
        "peers": [c.as_dict() for c in cities[1:]],
        "themes": headline,
        "composite": {
            "value": round(fmean(theme_scores.values()), 1) if theme_scores else None,
            "themes_scored": len(theme_scores), "themes_total": len(cat.themes),
            "indicators_scored": scored,
            "indicators_with_values": sum(len(v) for v in themes.values()),
            "indicators_scorable": sum(1 for i in scorable if i.polarity != "neutral"),
            "method": COMPOSITE_METHOD,
        },
    }


def latest_periods(codes: list[str], teryt: str) -> dict[str, str]:
    """The latest period with a value of each code for one city."""
    table = IndicatorValue.__table__
    query = sa.select(table.c.indicator_code, sa.func.max(table.c.period)).where(
        table.c.indicator_code.in_(codes), table.c.city_teryt == teryt, table.c.value.isnot(None)
    ).group_by(table.c.indicator_code)
    return dict(model.Session.execute(query).fetchall())


def source_usage(teryt: str) -> dict[str, int]:
    """{data set id: number of distinct indicators of the city whose values come from it}, directly
    (``source_ref``) or through the inputs of a computed value."""
    query = sa.text(f"""
        SELECT ref, count(DISTINCT indicator_code) FROM (
            SELECT source_ref AS ref, indicator_code FROM {IndicatorValue.__tablename__}
             WHERE city_teryt = :teryt AND source_ref IS NOT NULL
            UNION
            SELECT input ->> 'source_ref', indicator_code
              FROM {IndicatorValue.__tablename__}, jsonb_array_elements(inputs) AS input
             WHERE city_teryt = :teryt AND input ->> 'source_ref' IS NOT NULL
        ) AS used GROUP BY ref""")
    return dict(model.Session.execute(query, {"teryt": teryt}).fetchall())


def last_change() -> Any:
    """When an indicator value last changed (for caches of pages that show values)."""
    return model.Session.execute(sa.select(sa.func.max(IndicatorValue.__table__.c.computed_at))).scalar()
