"""The demo's files in the DataStore: the synthetic records' CSV files loaded by ckanext-xloader (through the
jobs worker of the running demo), their content checks, one chart and the stop map.

Run by `make demo` once the portal answers (xloader reads the files from it). Idempotent: a loaded file is not
loaded again, a view that exists is not made again."""
from __future__ import annotations

import time
from typing import Any

import ckan.plugins.toolkit as tk

from ckanext.urbanaudit.contents import jobs as content_jobs
from ckanext.urbanaudit.demo import content
from ckanext.urbanaudit.demo.content import SUFFIX, datasets

CHART = {"dataset": "demo-pomiary-halasu", "title": "Hałas drogowy w punktach pomiarowych" + SUFFIX,
         "view_type": "charts_view", "engine": "plotly", "type": "Bar", "x": "punkt", "y": "LDWN_dB"}
# Plotly, not Chart.js: ckanext-charts 1.13's Chart.js bar chart sums each category into an int (66.2 dB drawn as
# 66) and its line chart reads the categories as dates
MAP = {"dataset": "demo-przystanki-komunikacji", "title": "Mapa przystanków" + SUFFIX, "view_type": "geojson_view"}
DONE = ("complete", "error")


def demo_resources(context: dict, formats: tuple[str, ...]) -> list[dict]:
    """The demo records' resources served by the portal itself (its demo files), of these formats."""
    found = []
    for record in datasets():
        pkg = tk.get_action("package_show")(dict(context), {"id": record["name"]})
        found.extend(r for r in pkg["resources"] if (r.get("url") or "").startswith(content.DEMO_FILES)
                     and (r.get("format") or "").upper() in formats)
    return found


def _status(context: dict, resource_id: str) -> str:
    try:
        return tk.get_action("xloader_status")(dict(context), {"resource_id": resource_id})["status"]
    except tk.ObjectNotFound:
        return "none"


def _ensure_view(context: dict, spec: dict) -> bool:
    pkg = tk.get_action("package_show")(dict(context), {"id": spec["dataset"]})
    resource = next(r for r in pkg["resources"] if (r.get("url") or "").startswith(content.DEMO_FILES))
    views = tk.get_action("resource_view_list")(dict(context), {"id": resource["id"]})
    same = [v for v in views if v["view_type"] == spec["view_type"]]
    if any(v["title"] == spec["title"] for v in same):
        return False
    data: dict[str, Any] = {k: v for k, v in spec.items() if k != "dataset"}
    if same and spec["view_type"] != "charts_view":  # the default view of its type: give it the demo's title
        tk.get_action("resource_view_update")(dict(context), {**same[0], "title": spec["title"]})
        return True
    tk.get_action("resource_view_create")(dict(context), {**data, "resource_id": resource["id"]})
    return True


def submit(context: dict) -> tuple[list[dict], int]:
    """Queue the load of every demo CSV file not yet in the DataStore; returns the files and how many were queued."""
    tables = demo_resources(context, ("CSV",))
    submitted = 0
    for resource in tables:
        if not resource.get("datastore_active") and _status(context, resource["id"]) not in ("pending", "running"):
            tk.get_action("xloader_submit")(dict(context), {"resource_id": resource["id"], "ignore_hash": True})
            submitted += 1
    return tables, submitted


def finish(context: dict, tables: list[dict], timeout: float) -> dict:
    """Wait for the loads (the worker does them), check the files' contents, make the chart and the map."""
    deadline = time.monotonic() + timeout
    while True:
        states = {r["id"]: _status(context, r["id"]) for r in tables}
        if all(s in DONE for s in states.values()) or time.monotonic() > deadline:
            break
        time.sleep(2)
    failed = {rid: s for rid, s in states.items() if s != "complete"}
    if failed:
        raise RuntimeError(f"DataStore load not complete: {failed} (see var/log/jobs.log)")
    checked = [content_jobs.check_resource(r["id"]) for r in tables]
    made = sum(_ensure_view(context, spec) for spec in (CHART, MAP))
    return {"tables": len(tables), "checked": len([c for c in checked if c]), "views": made}


def load(user: str, timeout: float = 300) -> dict:
    """Load the demo CSV files into the DataStore (the worker does it), check their contents, make the chart and
    the map. Returns what was done; raises RuntimeError when a load fails or does not finish in ``timeout``."""
    context = {"user": user, "ignore_auth": True}
    tables, submitted = submit(context)
    return {**finish(context, tables, timeout), "submitted": submitted}
