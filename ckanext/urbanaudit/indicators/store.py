"""Indicator values: one number per city, indicator, period and source (table urbanaudit_indicator_value).

Values arrive through the action ``urbanaudit_indicator_value_upsert`` (harvesters, the indicator
computation, manual entry); this module holds the table and the database side of the upsert.
"""
from __future__ import annotations

import json
from collections.abc import Callable, Collection
from decimal import Decimal
from typing import Any

import ckan.plugins.toolkit as tk
import sqlalchemy as sa
from ckan import model
from sqlalchemy.dialects.postgresql import ARRAY, JSONB, aggregate_order_by, insert

from ckanext.urbanaudit.utils import utcnow

# the columns that make a value "the same" value; computed_at only moves when one of them changes
CONTENT_COLUMNS = ("source_variable", "value", "unit", "source_ref", "method", "flags", "inputs")


class IndicatorValue(tk.BaseModel):
    __tablename__ = "urbanaudit_indicator_value"
    __table_args__ = (
        sa.UniqueConstraint("city_teryt", "indicator_code", "period", "source", name="urbanaudit_indicator_value_key"),
    )

    id = sa.Column(sa.BigInteger, primary_key=True, autoincrement=True)
    city_teryt = sa.Column(sa.String(7), sa.ForeignKey("urbanaudit_city.teryt"), nullable=False)
    indicator_code = sa.Column(sa.UnicodeText, nullable=False)
    source_variable = sa.Column(sa.UnicodeText)
    period = sa.Column(sa.String(16), nullable=False)
    value = sa.Column(sa.Numeric)
    unit = sa.Column(sa.UnicodeText)
    source = sa.Column(sa.String(50), nullable=False)
    source_ref = sa.Column(sa.UnicodeText)
    method = sa.Column(sa.UnicodeText)
    flags = sa.Column(JSONB, nullable=False, default=list)
    # provenance of a computed value: the input values it was computed from (migration 0004_indicators)
    inputs = sa.Column(JSONB, nullable=False, default=list)
    computed_at = sa.Column(sa.DateTime, nullable=False, default=utcnow)

    def as_dict(self) -> dict[str, Any]:
        return _row_dict(self)


def upsert(rows: list[dict[str, Any]]) -> dict[str, int]:
    """Insert or update ``rows`` (already validated); a row equal to the stored one is left untouched.

    Returns counts of created, updated and unchanged rows. One statement per call, in the caller's
    transaction (the action commits).
    """
    if not rows:
        return {"created": 0, "updated": 0, "unchanged": 0}
    table = IndicatorValue.__table__
    now = utcnow()
    statement = insert(table).values([{"inputs": [], **row, "computed_at": now} for row in rows])
    excluded = statement.excluded
    changed = sa.or_(*[table.c[name].is_distinct_from(excluded[name]) for name in CONTENT_COLUMNS])
    statement = statement.on_conflict_do_update(
        constraint="urbanaudit_indicator_value_key",
        set_={**{name: excluded[name] for name in CONTENT_COLUMNS}, "computed_at": excluded.computed_at},
        where=changed,
    ).returning(sa.literal_column("(xmax = 0)").label("inserted"))
    result = model.Session.execute(statement).fetchall()
    created = sum(1 for r in result if r.inserted)
    updated = len(result) - created
    return {"created": created, "updated": updated, "unchanged": len(rows) - len(result)}


# what a value dict is read from, in this order (read_columns, read_dict)
READ = ("city_teryt", "indicator_code", "source_variable", "period", "value", "unit", "source", "source_ref", "method",
        "flags", "inputs", "computed_at")


def read_columns() -> list[Any]:
    """The columns of READ for readers of many rows: the value as a float (PostgreSQL's float8 of the numeric is
    float(Decimal)'s number) and the JSON lists (flags, inputs) as their text, read by ``read_list`` and
    ``FlagLists``: not a Decimal and two JSON documents parsed for every row."""
    table = IndicatorValue.__table__
    return [sa.cast(table.c[name], sa.Float).label(name) if name == "value"
            else sa.cast(table.c[name], sa.UnicodeText).label(name) if name in ("flags", "inputs") else table.c[name]
            for name in READ]


def read_list(value: str | list | None) -> list[Any]:
    """A list (flags, inputs) of a row of ``read_columns`` (JSON text; an empty one not parsed) or of the table."""
    if isinstance(value, str):
        return json.loads(value) if value != "[]" else []
    return list(value or [])


class FlagLists:
    """``read_list`` for the flags of many rows: each distinct text parsed once (a series has a handful), each
    row getting its own copy."""

    def __init__(self) -> None:
        self._parsed: dict[str, list[str]] = {}

    def __call__(self, value: str | list | None) -> list[str]:
        if not isinstance(value, str):
            return read_list(value)
        found = self._parsed.get(value)
        if found is None:
            found = self._parsed[value] = read_list(value)
        return list(found)


def _series_query(columns: list[Any], indicator_code: str, *, cities: list[str] | None, source: str | None,
                  period_from: str | None, period_to: str | None, limit: int) -> sa.sql.Select:
    table = IndicatorValue.__table__
    query = sa.select(*columns).where(table.c.indicator_code == indicator_code)
    if cities:
        query = query.where(table.c.city_teryt.in_(cities))
    if source:
        query = query.where(table.c.source == source)
    if period_from:
        query = query.where(table.c.period >= period_from)
    if period_to:
        query = query.where(table.c.period <= period_to)
    return query.order_by(table.c.city_teryt, table.c.period, table.c.source).limit(limit)


