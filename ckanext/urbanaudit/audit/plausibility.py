"""Plausibility checks of a submitted value: what the submitter and the analyst must acknowledge.

Each warning is ``{"code": ..., "params": {...}}`` (stored with the submission; :func:`describe` renders it in
the reader's language):

``change``        the change against the previous year's published value is beyond the indicator's
                  threshold (catalogue ``change_threshold``, else ``ckanext.urbanaudit.audit.change_threshold``,
                  default ±30 %);
``percent_range`` a percentage outside 0-100;
``negative``      a negative count (numerator or denominator) or a negative value of an indicator that is not
                  a change;
``share``         a numerator larger than its denominator for a share (unit %);
``unit``          a unit other than the indicator's.
"""
from __future__ import annotations

from decimal import Decimal
from typing import Any

import ckan.plugins.toolkit as tk

from ckanext.urbanaudit import config
from ckanext.urbanaudit.audit.inputs import Inputs
from ckanext.urbanaudit.indicators import sources, store
from ckanext.urbanaudit.indicators.catalogue import Indicator

SIGNED_WORDS = ("change", "growth", "zmiana", "przyrost")


def _signed(indicator: Indicator) -> bool:
    name = " ".join(indicator.name.values()).lower()
    return any(word in name for word in SIGNED_WORDS)


def previous_value(city: str, indicator: Indicator, period: str) -> dict | None:
    """The published value of the year before ``period`` (the preferred source), or None."""
    if not period.isdigit():
        return None
    best = None
    for row in store.series(indicator.code, cities=[city], period_from=str(int(period) - 1),
                            period_to=str(int(period) - 1)):
        if row["period"] == str(int(period) - 1) and sources.preferred(best, row):
            best = row
    return best if best and best["value"] is not None else None


def threshold(indicator: Indicator) -> float:
    own = indicator.change_threshold
    return float(own) if own else config.audit_change_threshold()


def check(city: str, indicator: Indicator, inputs: Inputs, period: str, value: Decimal, *,
          numerator: Decimal | None, denominator: Decimal | None, unit: str | None) -> list[dict[str, Any]]:
    warnings: list[dict[str, Any]] = []
    if indicator.unit == "%" and not (0 <= value <= 100):
        warnings.append({"code": "percent_range", "params": {"value": float(value)}})
    negative = [n for n in (numerator, denominator) if n is not None and n < 0]
    if negative or (value < 0 and not _signed(indicator)):
        warnings.append({"code": "negative", "params": {"value": float(negative[0] if negative else value)}})
    if inputs.share and numerator is not None and denominator is not None and numerator > denominator:
        warnings.append({"code": "share", "params": {"numerator": float(numerator),
                                                      "denominator": float(denominator)}})
    if unit and unit.strip() and unit.strip() != indicator.unit:
        warnings.append({"code": "unit", "params": {"given": unit.strip(), "expected": indicator.unit}})
    previous = previous_value(city, indicator, period)
    if previous and previous["value"]:
        change = (float(value) - previous["value"]) / abs(previous["value"]) * 100
        limit = threshold(indicator)
        if abs(change) > limit:
            warnings.append({"code": "change", "params": {
                "change": round(change, 1), "threshold": limit, "previous": previous["value"],
                "previous_period": previous["period"]}})
    return warnings


def describe(warning: dict[str, Any]) -> str:
    """The warning in the reader's language."""
    params = warning.get("params") or {}
    texts = {
        "change": lambda: tk._("Change of {change} % against {previous_period} ({previous}) is beyond "
                               "±{threshold} %.").format(**params),
        "percent_range": lambda: tk._("A percentage must lie between 0 and 100 (given {value}).").format(**params),
        "negative": lambda: tk._("A negative count or value ({value}).").format(**params),
        "share": lambda: tk._("The numerator ({numerator}) is larger than the denominator "
                              "({denominator}) of a share.").format(**params),
        "unit": lambda: tk._("Unit {given} differs from the indicator's unit {expected}.").format(**params),
    }
    text = texts.get(warning.get("code"))
    return text() if text else str(warning.get("code"))
