"""What the indicator pages, the city dashboard and the gaps page show, built from the catalogue and the
values table (the actions return these dicts; the pages render them, so the API gives the same data).

Scaled value (0-100) and quality-of-life composite: the rules are in qol.py (which values count by their flags,
the reference — every portal city with a counted value of the indicator in the period, from a configured number
of cities —, and the coverage minimum of the composite); the methodology page /metodologia states them.
The ranking of the indicator page ranks every portal city with a value in the reference period (the city and its
peers marked), all scaled against the same reference; the trend chart and the map show the city and its peers.
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
from ckanext.urbanaudit.indicators import qol, sources, store
from ckanext.urbanaudit.indicators.catalogue import Indicator, catalogue
from ckanext.urbanaudit.indicators.store import IndicatorValue
from ckanext.urbanaudit.indicators.visibility import redact_inputs

SCALING_METHOD = {
    "en": "Min–max against every city in the portal with a counted value of the indicator in the reference period "
          "(the city's latest period): (v − min)/(max − min) × 100 when higher is better, (max − v)/(max − min) × "
          "100 when lower is better; not scaled when neutral, when too few cities have a value, or when the value "
          "does not count by its flags.",
    "pl": "Min–max względem wszystkich miast portalu, które mają wliczaną wartość wskaźnika w okresie odniesienia "
          "(ostatnim okresie miasta): (v − min)/(max − min) × 100, gdy lepiej wyżej, (max − v)/(max − min) × 100, "
          "gdy lepiej niżej; bez skalowania, gdy wskaźnik jest neutralny, gdy zbyt mało miast ma wartość lub gdy "
          "wartość nie jest wliczana z powodu oznaczeń.",
}
COMPOSITE_METHOD = {
    "en": "Scaled values (0–100) of the city's indicators averaged per ISO 37120 theme, then the theme means "
          "averaged (each theme counts once); shown only when the coverage reaches the configured minimum.",
    "pl": "Wartości skalowane (0–100) wskaźników miasta uśrednione w każdym obszarze ISO 37120, a następnie "
          "średnia z obszarów (każdy obszar liczy się raz); podawany tylko przy wymaganym minimalnym pokryciu.",
}


def _rows(codes: list[str], cities: list[str]) -> list[Any]:
    table = IndicatorValue.__table__
    query = sa.select(*store.read_columns()).where(
        table.c.indicator_code.in_(codes), table.c.city_teryt.in_(cities)).order_by(
        table.c.indicator_code, table.c.city_teryt, table.c.period)
    return model.Session.execute(query).fetchall()


def _value_dict(r: Any, hidden: Collection[str]) -> dict[str, Any]:
    """A row of ``store.read_columns`` as the value dict the API gives, inputs of ``hidden`` indicators blanked."""
    value = store.read_dict(r, store.read_list)
    return {**value, "inputs": redact_inputs(value["inputs"], hidden)}


def best_rows(rows: list[Any]) -> dict[tuple[str, str], dict[str, Any]]:
    """{(code, city): {period: row}} keeping, per period, the preferred source with a value (sources.py); rows
    as the database gave them, so that a caller turns into value dicts only the rows it shows."""
    out: dict[tuple[str, str], dict[str, Any]] = defaultdict(dict)
    for r in rows:
        slot = out[(r.indicator_code, r.city_teryt)]
        current = slot.get(r.period)
        if current is None or sources.order(r.value, r.source) < sources.order(current.value, current.source):
            slot[r.period] = r
    return out


def best_series(rows: list[Any], hidden: Collection[str]) -> dict[tuple[str, str], dict[str, dict]]:
    """{(code, city): {period: value dict}} keeping, per period, the preferred source with a value; inputs of
    derived values that come from ``hidden`` indicators are blanked."""
    return {key: {period: _value_dict(r, hidden) for period, r in slot.items()}
            for key, slot in best_rows(rows).items()}


def _counted_value(r: Any) -> dict[str, Any]:
    """What the flag rule reads of a row (qol.counts): its value and flags."""
    return {"value": r.value, "flags": store.read_list(r.flags)}


def stale_after_years() -> int:
    return config.stale_after_years()


def is_stale(period: str | None, today: date | None = None) -> bool:
    if not period:
        return False
    return int(period[:4]) < (today or datetime.now(UTC).date()).year - stale_after_years()


def _latest_rows(codes: list[str], teryt: str, periods: int) -> list[Any]:
    """One city's rows with a value in its latest ``periods`` periods with a value, of each code, in no particular
    order (the reader sorts them by period). The city's rows are ranked per code, then those of ``codes`` kept: the
    codes are not sent (a city has values of a few dozen indicators, the list holds the catalogue's ~200, which
    cost more to send and plan than the rows to read)."""
    table = IndicatorValue.__table__
    place = sa.func.dense_rank().over(partition_by=table.c.indicator_code, order_by=table.c.period.desc())
    ranked = sa.select(*store.read_columns(), place.label("place")).where(
        table.c.city_teryt == teryt, table.c.value.isnot(None)).subquery()
    query = sa.select(*(ranked.c[name] for name in store.READ)).where(ranked.c.place <= periods)
    wanted = set(codes)
    return [r for r in model.Session.execute(query).fetchall() if r.indicator_code in wanted]


# what the references and the best source of a row read of it (best_rows, _counted_value)
_COMPARED = ("city_teryt", "indicator_code", "period", "value", "source", "flags")


def _rows_in_periods(pairs: Collection[tuple[str, str]], columns: Collection[str] = store.READ) -> list[Any]:
    """Every portal city's rows of the given (indicator code, period) pairs, in no particular order (their readers
    look them up by code, city and period, and rank or sort what they show); ``columns`` of ``store.READ``."""
    if not pairs:
        return []
    table = IndicatorValue.__table__
    query = sa.select(*(c for c in store.read_columns() if c.name in columns)).where(
        sa.tuple_(table.c.indicator_code, table.c.period).in_(sorted(pairs)))
    return model.Session.execute(query).fetchall()


def references(pairs: Collection[tuple[str, str]], rule: qol.Rules) -> dict[tuple[str, str], dict[str, Any]]:
    """{(code, period): reference}: the counted values of every portal city (its preferred source) in the period."""
    return _references(pairs, best_rows(_rows_in_periods(pairs, _COMPARED)), rule)


def _references(pairs: Collection[tuple[str, str]], series: dict[tuple[str, str], dict[str, Any]],
                rule: qol.Rules) -> dict[tuple[str, str], dict[str, Any]]:
    """references() from the preferred rows of the pairs (best_rows of _rows_in_periods: rows of ``read_columns``,
    their flags as JSON text)."""
    values: dict[tuple[str, str], dict[str, float]] = defaultdict(dict)
    counted: dict[str | None, bool] = {}  # whether a value with these flags (their text) counts: a handful of texts
    for (code, teryt), by_period in series.items():
        for period, r in by_period.items():
            if r.value is None:
                continue
            counts = counted.get(r.flags)
            if counts is None:
                counts = counted[r.flags] = qol.counts(_counted_value(r), rule)
            if counts:
                values[(code, period)][teryt] = r.value
    return {pair: qol.reference(values.get(pair, {}), pair[1], rule) for pair in pairs}


def scaled_value(v: dict | None, ref: dict | None, polarity: str, rule: qol.Rules) -> tuple[float | None, str]:
    """A value's scaled 0-100 value against its reference, or None and why: no_value, neutral, excluded_flags
    (its flags do not count), too_few_cities, all_equal."""
    if not v or v["value"] is None or ref is None:
        return None, "no_value"
    if polarity == "neutral":
        return None, "neutral"
    if not qol.counts(v, rule):
        return None, "excluded_flags"
    scaled, reason = qol.scale(v["value"], ref, polarity)
    return scaled, reason or ""


def trend(latest: dict | None, previous: dict | None, polarity: str) -> dict[str, Any] | None:
    if not latest or not previous or latest["value"] is None or previous["value"] is None:
        return None
    delta = latest["value"] - previous["value"]
    direction = "up" if delta > 0 else "down" if delta < 0 else "flat"
    good = None if polarity == "neutral" or direction == "flat" else (direction == "up") == (polarity == "higher")
    return {"direction": direction, "delta": round(delta, 4), "previous_period": previous["period"],
            "previous_value": previous["value"], "good": good}


def compared_cities(city: City) -> list[City]:
    """The city, then its peers (those in the portal) in the order the city file gives them."""
    wanted = list(city.peers or [])
    found = {c.teryt: c for c in model.Session.query(City).filter(City.teryt.in_(wanted))} if wanted else {}
    return [city, *(found[t] for t in wanted if t in found)]


def _ranking(ind: Indicator, period: str, hidden: Collection[str], ref: dict | None, rule: qol.Rules, *,
             city: City, peers: set[str]) -> list[dict[str, Any]]:
    """Every portal city with a value of the indicator in the period (its preferred source), best first, each
    scaled against the same reference; the page's own city and its peers marked."""
    series = best_series(_rows_in_periods([(ind.code, period)]), hidden)
    teryts = [t for (_, t), by_period in series.items() if (by_period.get(period) or {}).get("value") is not None]
    places = {c.teryt: c for c in model.Session.query(City).filter(City.teryt.in_(teryts))} if teryts else {}
    ranking = []
    for teryt in teryts:
        if teryt not in places:
            continue
        row = series[(ind.code, teryt)][period]
        ranking.append({"city": places[teryt].as_dict(), "value": row["value"],
                        "scaled": scaled_value(row, ref, ind.polarity, rule)[0],
                        "flag_classes": qol.flag_classes(row["flags"]),
                        "home": teryt == city.teryt, "peer": teryt in peers})
    ranking.sort(key=lambda r: (-r["value"] if ind.polarity != "lower" else r["value"], r["city"]["name"]))
    return ranking


