"""Each indicator's values as a DataStore table of its indicator data set, so a researcher can filter them and
join them with other tables through the API (``datastore_search``, ``datastore_search_sql``).

One resource per indicator data set (named :data:`RESOURCE_NAME`, ``url_type`` ``datastore``: CKAN serves its
dump), one row per value: city (TERYT) and its name, period, value, unit, source and the source's own reference,
the method and the flags (``synthetic`` among them: a demo value is labelled in every row that holds one). The
table has the visibility of its data set (a private indicator's table is its department's). The inputs of derived
values are not copied (they may name indicators the reader may not see). Re-publishing an unchanged series writes
nothing (a hash of the rows is kept on the resource)."""
from __future__ import annotations

import hashlib
import json
from typing import Any

import ckan.plugins.toolkit as tk
from ckan import model

from ckanext.urbanaudit.cities.model import City
from ckanext.urbanaudit.indicators import store
from ckanext.urbanaudit.indicators.catalogue import catalogue

RESOURCE_NAME = "Wartości wskaźnika (tabela)"
FIELDS = [
    {"id": "city", "type": "text", "info": {"label": "TERYT", "notes": "Kod TERYT miasta / city TERYT code"}},
    {"id": "city_name", "type": "text"},
    {"id": "period", "type": "text"},
    {"id": "value", "type": "numeric"},
    {"id": "unit", "type": "text"},
    {"id": "source", "type": "text"},
    {"id": "source_variable", "type": "text"},
    {"id": "source_ref", "type": "text"},
    {"id": "method", "type": "text"},
    {"id": "flags", "type": "text"},
]
MAX_ROWS = 1_000_000


def _records(code: str, names: dict[str, str]) -> list[dict[str, Any]]:
    return [{"city": v["city"], "city_name": names.get(v["city"], ""), "period": v["period"], "value": v["value"],
             "unit": v["unit"], "source": v["source"], "source_variable": v["source_variable"],
             "source_ref": v["source_ref"], "method": v["method"], "flags": " ".join(v["flags"])}
            for v in store.series(code, limit=MAX_ROWS)]


def _digest(records: list[dict[str, Any]]) -> str:
    return hashlib.sha256(json.dumps(records, sort_keys=True, default=str).encode()).hexdigest()


def publish(user: str, codes: list[str] | None = None) -> dict[str, int]:
    """Write the tables of the given indicators (default: every indicator data set with values)."""
    context = {"user": user, "ignore_auth": True}
    names = dict(model.Session.query(City.teryt, City.name).all())
    wanted = set(codes or [])
    counts = {"created": 0, "updated": 0, "unchanged": 0}
    for indicator in catalogue().indicators:
        if wanted and indicator.code not in wanted:
            continue
        pkg = model.Package.get(indicator.slug)
        if pkg is None or pkg.state != "active":
            continue
        records = _records(indicator.code, names)
        existing = next((r for r in pkg.resources if r.name == RESOURCE_NAME and r.url_type == "datastore"), None)
        if not records and existing is None:
            continue
        digest = _digest(records)
        if existing is None:
            resource = {"package_id": pkg.id, "name": RESOURCE_NAME, "format": "CSV", "values_hash": digest,
                        "description": "Wszystkie wartości wskaźnika w portalu, po jednej na miasto, okres i "
                                       "źródło (flaga synthetic: wartość syntetyczna, demonstracyjna)."}
            tk.get_action("datastore_create")(dict(context), {
                "resource": resource, "fields": FIELDS, "primary_key": ["city", "period", "source"],
                "records": records, "force": True})
            counts["created"] += 1
        elif (existing.extras or {}).get("values_hash") == digest:
            counts["unchanged"] += 1
        else:
            tk.get_action("datastore_delete")(dict(context), {"resource_id": existing.id, "filters": {},
                                                              "force": True})
            tk.get_action("datastore_upsert")(dict(context), {"resource_id": existing.id, "records": records,
                                                              "method": "insert", "force": True})
            tk.get_action("resource_patch")(dict(context), {"id": existing.id, "values_hash": digest})
            counts["updated"] += 1
    return counts
