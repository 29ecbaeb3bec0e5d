"""The city's targets (table ``urbanaudit_target``) and the progress toward them: "the efficiency of carrying out
city policies".

Values come only from the published values table (``indicators/store.py``; a department's value reaches it
only when approved), one per period by the source preference of ``indicators/sources.py``. Yearly periods are
used when the city has any for the indicator, otherwise every period (``2023-Q1`` counts as 2023).

- **Baseline**: the target's own baseline (value and year) when given, else the city's earliest published value.
- **Latest**: the city's latest published value.
- **Progress** = (latest - baseline) / (target - baseline); shown clamped to 0-100 %, and as 100 % once achieved.
- **Status**:

  - *achieved*: the latest value is at the target or on its good side (at or above it for a higher-is-better
    indicator, at or below it for a lower-is-better one; for a neutral indicator the good side is the
    direction from the baseline to the target);
  - *no data*: no published value, or no value published after the baseline year;
  - *on track*: progress ≥ the share of the baseline-to-target period elapsed by the year of the latest value,
    (latest year - baseline year) / (target year - baseline year), capped at 1 (so past the target year only
    the target itself is on track);
  - *off track*: otherwise.

Example: baseline 40 (2020), target 60 (2030), latest 50 (2024): progress 0.5 ≥ elapsed 0.4, on track; a latest
value of 45 gives 0.25 < 0.4, off track.
"""
from __future__ import annotations

from collections.abc import Collection
from typing import Any

from ckan import model

from ckanext.urbanaudit.audit.model import Target
from ckanext.urbanaudit.cities.model import City
from ckanext.urbanaudit.indicators import sources, store
from ckanext.urbanaudit.indicators.catalogue import Indicator, catalogue

ACHIEVED, ON_TRACK, OFF_TRACK, NO_DATA = "achieved", "on_track", "off_track", "no_data"
STATUSES = (ACHIEVED, ON_TRACK, OFF_TRACK, NO_DATA)


def published(code: str, teryt: str) -> list[dict[str, Any]]:
    """The city's published values of ``code`` with a value, one per period (the preferred source), oldest
    first; yearly periods only when there are any."""
    return _one_per_period(store.series(code, cities=[teryt]))


def _one_per_period(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    best: dict[str, dict] = {}
    for row in rows:
        if row["value"] is not None and sources.preferred(best.get(row["period"]), row):
            best[row["period"]] = row
    yearly = [p for p in best if len(p) == 4]
    return [best[p] for p in sorted(yearly or best)]


def _year(period: str) -> int:
    return int(period[:4])


def _good_side(polarity: str, baseline: float | None, target: float) -> str:
    if polarity in ("higher", "lower"):
        return polarity
    return "lower" if baseline is not None and target < baseline else "higher"


def progress(target: dict[str, Any], values: list[dict[str, Any]], polarity: str) -> dict[str, Any]:
    """The progress of ``target`` (``Target.as_dict()``) given the city's published ``values`` (oldest first) and
    the indicator's polarity; see the module's docstring for the rule."""
    goal = float(target["target_value"])
    if target.get("baseline_value") is not None:
        baseline = {"value": float(target["baseline_value"]), "year": target["baseline_year"], "given": True}
    elif values:
        baseline = {"value": values[0]["value"], "year": _year(values[0]["period"]), "given": False,
                    "period": values[0]["period"]}
    else:
        baseline = None
    latest = values[-1] if values else None
    out: dict[str, Any] = {"baseline": baseline, "latest": latest, "progress": None, "progress_percent": None,
                           "elapsed": None, "status": NO_DATA,
                           "good_side": _good_side(polarity, baseline["value"] if baseline else None, goal)}
    if latest is None:
        return out
    value = latest["value"]
    if (value >= goal) if out["good_side"] == "higher" else (value <= goal):
        out.update(status=ACHIEVED, progress_percent=100.0)
        if baseline and baseline["value"] != goal:
            out["progress"] = round((value - baseline["value"]) / (goal - baseline["value"]), 4)
        return out
    if baseline is None or _year(latest["period"]) <= baseline["year"] or baseline["value"] == goal:
        return out
    share = (value - baseline["value"]) / (goal - baseline["value"])
    span = target["target_year"] - baseline["year"]
    elapsed = 1.0 if span <= 0 else min(1.0, (_year(latest["period"]) - baseline["year"]) / span)
    out.update(progress=round(share, 4), progress_percent=round(min(100.0, max(0.0, share * 100)), 1),
               elapsed=round(elapsed, 4), status=ON_TRACK if share >= elapsed else OFF_TRACK)
    return out


def _indicator_dict(ind: Indicator) -> dict[str, Any]:
    return {"code": ind.code, "slug": ind.slug, "name": ind.name, "unit": ind.unit, "polarity": ind.polarity,
            "theme": ind.theme, "kind": ind.kind, "standard": ind.standard}


def with_progress(row: Target, ind: Indicator, values: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    """``values``: the city's stored values of the indicator when the caller has read them already."""
    target = row.as_dict()
    values = published(ind.code, row.city_teryt) if values is None else _one_per_period(values)
    return {**target, "indicator": _indicator_dict(ind), "progress": progress(target, values, ind.polarity)}


def get(teryt: str, code: str) -> Target | None:
    return model.Session.query(Target).filter_by(city_teryt=teryt, indicator_code=code).one_or_none()


def for_indicator(ind: Indicator, city: City) -> dict[str, Any] | None:
    """The target of one indicator in one city with its progress (None without a target)."""
    row = get(city.teryt, ind.code)
    return with_progress(row, ind) if row is not None else None


def for_city(city: City, hidden: Collection[str], code: str | None = None) -> list[dict[str, Any]]:
    """The city's targets with their progress, by indicator code, without those of ``hidden`` indicators (and
    of codes no longer in the catalogue)."""
    cat = catalogue()
    query = model.Session.query(Target).filter_by(city_teryt=city.teryt)
    if code:
        query = query.filter_by(indicator_code=code)
    rows = [(row, ind) for row in query.order_by(Target.indicator_code)
            if (ind := cat.get(row.indicator_code)) is not None and ind.code not in hidden]
    values = store.city_values(city.teryt, [ind.code for _, ind in rows])
    return [with_progress(row, ind, values[ind.code]) for row, ind in rows]