def indicator_report(ind: Indicator, city: City, hidden: Collection[str]) -> dict[str, Any]:
    """Everything the indicator page shows for one city and its peers (``ind`` must be visible to the caller;
    ``hidden``: the codes the caller may not see, see visibility.py)."""
    rule = qol.rules()
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
    period = home["latest"]["period"] if home["latest"] else None
    ref = references([(ind.code, period)], rule)[(ind.code, period)] if period else None
    ranking = _ranking(ind, period, hidden, ref, rule, city=city, peers=set(teryts[1:])) if period else []
    scaled, reason = scaled_value(home["latest"], ref, ind.polarity, rule)
    flags = sorted({f for e in per_city for v in e["series"] for f in v["flags"]})
    return {
        "indicator": ind.as_dict(),
        "city": city.as_dict(),
        "reference_period": period,
        "latest": home["latest"],
        "latest_flag_classes": qol.flag_classes(home["latest"]["flags"]) if home["latest"] else [],
        "trend": trend(home["latest"], home["previous"], ind.polarity),
        "stale": is_stale(period) if period else None,
        "scaled": scaled,
        "scaled_reason": reason or None,
        "reference": ref,
        "scaling_method": SCALING_METHOD,
        "ranking": ranking,
        "cities": [{"city": e["city"], "series": e["series"], "latest": e["latest"]} for e in per_city],
        "flags": flags,
        "source_refs": sorted({ref for e in per_city for v in e["series"]
                               for ref in [v["source_ref"], *(i.get("source_ref") for i in v["inputs"])] if ref}),
    }