def series(indicator_code: str, *, cities: list[str] | None = None, source: str | None = None,
           period_from: str | None = None, period_to: str | None = None, limit: int = 1000) -> list[dict]:
    # a Core select (no ORM objects): a series of 300 cities x 20 periods is read in one pass
    query = _series_query(read_columns(), indicator_code, cities=cities, source=source, period_from=period_from,
                          period_to=period_to, limit=limit)
    flags = FlagLists()
    return [read_dict(row, flags) for row in model.Session.execute(query).all()]


# a hidden indicator's input, as visibility.redact_inputs blanks it
_REDACTED_INPUT = {"value": None, "source_ref": None, "id": None, "hidden": True}


def _isoformat(column: Any) -> Any:
    """A timestamp as Python's ``isoformat()`` writes it: six digits of microseconds, none when they are 0
    (PostgreSQL's JSON drops trailing zeros)."""
    return sa.case((sa.func.to_char(column, "US") == "000000", sa.func.to_char(column, 'YYYY-MM-DD"T"HH24:MI:SS')),
                   else_=sa.func.to_char(column, 'YYYY-MM-DD"T"HH24:MI:SS.US'))


def series_json(indicator_code: str, *, hidden: Collection[str] = (), cities: list[str] | None = None,
                source: str | None = None, period_from: str | None = None, period_to: str | None = None,
                limit: int = 1000) -> str:
    """``series`` with the inputs of ``hidden`` indicators blanked (``visibility.redact_values``), as the JSON text
    of its list, written by PostgreSQL (``json_agg``): for the Action API, which embeds it as it is. The same
    values, fields and order as ``series`` (tests/indicators/test_indicator_visibility.py compares the two); numbers
    are PostgreSQL's float8 text (shortest exact form, as Python's; a whole number without ".0")."""
    table = IndicatorValue.__table__
    inputs: Any = table.c.inputs
    if hidden:
        elements = sa.func.jsonb_array_elements(table.c.inputs).table_valued(
            "item", with_ordinality="n").render_derived(name="e")
        item = elements.c.item
        is_hidden = item.op("->>")("indicator_code") == sa.any_(sa.literal(sorted(hidden), ARRAY(sa.UnicodeText)))
        blanked = sa.select(sa.func.coalesce(
            sa.func.jsonb_agg(aggregate_order_by(
                sa.case((is_hidden, item.op("||")(sa.literal(_REDACTED_INPUT, JSONB))), else_=item), elements.c.n)),
            sa.literal([], JSONB))).select_from(elements).scalar_subquery()
        inputs = sa.case((sa.func.jsonb_typeof(table.c.inputs) == "array", blanked), else_=table.c.inputs)
    # the columns named and ordered as series' dicts; json_agg writes each row as an object of them (faster than
    # json_build_object with the names as arguments: 50-70 ms against 100-120 ms for 6,000 values)
    written = {"city_teryt": table.c.city_teryt.label("city"), "value": sa.cast(table.c.value, sa.Float).label("value"),
               "inputs": inputs.label("inputs"), "computed_at": _isoformat(table.c.computed_at).label("computed_at")}
    columns = [written.get(name, table.c[name]) for name in READ]
    rows = _series_query(columns, indicator_code, cities=cities, source=source, period_from=period_from,
                         period_to=period_to, limit=limit).subquery("v")
    ordered = aggregate_order_by(rows.table_valued(), rows.c.city, rows.c.period, rows.c.source)
    query = sa.select(sa.func.coalesce(sa.cast(sa.func.json_agg(ordered), sa.UnicodeText), "[]"))
    return model.Session.execute(query).scalar_one()


def read_dict(row: tuple, flags: Callable[[Any], list[str]]) -> dict[str, Any]:
    """The value dict of a row of ``read_columns`` (unpacked: a row's attributes cost more than the rest); ``flags``
    reads its flag list (``read_list``, or a ``FlagLists`` for many rows)."""
    city, code, variable, period, value, unit, source, ref, method, flag_list, inputs, computed = row
    return {
        "city": city,
        "indicator_code": code,
        "source_variable": variable,
        "period": period,
        "value": float(value) if isinstance(value, Decimal) else value,
        "unit": unit,
        "source": source,
        "source_ref": ref,
        "method": method,
        "flags": flags(flag_list),
        "inputs": read_list(inputs),
        "computed_at": computed.isoformat() if computed else None,
    }


def _row_dict(obj: IndicatorValue) -> dict[str, Any]:
    return read_dict(tuple(getattr(obj, name) for name in READ), read_list)


def city_values(teryt: str, codes: list[str]) -> dict[str, list[dict]]:
    """Every stored value of a city for each of ``codes``, in one query (by code, ordered by period)."""
    out: dict[str, list[dict]] = {code: [] for code in codes}
    if not codes:
        return out
    table = IndicatorValue.__table__
    query = sa.select(*read_columns()).where(table.c.city_teryt == teryt, table.c.indicator_code.in_(codes)).order_by(
        table.c.indicator_code, table.c.period, table.c.source)
    flags = FlagLists()
    for row in model.Session.execute(query):
        out[row.indicator_code].append(read_dict(row, flags))
    return out
