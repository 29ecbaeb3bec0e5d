"""Computation of derived indicators from the stored base values, by the formulas of the catalogue.

Rules (nothing is ever invented):

* every computed value carries its provenance: ``inputs`` lists each input value used (code, city, period,
  source, value, row id);
* an input missing for the city and period gives a row with no value, flagged ``missing_input`` and a method
  text naming what is missing; with no input of the measured quantity at all there is no row;
* flags of the inputs travel on as ``input:<flag>`` (e.g. Eurostat's provisional ``p``, GIOŚ's ``partial``);
* a computed row that the current inputs no longer produce is deleted, so nothing outlives its inputs.

Computed values are stored with source ``computed`` (table urbanaudit_indicator_value).
"""
from __future__ import annotations

import logging
import re
from collections import defaultdict
from decimal import Decimal
from statistics import fmean
from typing import Any

import sqlalchemy as sa
from ckan import model

from ckanext.urbanaudit.cities.model import City
from ckanext.urbanaudit.indicators import sources, store
from ckanext.urbanaudit.indicators.catalogue import Catalogue, Indicator, catalogue
from ckanext.urbanaudit.utils import utcnow

log = logging.getLogger(__name__)
COMPUTED = "computed"
YEAR = re.compile(r"^\d{4}$")
SUB_ANNUAL = re.compile(r"^(\d{4})-(Q[1-4]|H[12]|0[1-9]|1[0-2])$")


def _order(cat: Catalogue) -> list[Indicator]:
    """Derived indicators, each after the derived indicators it reads."""
    derived = {i.code: i for i in cat.derived()}
    done: list[Indicator] = []
    seen: set[str] = set()

    def visit(code: str, path: tuple = ()) -> None:
        if code in seen or code not in derived or code in path:
            return
        for dep in derived[code].inputs():
            visit(dep, (*path, code))
        seen.add(code)
        done.append(derived[code])

    for code in derived:
        visit(code)
    return done


class _Store:
    """The values the computation reads: {(code, city): {period: row}}, one preferred row per period."""

    def __init__(self, codes: set[str], cities: list[str] | None) -> None:
        self.rows: dict[tuple[str, str], dict[str, dict]] = defaultdict(dict)
        table = store.IndicatorValue.__table__
        query = sa.select(table.c.id, table.c.city_teryt, table.c.indicator_code, table.c.period, table.c.value,
                          table.c.source, table.c.flags, table.c.unit, table.c.source_ref)
        query = query.where(table.c.indicator_code.in_(codes))
        if cities:
            query = query.where(table.c.city_teryt.in_(cities))
        for r in model.Session.execute(query):
            row = {"id": r.id, "indicator_code": r.indicator_code, "city": r.city_teryt, "period": r.period,
                   "value": r.value, "source": r.source, "flags": list(r.flags or []), "unit": r.unit,
                   "source_ref": r.source_ref}
            self.put(row)

    def put(self, row: dict) -> None:
        slot = self.rows[(row["indicator_code"], row["city"])]
        current = slot.get(row["period"])
        if sources.preferred(current, row):
            slot[row["period"]] = row

    def series(self, code: str, city: str) -> dict[str, dict]:
        return self.rows.get((code, city), {})

    def get(self, code: str, city: str, period: str) -> dict | None:
        row = self.series(code, city).get(period)
        return row if row is not None and row["value"] is not None else None


def _provenance(row: dict) -> dict[str, Any]:
    return {"indicator_code": row["indicator_code"], "city": row["city"], "period": row["period"],
            "source": row["source"], "value": float(row["value"]) if row["value"] is not None else None,
            "id": row.get("id"), "source_ref": row.get("source_ref")}


def _input_flags(rows: list[dict]) -> list[str]:
    return sorted({f"input:{flag}"[:50] for row in rows for flag in row["flags"] if not flag.startswith("input:")})


def _number(value: Decimal | float) -> Decimal:
    return Decimal(str(round(float(value), 6)))


