"""The indicator catalogue's own search (``urbanaudit_indicator_list``, the page /indicator): words over the code,
the Polish and English names, the definition, unit and method, and facets that combine.

The catalogue is small (a few hundred entries) and read once per process, so it is searched in memory; only
"has value" asks the values table (one query). Facets are counted as usual in faceted search: each facet's counts
apply every other chosen filter but its own, so a visitor sees what choosing another value of it would give.

Facets:

``theme``         ISO 37120 clause (5-23);
``standard``      the edition (``ISO 37120:2014``, ``ISO 37122:2019``, ...);
``availability``  computed from the harvested sources, needs the city's data, or no source yet;
``source``        where the values come from: the harvested sources the entry or its formula's inputs name
                  (``bdl``, ``eurostat``, ``gios``) and ``city`` for the city's own data (an entry may have several);
``kind``          core, supporting, profile, variable;
``has_value``     ``yes`` / ``no``: a value stored for the chosen city (``city``), or for any city.

Hidden indicators (``visibility``) are left out before anything is counted.
"""
from __future__ import annotations

from collections import Counter
from collections.abc import Collection
from functools import cache
from typing import Any

import sqlalchemy as sa
from ckan import model

from ckanext.urbanaudit.indicators.catalogue import Indicator, catalogue, formula_inputs
from ckanext.urbanaudit.indicators.store import IndicatorValue

FACETS = ("theme", "standard", "availability", "source", "kind", "has_value")
YES, NO = "yes", "no"
CITY_DATA = "city"


def haystack(ind: Indicator) -> str:
    """The text a query is matched against (lower case)."""
    return " ".join([ind.code, *ind.name.values(), *ind.definition.values(), ind.unit, ind.standard,
                     *ind.method.values()]).lower()


def matches(ind: Indicator, q: str | None) -> bool:
    """Every word of ``q`` occurs in the entry's text (no words: every entry)."""
    text = haystack(ind)
    return all(word in text for word in str(q or "").lower().split())


@cache
def sources_of(code: str, stack: tuple[str, ...] = ()) -> frozenset[str]:
    """The sources an entry's values come from: its own harvested sources, ``city`` for the city's own data,
    and for a derived entry those of every input of its formula (alternatives included)."""
    ind = catalogue().get(code)
    if ind is None or not ind.formula or code in stack:
        return frozenset()
    op = ind.formula["op"]
    if op == "source":
        return frozenset(str(s["source"]) for s in ind.sources if s.get("source"))
    if op == "city":
        return frozenset({CITY_DATA})
    found: set[str] = set()
    for term in formula_inputs(ind.formula):
        found |= sources_of(term, (*stack, code))
    return frozenset(found)


def codes_with_values(city: str | None) -> set[str]:
    """Codes with at least one stored (non-empty) value, for the city ``city`` (TERYT) or any city."""
    table = IndicatorValue.__table__
    query = sa.select(table.c.indicator_code).where(table.c.value.is_not(None)).distinct()
    if city:
        query = query.where(table.c.city_teryt == city)
    return {row.indicator_code for row in model.Session.execute(query)}


def _values_of(ind: Indicator, name: str, with_values: set[str]) -> list[str]:
    if name == "source":
        return sorted(sources_of(ind.code))
    if name == "has_value":
        return [YES if ind.code in with_values else NO]
    value = getattr(ind, name)
    return [str(value)] if value else []


def _matching(q: str | None, hidden: Collection[str]) -> list[Indicator]:
    return [i for i in catalogue().indicators if i.code not in hidden and matches(i, q)]


def matching_codes(q: str | None) -> list[str]:
    """The codes of the entries matching ``q``, hidden ones included (the caller leaves out what it may not see)."""
    return [i.code for i in _matching(q, ())]


def search(filters: dict[str, Any], hidden: Collection[str], city: str | None = None) -> dict[str, Any]:
    """The entries matching ``filters`` (``q`` and any of :data:`FACETS`), in catalogue order, and the facet
    counts: ``{"entries": [...], "facets": {facet: {value: count}}}``."""
    with_values = codes_with_values(city)
    entries = _matching(filters.get("q"), hidden)
    chosen = {name: str(filters[name]) for name in FACETS if filters.get(name)}
    # each entry's values of each facet, worked out once
    values = {i.code: {name: _values_of(i, name, with_values) for name in FACETS} for i in entries}

    def keeps(ind: Indicator, skip: str | None = None) -> bool:
        return all(value in values[ind.code][name] for name, value in chosen.items() if name != skip)

    facets = {name: dict(Counter(v for i in entries if keeps(i, skip=name) for v in values[i.code][name]))
              for name in FACETS}
    return {"entries": [i for i in entries if keeps(i)], "facets": facets}
