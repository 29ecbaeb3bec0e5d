"""Actions on indicator values: ``urbanaudit_indicator_value_upsert`` (batch) and
``urbanaudit_indicator_values`` (a series)."""
from __future__ import annotations

from typing import Any

import ckan.plugins.toolkit as tk
import sqlalchemy as sa
from ckan import model
from ckan.common import json as api_json  # simplejson: what CKAN's Action API encodes its answers with
from ckan.logic import validate
from ckan.types import Context, DataDict
from sqlalchemy.orm import Session

from ckanext.urbanaudit import config
from ckanext.urbanaudit.cities.model import City
from ckanext.urbanaudit.indicators import schema, store, visibility
from ckanext.urbanaudit.indicators.schema import MAX_BATCH


def urbanaudit_indicator_value_upsert(context: Context, data_dict: DataDict) -> dict[str, int]:
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
    value_schema = schema.indicator_value()
    for index, item in enumerate(values):
        if not isinstance(item, dict):
            errors[str(index)] = {"__type": [tk._("Each value must be an object.")]}
            continue
        row, row_errors = tk.navl_validate(dict(item), value_schema, context)
        unknown = sorted(set(item) - set(value_schema))
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
    counts = store.upsert(rows)
    base_cities = sorted({r["city_teryt"] for r in rows if r["source"] != "computed"})
    if base_cities and (counts["created"] or counts["updated"]):
        _recompute_after_commit(base_cities)
    if not context.get("defer_commit"):
        model.Session.commit()
    return counts


def _recompute_after_commit(cities: list[str]) -> None:
    """Once the transaction that changed base values commits (at once, or at the end of a harvest import that
    defers it), enqueue the recomputation of the derived indicators of those cities."""
    if not config.compute_after_upsert():
        return
    session = model.Session()
    pending = session.info.setdefault("urbanaudit_recompute", set())
    first = not pending
    pending.update(cities)
    if not first:
        return

    def enqueue(committed_session: Session) -> None:
        teryts = sorted(committed_session.info.pop("urbanaudit_recompute", set()))
        if teryts:
            tk.enqueue_job("ckanext.urbanaudit.indicators.compute.compute_job", [teryts],
                           title=f"urbanaudit: recompute indicators of {', '.join(teryts)}")

    def forget(rolled_back_session: Session, previous_transaction: object = None) -> None:
        rolled_back_session.info.pop("urbanaudit_recompute", None)

    sa.event.listen(session, "after_commit", enqueue, once=True)
    sa.event.listen(session, "after_soft_rollback", forget, once=True)


@tk.side_effect_free
@validate(schema.indicator_values)
def urbanaudit_indicator_values(context: Context, data_dict: DataDict) -> list[dict[str, Any]] | api_json.RawJSON:
    """A series of values of one indicator, ordered by city and period. An indicator whose data set is private
    to a department the caller may not read does not exist for the caller; inputs of derived values that come
    from such indicators are blanked (see visibility.py).

    :param indicator_code: the indicator (required)
    :param city: TERYT codes or slugs, a list or comma-separated (optional; all cities by default)
    :param source: only values from this source (optional)
    :param period_from, period_to: bounds of the period, inclusive (optional)
    :param limit: at most this many values (default 1000, at most 10000)
    """
    tk.check_access("urbanaudit_indicator_values", context, data_dict)
    errors: dict[str, list[str]] = {}
    code = data_dict["indicator_code"].strip()
    if not code:
        errors["indicator_code"] = [tk._("Missing value")]
    teryts = []
    for name in data_dict["city"]:
        city = City.get(name)
        if city is None:
            errors.setdefault("city", []).append(tk._("Unknown city: {name}").format(name=name))
        else:
            teryts.append(city.teryt)
    if errors:
        raise tk.ValidationError(errors)
    seen = visibility.for_context(context)
    if seen.is_hidden(code):
        raise tk.ObjectNotFound(tk._("No indicator {code} in the catalogue.").format(code=code))
    query = {"cities": teryts or None, "source": data_dict.get("source") or None,
             "period_from": data_dict.get("period_from") or None, "period_to": data_dict.get("period_to") or None,
             "limit": data_dict["limit"]}
    if context.get("api_version"):
        # called through the Action API, whose answer is encoded by simplejson: the series' JSON as PostgreSQL
        # writes it, embedded as it is (RawJSON, as CKAN's own LazyJSONObject) -- 6,000 values are neither built
        # as Python dicts nor encoded again
        return api_json.RawJSON(store.series_json(code, hidden=seen.hidden, **query))
    return visibility.redact_values(store.series(code, **query), seen.hidden)