class _Computer:
    def __init__(self, store: _Store) -> None:
        self.store = store

    def term(self, term: Any, city: str, period: str) -> dict | None:
        for code in term["first_of"] if isinstance(term, dict) else [term]:
            row = self.store.get(code, city, period)
            if row is not None:
                return row
        return None

    @staticmethod
    def term_name(term: Any) -> str:
        return " | ".join(term["first_of"]) if isinstance(term, dict) else term

    def ratio(self, ind: Indicator, city: str) -> list[dict]:
        f = ind.formula
        periods = set()
        for term in f["numerator"]:
            for code in term["first_of"] if isinstance(term, dict) else [term]:
                periods |= {p for p, r in self.store.series(code, city).items() if r["value"] is not None}
        out = []
        for period in sorted(periods):
            found, missing = [], []
            for term in [*f["numerator"], *f["denominator"]]:
                row = self.term(term, city, period)
                (found.append(row) if row is not None else missing.append(self.term_name(term)))
            if missing:
                out.append(self.missing(ind, city, period, found, missing))
                continue
            numerator = sum(Decimal(r["value"]) for r in found[:len(f["numerator"])])
            denominator = sum(Decimal(r["value"]) for r in found[len(f["numerator"]):])
            if denominator == 0:
                out.append(self.row(ind, city, period, None, found, ["zero_denominator"],
                                    "The denominator is zero: no value."))
                continue
            value = numerator / denominator * Decimal(str(f.get("scale", 1)))
            out.append(self.row(ind, city, period, value, found, _input_flags(found)))
        return out

    def change(self, ind: Indicator, city: str) -> list[dict]:
        series = {p: r for p, r in self.store.series(ind.formula["input"], city).items()
                  if r["value"] is not None and YEAR.match(p)}
        out = []
        years = sorted(series)
        for year in years[1:]:
            previous = str(int(year) - 1)
            row = series[year]
            if previous not in series:
                out.append(self.missing(ind, city, year, [row], [f"{ind.formula['input']} [{previous}]"]))
                continue
            before = series[previous]
            if Decimal(before["value"]) == 0:
                out.append(self.row(ind, city, year, None, [before, row], ["zero_denominator"],
                                    "The previous year's value is zero: no value."))
                continue
            value = (Decimal(row["value"]) / Decimal(before["value"]) - 1) * 100
            out.append(self.row(ind, city, year, value, [before, row], _input_flags([before, row])))
        return out

    def annual_mean(self, ind: Indicator, city: str) -> list[dict]:
        by_year: dict[str, list[dict]] = defaultdict(list)
        for period, row in self.store.series(ind.formula["input"], city).items():
            match = SUB_ANNUAL.match(period)
            if match and row["value"] is not None:
                by_year[match.group(1)].append(row)
        out = []
        need = int(ind.formula.get("min_periods", 1))
        for year, rows in sorted(by_year.items()):
            rows.sort(key=lambda r: r["period"])
            if len(rows) < need:
                out.append(self.row(ind, city, year, None, rows, ["missing_input", "incomplete"],
                                    f"Only {len(rows)} sub-annual values in {year}; at least {need} are needed."))
                continue
            value = Decimal(str(fmean(float(r["value"]) for r in rows)))
            out.append(self.row(ind, city, year, value, rows, _input_flags(rows)))
        return out

    def term_series(self, term: Any, city: str) -> dict[str, dict]:
        """A term's values by period: of ``{first_of: [...]}``, per period the first code with a value."""
        merged: dict[str, dict] = {}
        for code in reversed(term["first_of"] if isinstance(term, dict) else [term]):
            for period, row in self.store.series(code, city).items():
                if row["value"] is not None or period not in merged:
                    merged[period] = row
        return merged

    def same_as(self, ind: Indicator, city: str) -> list[dict]:
        out = []
        for period, row in sorted(self.term_series(ind.formula["input"], city).items()):
            value = Decimal(row["value"]) if row["value"] is not None else None
            flags = sorted(set(row["flags"])) if value is None else _input_flags([row])
            out.append(self.row(ind, city, period, value, [row], flags or (["missing_input"] if value is None else [])))
        return out

    def scaled(self, ind: Indicator, city: str) -> list[dict]:
        scale = Decimal(str(ind.formula.get("scale", 1)))
        return [dict(row, value=_number(Decimal(row["value"]) * scale) if row["value"] is not None else None)
                for row in self.same_as(ind, city)]

    def missing(self, ind: Indicator, city: str, period: str, found: list[dict], missing: list[str]) -> dict:
        return self.row(ind, city, period, None, found, ["missing_input"],
                        "Missing input: " + ", ".join(missing) + ". No value computed.")

    @staticmethod
    def row(ind: Indicator, city: str, period: str, value: Decimal | None, inputs: list[dict],  # noqa: PLR0917
            flags: list[str], note: str | None = None) -> dict:
        method = ind.method.get("en") or ""
        return {
            "city_teryt": city, "indicator_code": ind.code, "source_variable": None, "period": period,
            "value": _number(value) if value is not None else None, "unit": ind.unit or None, "source": COMPUTED,
            "source_ref": None, "method": f"{note} {method}".strip() if note else method,
            "flags": sorted(set(flags)), "inputs": [_provenance(r) for r in inputs],
        }


