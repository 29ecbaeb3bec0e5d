"""Which stored value wins when several sources give one for the same indicator, city and period: the one
rule of the indicator pages, the city dashboard and the computation of derived indicators.

A value computed by the catalogue's formula first, then the city's own figure, then the national and EU
statistics; any other source after these. A value beats a missing one whatever its source."""
from __future__ import annotations

SOURCE_PREFERENCE = ("computed", "city", "bdl", "eurostat", "gios")


def rank(source: str) -> int:
    return SOURCE_PREFERENCE.index(source) if source in SOURCE_PREFERENCE else len(SOURCE_PREFERENCE)


def order(value: object, source: str) -> tuple[bool, int]:
    """The sort key of the rule: the smaller wins (a value before a missing one, then the source's rank)."""
    return value is None, rank(source)


def preferred(current: dict | None, new: dict) -> bool:
    """Whether ``new`` replaces ``current`` (dicts with ``value`` and ``source``) in a series."""
    if current is None:
        return True
    return order(new["value"], new["source"]) < order(current["value"], current["source"])
