"""Actions on indicator values: ``urbanaudit_indicator_value_upsert`` (batch) and
``urbanaudit_indicator_values`` (a series)."""
from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation
from typing import Any

import ckan.plugins.toolkit as tk
import sqlalchemy as sa
from ckan import model

from ckanext.urbanaudit import indicator_value
from ckanext.urbanaudit.model import City

__all__ = ["urbanaudit_indicator_value_upsert", "urbanaudit_indicator_values"]

MAX_BATCH = 5000
MAX_SERIES = 10000
CODE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._:/+-]{0,199}$")
SOURCE = re.compile(r"^[a-z][a-z0-9_-]{0,49}$")
# a year, or a year with a quarter, half-year or month: 2023, 2023-Q1, 2023-H2, 2023-05
PERIOD = re.compile(r"^(19|20)\d{2}(-(Q[1-4]|H[12]|0[1-9]|1[0-2]))?$")
FLAG = re.compile(r"^[A-Za-z0-9_:.-]{1,50}$")


def _city(value: Any, context: dict) -> str:
    city = City.get(str(value).strip())
    if city is None:
        raise tk.Invalid(tk._("Unknown city: give the TERYT code or name of a city loaded from a city file."))
    return city.teryt


def _matching(pattern: re.Pattern, message):
    def validator(value: Any) -> str:
        value = str(value).strip()
        if not pattern.match(value):
            raise tk.Invalid(message())
        return value

    return validator


def _number_or_none(value: Any) -> Decimal | None:
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        raise tk.Invalid(tk._("The value must be a number (a dot for decimals) or null."))
    try:
        number = Decimal(str(value).strip().replace(",", "."))
    except InvalidOperation:
        raise tk.Invalid(tk._("The value must be a number (a dot for decimals) or null.")) from None
    if not number.is_finite():
        raise tk.Invalid(tk._("The value must be a number (a dot for decimals) or null."))
    return number


def _flags(value: Any) -> list[str]:
    if value in (None, ""):
        return []
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not all(isinstance(f, str) and FLAG.match(f) for f in value):
        raise tk.Invalid(tk._("Flags must be a list of short codes (letters, digits, _ : . -)."))
    return sorted(set(value))


def _inputs(value: Any) -> list[dict]:
    """Provenance: the input values a computed value comes from, each an object naming its indicator code."""
    if value in (None, ""):
        return []
    if not isinstance(value, list) or not all(isinstance(i, dict) and i.get("indicator_code") for i in value):
        raise tk.Invalid(tk._("Inputs must be a list of objects, each naming the input's indicator_code."))
    return value


def _optional_text(value: Any) -> str | None:
    if value is None:
        return None
    value = str(value).strip()
    return value or None


def value_schema() -> dict:
    not_empty = tk.get_validator("not_empty")
    default = tk.get_validator("default")
    return {
        "city": [not_empty, _city],
        "indicator_code": [not_empty, _matching(
            CODE, lambda: tk._("Indicator codes use letters, digits and . _ : / + - only."))],
        "source_variable": [default(None), _optional_text],
        "period": [not_empty, _matching(PERIOD, lambda: tk._(
            "The period must be a year (2023), or a year with a quarter (2023-Q1), half-year (2023-H2) "
            "or month (2023-05)."))],
        "value": [default(None), _number_or_none],
        "unit": [default(None), _optional_text],
        "source": [not_empty, _matching(
            SOURCE, lambda: tk._("The source is a short lowercase name, e.g. bdl, eurostat, gios."))],
        "source_ref": [default(None), _optional_text],
        "method": [default(None), _optional_text],
        "flags": [default([]), _flags],
        "inputs": [default([]), _inputs],
    }


