"""Finding analyses (dataset type ``analysis``, schemas/analysis.yaml) in the search index: those that use a data
set or an indicator ("used in"), and the researchers' page listing with its search box and kind facet.

The data sets and indicators an analysis uses are indexed as the multi-valued ``vocab_uses_datasets`` (ids) and
``vocab_uses_indicators`` (codes) by ``inventory.search.before_dataset_index``."""
from __future__ import annotations

from typing import Any

import ckan.plugins.toolkit as tk
from ckan import model
from ckan.lib.search import SearchError

from ckanext.urbanaudit.utils import json_list

ANALYSIS = "analysis"
KIND_FIELD = "analysis_kind"
PAGE_SIZE = 20


def quoted(value: str) -> str:
    """A value as a quoted Solr term (indicator codes carry colons)."""
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _search(context: dict[str, Any], data_dict: dict[str, Any]) -> dict[str, Any]:
    return tk.get_action("package_search")(dict(context), data_dict)


def using(context: dict[str, Any], *, dataset_id: str | None = None, indicator_code: str | None = None,
          rows: int = 50) -> list[dict[str, Any]]:
    """The public analyses that use the data set ``dataset_id`` or the indicator ``indicator_code``, newest
    first (the caller's private analyses are not listed: "used in" is the public record)."""
    if dataset_id:
        fq = f"+vocab_uses_datasets:{quoted(dataset_id)}"
    elif indicator_code:
        fq = f"+vocab_uses_indicators:{quoted(indicator_code)}"
    else:
        return []
    found = _search(context, {"q": "*:*", "fq": f"+dataset_type:{ANALYSIS} {fq}", "rows": rows,
                              "sort": "metadata_created desc", "include_private": False})
    return found["results"]


def using_any(context: dict[str, Any], dataset_ids: list[str], indicator_codes: list[str],
              rows: int = 50) -> dict[str, list[dict[str, Any]]]:
    """``using`` for many data sets and indicators in one search: {data set id or indicator code: its public
    analyses, newest first, at most ``rows``}."""
    terms = [f"vocab_uses_datasets:{quoted(i)}" for i in dataset_ids]
    terms += [f"vocab_uses_indicators:{quoted(c)}" for c in indicator_codes]
    out: dict[str, list[dict[str, Any]]] = {key: [] for key in [*dataset_ids, *indicator_codes]}
    if not terms:
        return out
    data = {"q": "*:*", "fq": f"+dataset_type:{ANALYSIS} +({' OR '.join(terms)})", "rows": 1000,
            "sort": "metadata_created desc", "include_private": False}
    start = 0
    while True:
        found = _search(context, {**data, "start": start})
        for analysis in found["results"]:
            for key in {*json_list(analysis.get("uses_datasets")), *json_list(analysis.get("uses_indicators"))}:
                if key in out and len(out[key]) < rows:
                    out[key].append(analysis)
        start += len(found["results"])
        if not found["results"] or start >= found["count"]:
            return out


def listing(context: dict[str, Any], q: str | None, kind: str | None, page: int) -> dict[str, Any]:
    """One page of the analyses matching the researchers' page's search box and kind filter, with the kind
    facet; a query Solr refuses gives no results and ``error``."""
    fq = f"+dataset_type:{ANALYSIS}" + (f" +{KIND_FIELD}:{quoted(kind)}" if kind else "")
    data = {"q": (q or "").strip() or "*:*", "fq": fq, "rows": PAGE_SIZE, "start": (page - 1) * PAGE_SIZE,
            "facet.field": [KIND_FIELD], "facet.limit": -1, "sort": "metadata_created desc",
            "include_private": False}
    try:
        found = _search(context, data)
    except (SearchError, tk.ValidationError):
        return {"count": 0, "results": [], "kinds": {}, "error": True}
    kinds = (found.get("facets") or {}).get(KIND_FIELD) or {}
    return {"count": found["count"], "results": found["results"], "kinds": kinds, "error": False}


def public_packages(refs: list[str]) -> list[dict[str, Any]]:
    """The packages of ``refs`` (ids or names) that are active and public, in order (for the DCAT output)."""
    found = []
    for ref in refs:
        pkg = model.Package.get(ref)
        if pkg is None or pkg.state != "active" or pkg.private:
            continue
        found.append(tk.get_action("package_show")({"ignore_auth": True, "user": ""}, {"id": pkg.id}))
    return found