def _dashboard_entry(ind: Indicator, with_value: list[dict], in_period: dict[str, float], *, city: City,
                     ref: dict[str, Any], rule: qol.Rules) -> dict[str, Any]:
    latest = with_value[-1]
    scaled, reason = scaled_value(latest, ref, ind.polarity, rule)
    return {
        "indicator": {"code": ind.code, "name": ind.name, "unit": ind.unit, "polarity": ind.polarity,
                      "kind": ind.kind, "slug": ind.slug},
        "latest": latest, "trend": trend(latest, with_value[-2] if len(with_value) > 1 else None, ind.polarity),
        "scaled": scaled, "scaled_reason": reason or None, "reference": ref,
        "counted": qol.counts(latest, rule), "flag_classes": qol.flag_classes(latest["flags"]),
        "peers": {t: v for t, v in in_period.items() if t != city.teryt},
        "stale": is_stale(latest["period"]),
    }


def city_dashboard(city: City, hidden: Collection[str], per_theme: int = 4) -> dict[str, Any]:
    """Headline indicators per theme with trends, scaled values, and the quality-of-life composite (withheld
    below the coverage minimum, with what is missing), all without the ``hidden`` indicators (the codes the
    caller may not see, see visibility.py). Every catalogue indicator with a theme that has a value shows,
    whatever its source."""
    cat = catalogue()
    rule = qol.rules()
    cities = compared_cities(city)
    teryts = [c.teryt for c in cities]
    scorable = [i for i in cat.indicators if i.theme and i.kind != "variable" and i.code not in hidden]
    # the latest two values of the city: an entry shows the last and its trend from the one before
    latest = best_rows(_latest_rows([i.code for i in scorable], city.teryt, 2))
    latest_of = {ind.code: [_value_dict(r, hidden) for _, r in sorted(latest[(ind.code, city.teryt)].items())]
                 for ind in scorable if (ind.code, city.teryt) in latest}
    pairs = {(code, vs[-1]["period"]) for code, vs in latest_of.items()}
    # every portal city's values in those periods: the references, and the peers' values shown beside the city's
    series = best_rows(_rows_in_periods(pairs, _COMPARED))
    refs = _references(pairs, series, rule)
    themes: dict[str, list[dict]] = defaultdict(list)
    for ind in scorable:
        if ind.code not in latest_of:
            continue
        period = latest_of[ind.code][-1]["period"]
        in_period = {t: r.value for t in teryts
                     if (r := series.get((ind.code, t), {}).get(period)) is not None and r.value is not None}
        themes[ind.theme].append(_dashboard_entry(ind, latest_of[ind.code], in_period, city=city,
                                                  ref=refs[(ind.code, period)], rule=rule))
    kind_order = {"core": 0, "supporting": 1, "profile": 2, "unknown": 3}
    theme_scores, headline = {}, []
    same = qol.same_indicator(cat)
    for clause in sorted(themes, key=int):
        entries = themes[clause]
        # one indicator in several editions (same_as) counts once: the mean of its scaled values
        by_indicator: dict[str, list[float]] = defaultdict(list)
        for e in entries:
            if e["scaled"] is not None:
                by_indicator[same.get(e["indicator"]["code"], e["indicator"]["code"])].append(e["scaled"])
        if by_indicator:
            theme_scores[clause] = round(fmean(fmean(v) for v in by_indicator.values()), 1)
        entries.sort(key=lambda e: (e["scaled"] is None, kind_order.get(e["indicator"]["kind"], 9),
                                    e["indicator"]["code"]))
        headline.append({"theme": clause, "name": cat.themes[clause], "score": theme_scores.get(clause),
                         "indicators": entries[:per_theme], "count": len(entries)})
    entries = [e for found in themes.values() for e in found]
    counted = {e["indicator"]["code"] for e in entries if e["counted"]}
    cover = qol.coverage(cat, theme_scores, counted, hidden)
    shown = cover["status"] == "ok" and bool(theme_scores)
    return {
        "city": city.as_dict(),
        "peers": [c.as_dict() for c in cities[1:]],
        "themes": headline,
        "composite": {
            "status": cover["status"],
            "value": round(fmean(theme_scores.values()), 1) if shown else None,
            "themes_scored": len(theme_scores), "themes_total": len(cat.themes),
            "indicators_scored": sum(1 for e in entries if e["scaled"] is not None),
            "indicators_with_values": len(entries),
            "indicators_counted": len(counted),
            "indicators_scorable": sum(1 for i in scorable if i.polarity != "neutral"),
            "marked": {c: sum(1 for e in entries if e["scaled"] is not None and c in e["flag_classes"])
                       for c in sorted(rule.count_flags)},
            "excluded_by_flags": sum(1 for e in entries if not e["counted"]),
            "coverage": {"themes": cover["themes"], "core": cover["core"]},
            "rules": cover["rules"],
            "reference": {"basis": qol.REFERENCE_BASIS, "min_cities": rule.min_reference_cities},
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


def most_used_sources(teryt: str, limit: int) -> list[Any]:
    """The public, active data sets the most indicators of the city take their values from, directly
    (``source_ref``) or through the inputs of a computed value: rows (id, name, title, indicators: the number of
    distinct indicators), most used first, then by title (code point order, as Python sorts), at most ``limit``.
    One query: the ranking, the join to the data sets and the limit in the database."""
    table = IndicatorValue.__tablename__
    query = sa.text(f"""
        SELECT p.id, p.name, p.title, count(DISTINCT used.indicator_code) AS indicators FROM (
            SELECT source_ref AS ref, indicator_code FROM {table}
             WHERE city_teryt = :teryt AND source_ref IS NOT NULL
            UNION ALL
            SELECT input ->> 'source_ref', indicator_code
              FROM {table}, jsonb_array_elements(inputs) AS input
             WHERE city_teryt = :teryt AND inputs <> '[]'::jsonb AND input ->> 'source_ref' IS NOT NULL
        ) AS used JOIN package AS p ON p.id = used.ref
        WHERE NOT p.private AND p.state = 'active'
        GROUP BY p.id, p.name, p.title
        ORDER BY indicators DESC, p.title COLLATE "C" LIMIT :limit""")
    return model.Session.execute(query, {"teryt": teryt, "limit": limit}).fetchall()


def last_change() -> Any:
    """When an indicator value last changed (for caches of pages that show values)."""
    return model.Session.execute(sa.select(sa.func.max(IndicatorValue.__table__.c.computed_at))).scalar()