def urbanaudit_indicator_value_upsert(context, data_dict):
    """Store a batch of indicator values: new ones are created, changed ones updated in place,
    identical ones left alone (their ``computed_at`` stays).

    :param values: list of values, each with ``city`` (TERYT or slug), ``indicator_code``, ``period``,
        ``source`` and optionally ``value`` (number or null; null needs a flag saying why),
        ``unit``, ``source_variable``, ``source_ref``, ``method``, ``flags`` (list of codes).
    :returns: ``{"created": n, "updated": n, "unchanged": n}``
    """
    tk.check_access("urbanaudit_indicator_value_upsert", context, data_dict)
    values = data_dict.get("values")
    if not isinstance(values, list) or not values:
        raise tk.ValidationError({"values": [tk._("Give a non-empty list of values.")]})
    if len(values) > MAX_BATCH:
        raise tk.ValidationError({"values": [tk._("At most {n} values per call.").format(n=MAX_BATCH)]})
    rows, errors, keys = [], {}, set()
    schema = value_schema()
    for index, item in enumerate(values):
        if not isinstance(item, dict):
            errors[str(index)] = {"__type": [tk._("Each value must be an object.")]}
            continue
        row, row_errors = tk.navl_validate(dict(item), schema, context)
        unknown = sorted(set(item) - set(schema))
        if unknown:
            row_errors["__extras"] = [tk._("Unknown fields: {fields}").format(fields=", ".join(unknown))]
        if not row_errors and row["value"] is None and not row["flags"]:
            row_errors["value"] = [tk._("A missing value needs a flag saying why (e.g. the source's status).")]
        if not row_errors:
            key = (row["city"], row["indicator_code"], row["period"], row["source"])
            if key in keys:
                row_errors["period"] = [tk._("The same city, indicator, period and source appear twice.")]
            keys.add(key)
        if row_errors:
            errors[str(index)] = row_errors
            continue
        row["city_teryt"] = row.pop("city")
        rows.append(row)
    if errors:
        raise tk.ValidationError({"values": errors})
    counts = indicator_value.upsert(rows)
    base_cities = sorted({r["city_teryt"] for r in rows if r["source"] != "computed"})
    if base_cities and (counts["created"] or counts["updated"]):
        _recompute_after_commit(base_cities)
    if not context.get("defer_commit"):
        model.Session.commit()
    return counts


def _recompute_after_commit(cities: list[str]) -> None:
    """Once the transaction that changed base values commits (at once, or at the end of a harvest import that
    defers it), enqueue the recomputation of the derived indicators of those cities."""
    if not tk.config.get("ckanext.urbanaudit.indicators.compute_after_upsert"):
        return
    session = model.Session()
    pending = session.info.setdefault("urbanaudit_recompute", set())
    first = not pending
    pending.update(cities)
    if not first:
        return

    def enqueue(committed_session):
        teryts = sorted(committed_session.info.pop("urbanaudit_recompute", set()))
        if teryts:
            tk.enqueue_job("ckanext.urbanaudit.indicator_compute.compute_job", [teryts],
                           title=f"urbanaudit: recompute indicators of {', '.join(teryts)}")

    def forget(rolled_back_session):
        rolled_back_session.info.pop("urbanaudit_recompute", None)

    sa.event.listen(session, "after_commit", enqueue, once=True)
    sa.event.listen(session, "after_soft_rollback", forget, once=True)


@tk.side_effect_free
def urbanaudit_indicator_values(context, data_dict):
    """A series of values of one indicator, ordered by city and period.

    :param indicator_code: the indicator (required)
    :param city: TERYT codes or slugs, a list or comma-separated (optional; all cities by default)
    :param source: only values from this source (optional)
    :param period_from, period_to: bounds of the period, inclusive (optional)
    :param limit: at most this many values (default 1000, at most 10000)
    """
    tk.check_access("urbanaudit_indicator_values", context, data_dict)
    errors: dict[str, list[str]] = {}
    code = str(data_dict.get("indicator_code") or "").strip()
    if not code:
        errors["indicator_code"] = [tk._("Missing value")]
    cities = data_dict.get("city") or []
    if isinstance(cities, str):
        cities = [c for c in cities.split(",") if c.strip()]
    teryts = []
    for name in cities:
        city = City.get(str(name).strip())
        if city is None:
            errors.setdefault("city", []).append(tk._("Unknown city: {name}").format(name=name))
        else:
            teryts.append(city.teryt)
    try:
        limit = int(data_dict.get("limit", 1000))
        if not 1 <= limit <= MAX_SERIES:
            raise ValueError
    except (TypeError, ValueError):
        errors["limit"] = [tk._("The limit must be a whole number from 1 to {n}.").format(n=MAX_SERIES)]
        limit = 0
    if errors:
        raise tk.ValidationError(errors)
    return indicator_value.series(
        code, cities=teryts or None, source=data_dict.get("source") or None,
        period_from=data_dict.get("period_from") or None, period_to=data_dict.get("period_to") or None,
        limit=limit,
    )