def compute(cities: list[str] | None = None, codes: list[str] | None = None) -> dict[str, int]:
    """Recompute the derived indicators (all, or ``codes``) for ``cities`` (TERYT codes; all by default).

    Writes through the values table in the caller's transaction and commits; returns counts.
    """
    cat = catalogue()
    order = _order(cat)
    if codes:
        wanted = set(codes)
        order = [i for i in order if i.code in wanted]
    needed = {c for i in order for c in i.inputs()}
    stored = _Store(needed | {i.code for i in order}, cities)
    teryts = cities or [t for (t,) in model.Session.query(City.teryt)]
    computer = _Computer(stored)
    rows: list[dict] = []
    for ind in order:
        # a derived indicator read by a later one is read from this run's results, not from old rows
        for key in [k for k in stored.rows if k[0] == ind.code]:
            stored.rows.pop(key)
        for city in teryts:
            produced = getattr(computer, ind.formula["op"])(ind, city)
            for row in produced:
                stored.put({**row, "city": city, "id": None})
            rows.extend(produced)
    counts = {"created": 0, "updated": 0, "unchanged": 0, "deleted": 0}
    for start in range(0, len(rows), 2000):
        part = store.upsert(rows[start:start + 2000])
        for k, v in part.items():
            counts[k] += v
    counts["deleted"] = _delete_leftovers(order, teryts, rows)
    model.Session.commit()
    counts["values"] = len(rows)
    return counts


def _delete_leftovers(order: list[Indicator], teryts: list[str], rows: list[dict]) -> int:
    keep = {(r["city_teryt"], r["indicator_code"], r["period"]) for r in rows}
    table = store.IndicatorValue.__table__
    existing = model.Session.execute(
        sa.select(table.c.id, table.c.city_teryt, table.c.indicator_code, table.c.period).where(
            table.c.source == COMPUTED, table.c.indicator_code.in_([i.code for i in order]),
            table.c.city_teryt.in_(teryts))).fetchall()
    gone = [r.id for r in existing if (r.city_teryt, r.indicator_code, r.period) not in keep]
    if gone:
        model.Session.execute(table.delete().where(table.c.id.in_(gone)))
    return len(gone)


def compute_job(cities: list[str] | None = None) -> dict[str, int]:
    """Background job (RQ) run after values change, e.g. at the end of every harvest import."""
    started = utcnow()
    counts = compute(cities)
    log.info("Indicators recomputed for %s in %s: %s", cities or "all cities", utcnow() - started, counts)
    return counts
